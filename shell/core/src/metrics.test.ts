import { Effect, Fiber, Layer, Metric, MetricBoundaries, MetricState, TestClock } from "effect"
import { describe, expect, it } from "@effect/vitest"
import { walletHandler, type WalletCommand } from "@low/functions"
import { WriteConflict } from "./errors"
import { EventStore } from "./event-store"
import { Executor } from "./executor"
import { MemoryStore } from "./memory/store"
import { histograms, levels, sampledOnScrape, sampleMetrics, totals } from "./metrics"

/** The value of a metric series in Effect's registry, as the exposition shows it (0 when there is none). */
const seriesValue = (name: string, labels: Record<string, string>) => {
  const pair = Metric.unsafeSnapshot().find(
    ({ metricKey }) =>
      metricKey.name === name &&
      metricKey.tags.length === Object.keys(labels).length &&
      metricKey.tags.every((t) => labels[t.key] === t.value)
  )
  if (pair === undefined) return 0
  const state = pair.metricState
  if (MetricState.isCounterState(state)) return Number(state.count)
  return MetricState.isGaugeState(state) ? Number(state.value) : Number.NaN
}

describe("metrics", () => {
  it("given a total, a level and a histogram, when updated through series of the same labels, then one series each", () => {
    totals("low_test_updates_total", "Updates.")({ kind: "a" }).add()
    totals("low_test_updates_total", "Updates.")({ kind: "a" }).add(2)
    totals("low_test_updates_total", "Updates.")({ kind: "b" }).add()
    expect(seriesValue("low_test_updates_total", { kind: "a" })).toBe(3)
    expect(seriesValue("low_test_updates_total", { kind: "b" })).toBe(1)
    levels("low_test_level", "Level.")({}).set(4)
    levels("low_test_level", "Level.")({}).set(2)
    expect(seriesValue("low_test_level", {})).toBe(2)
    const observed = histograms("low_test_seconds", "Seconds.", MetricBoundaries.fromIterable([1]))({})
    observed.observe(0.5)
    observed.observe(2)
    const state = Metric.unsafeSnapshot().find((p) => p.metricKey.name === "low_test_seconds")?.metricState
    expect(MetricState.isHistogramState(state) && [state.count, state.sum]).toEqual([2, 2.5])
  })

  it.effect("given readings registered in a scope, when sampled, then they run, and no more once the scope closed", () =>
    Effect.gen(function* () {
      let reads = 0
      yield* Effect.scoped(
        Effect.gen(function* () {
          yield* sampledOnScrape(Effect.sync(() => reads++))
          yield* sampleMetrics("1 second")
        })
      )
      yield* sampleMetrics("1 second")
      expect(reads).toBe(1)
    })
  )

  describe("the executor's conflicts", () => {
    /** The memory event store, failing the next `failures` commits with a WriteConflict; `duplicate` commits them first. */
    const conflicting = (duplicate: boolean) => {
      const control = { failures: 0 }
      const layer = Layer.effect(
        EventStore,
        Effect.map(MemoryStore, (store) =>
          EventStore.of({
            accepted: store.ports.events.accepted,
            commit: (commit) =>
              Effect.suspend(() => {
                if (control.failures === 0) return store.ports.events.commit(commit)
                control.failures--
                if (duplicate) Effect.runSync(store.ports.events.commit(commit))
                return Effect.fail(new WriteConflict({ reason: "moved" }))
              })
          })
        )
      )
      return { control, executor: Executor.layer().pipe(Layer.provideMerge(layer), Layer.provideMerge(MemoryStore.layer)) }
    }
    const run = (command: WalletCommand, commandId: string) =>
      Effect.flatMap(Executor, (ex) => ex.run(walletHandler, command, { commandId, at: "2026-01-01T00:00:00.000Z", freshId: commandId }))
    const handler = { handler: walletHandler.name }
    const counts = () => [seriesValue("low_write_conflicts_total", handler), seriesValue("low_command_retries_total", handler)]

    it.effect("given a write that conflicts twice, when the command runs, then one conflict and two retries are counted", () => {
      const { control, executor } = conflicting(false)
      return Effect.gen(function* () {
        yield* run({ _tag: "OpenWallet", walletId: "m", owner: "Ann" }, "open")
        const [conflicts, retries] = counts()
        control.failures = 2
        const running = yield* Effect.fork(run({ _tag: "Credit", walletId: "m", amount: 1 }, "c-1"))
        yield* TestClock.adjust("1 second")
        expect((yield* Fiber.join(running))._tag).toBe("Applied")
        expect(counts()).toEqual([conflicts! + 1, retries! + 2])
      }).pipe(Effect.provide(executor))
    })

    it.effect("given a conflict because the same command was committed meanwhile, when it runs, then Duplicate and nothing counted", () => {
      const { control, executor } = conflicting(true)
      return Effect.gen(function* () {
        yield* run({ _tag: "OpenWallet", walletId: "m", owner: "Ann" }, "open")
        const before = counts()
        control.failures = 1
        expect((yield* run({ _tag: "Credit", walletId: "m", amount: 1 }, "c-1"))._tag).toBe("Duplicate")
        expect(counts()).toEqual(before)
      }).pipe(Effect.provide(executor))
    })
  })
})
