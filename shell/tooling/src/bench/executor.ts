// Commands per second through the Executor, side by side with plain async/await doing the same
// lookup → operate → write on the same memory structures.
import { Effect, Either, Layer, ManagedRuntime, Option } from "effect"
import { Credit, Debit, OpenWallet, walletHandler, walletStream, type Envelope, type WalletCommand, type WalletState } from "@low/functions"
import { makeMemoryStore } from "@low/core"
import { Executor, type ExecutorPorts } from "@low/core"
import { EventStore } from "@low/core"
import { EntityStates, UniqueIndex } from "@low/functions"
import { Views } from "@low/core"

export interface ExecutorBenchOptions {
  readonly wallets: number
  readonly commands: number
  readonly inFlight: number
  readonly rounds: number
  /**
   * Whether the workers can be interrupted while they run a command. The event system's lanes cannot (a command
   * taken runs to its end), and the executor's lock then needs no mask; a GraphQL request that runs the executor
   * itself (graphql-postgres) can.
   */
  readonly interruptible?: boolean
}

/** A seeded generator, so both sides see the same commands. */
const lcg = (seed: number) => () => (seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32

const workload = ({ wallets, commands }: ExecutorBenchOptions) => {
  const next = lcg(42)
  return Array.from({ length: commands }, (_, i): [WalletCommand, Envelope] => {
    const walletId = `w${Math.floor(next() * wallets)}`
    const amount = 1 + Math.floor(next() * 100)
    const command = next() < 0.6 ? Credit.make({ walletId, amount }) : Debit.make({ walletId, amount })
    return [command, { commandId: `c${i}`, at: "2026-11-22T10:00:00.000Z", freshId: `f${i}` }]
  })
}

const freshStore = (wallets: number) => {
  const store = makeMemoryStore()
  const layer = Layer.mergeAll(
    Layer.succeed(EntityStates, store.ports.states),
    Layer.succeed(UniqueIndex, store.ports.unique),
    Layer.succeed(EventStore, store.ports.events),
    Layer.succeed(Views, store.ports.views)
  )
  const runtime = ManagedRuntime.make(Executor.layer().pipe(Layer.provideMerge(layer)))
  const open = Effect.gen(function* () {
    const executor = yield* Executor
    for (let i = 0; i < wallets; i++)
      yield* executor.run(walletHandler, OpenWallet.make({ walletId: `w${i}`, owner: "bench" }), {
        commandId: `open${i}`,
        at: "2026-11-22T10:00:00.000Z",
        freshId: `o${i}`
      })
  })
  return runtime.runPromise(open).then(() => ({ store, runtime }))
}

const viaExecutor = async (options: ExecutorBenchOptions, commands: ReturnType<typeof workload>) => {
  const { runtime } = await freshStore(options.wallets)
  // `inFlight` fibers, each taking the next command when its last one is done, as a deployment's lanes do.
  const run = Effect.flatMap(Executor, (executor) => {
    let next = 0
    const worker: Effect.Effect<void, never, ExecutorPorts> = Effect.suspend(() => {
      if (next === commands.length) return Effect.void
      const [command, envelope] = commands[next++]!
      return Effect.zipRight(Effect.either(executor.run(walletHandler, command, envelope)), worker)
    })
    const workers = Array.from({ length: options.inFlight }, () => (options.interruptible ? worker : Effect.uninterruptible(worker)))
    return Effect.all(workers, { concurrency: "unbounded", discard: true })
  })
  const start = performance.now()
  await runtime.runPromise(run)
  const ms = performance.now() - start
  await runtime.dispose()
  return ms
}

/** The same LOW with nothing but async functions and the store's plain API; per-entity order by promise chains. */
const viaAsync = async (options: ExecutorBenchOptions, commands: ReturnType<typeof workload>) => {
  const { store, runtime } = await freshStore(options.wallets)
  await runtime.dispose()
  const tails = new Map<string, Promise<unknown>>()
  const handle = async ([command, envelope]: [WalletCommand, Envelope]) => {
    const stream = walletStream(command.walletId)
    const looked = Option.fromNullable(store.plain.state(stream) as { version: number; state: WalletState } | undefined)
    const decided = walletHandler.operate(command, looked, envelope)
    if (Either.isLeft(decided)) return
    const current = Option.getOrThrow(looked)
    const events = decided.right
    const last = events[events.length - 1]!
    const balance = "balanceAfter" in last ? last.balanceAfter : 0
    store.plain.tryCommit({
      entity: `wallet/${command.walletId}`,
      commandId: envelope.commandId,
      fingerprint: JSON.stringify(command),
      at: envelope.at,
      ops: [
        { _tag: "Append", stream, expectedVersion: current.version, events },
        {
          _tag: "SaveState",
          stream,
          version: current.version + events.length,
          schema: undefined as never,
          state: { ...current.state, balance }
        }
      ],
      events: walletHandler.event,
      project: () => []
    })
  }
  const serialized = (c: [WalletCommand, Envelope]) => {
    const key = c[0].walletId
    const run = (tails.get(key) ?? Promise.resolve()).then(() => handle(c))
    tails.set(key, run)
    return run.finally(() => tails.get(key) === run && tails.delete(key))
  }
  let next = 0
  const worker = async () => {
    while (next < commands.length) await serialized(commands[next++]!)
  }
  const start = performance.now()
  await Promise.all(Array.from({ length: options.inFlight }, worker))
  return performance.now() - start
}

const median = (xs: ReadonlyArray<number>) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

/** Runs both sides in alternation and reports the median of each. */
export const executorBench = async (options: ExecutorBenchOptions) => {
  const commands = workload(options)
  const executor: Array<number> = []
  const baseline: Array<number> = []
  for (let round = 0; round < options.rounds + 1; round++) {
    const e = await viaExecutor(options, commands)
    const b = await viaAsync(options, commands)
    if (round > 0) executor.push(e), baseline.push(b) // round 0 warms the JIT
  }
  const perSecond = (ms: number) => Math.round((options.commands / ms) * 1000)
  return {
    executorPerSecond: perSecond(median(executor)),
    baselinePerSecond: perSecond(median(baseline)),
    costRatio: median(executor) / median(baseline)
  }
}
