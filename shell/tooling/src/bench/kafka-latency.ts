import { Duration, Effect, Layer } from "effect"
import { wallet, walletHandler } from "@low/functions"
import { CommandBus } from "@low/core"
import { RedisClient, RedisStore } from "@low/kafka"
import { KafkaClient } from "@low/kafka"
import { KafkaCommandBus } from "@low/kafka"
import type { KafkaSettings } from "@low/kafka"

const percentile = (sorted: ReadonlyArray<number>, p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? NaN

/**
 * Command → projection latency: this process is a bff without HTTP that sends credits over `wallets` wallets straight
 * to the command bus at `rate`/s; each answer comes once its credit is written and projected.
 */
export const projectionLatency = (
  settings: KafkaSettings,
  { rate, seconds, wallets }: { rate: number; seconds: number; wallets: number }
) =>
  Effect.gen(function* () {
    const bus = yield* CommandBus
    const id = (i: number) => `p-${settings.clientId}-${i % wallets}`
    const envelope = (commandId: string) => ({ commandId, at: new Date().toISOString(), freshId: commandId })
    yield* Effect.forEach(
      Array.from({ length: wallets }, (_, i) => i),
      (i) => bus.send(walletHandler, { _tag: "OpenWallet", walletId: id(i), owner: "bench" }, envelope(`${id(i)}-open`)),
      { concurrency: 50 }
    )
    const latencies: Array<number> = []
    let failed = 0
    const one = (i: number) =>
      Effect.suspend(() => {
        const start = performance.now()
        return bus
          .send(walletHandler, { _tag: "Credit", walletId: id(i), amount: 1 }, envelope(`${id(i)}-${i}`))
          .pipe(Effect.match({ onFailure: () => void failed++, onSuccess: () => void latencies.push(performance.now() - start) }))
      })
    const fibers = yield* Effect.forEach(
      Array.from({ length: rate * seconds }, (_, i) => i),
      (i) => Effect.zipRight(Effect.sleep(Duration.millis(1000 / rate)), Effect.fork(one(i)))
    )
    yield* Effect.forEach(fibers, (fiber) => fiber.await, { discard: true })
    const sorted = latencies.sort((a, b) => a - b)
    return { sent: rate * seconds, failed, p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99) }
  }).pipe(
    Effect.provide(
      KafkaCommandBus({ handlers: wallet.handlers, projectedChannels: new Set(wallet.projectors.map((p) => p.reads)) }).pipe(
        Layer.provide(RedisStore.layer()),
        Layer.provide(Layer.merge(KafkaClient.layer(settings), RedisClient.layer({ url: settings.redisUrl, prefix: settings.redisPrefix })))
      )
    )
  )
