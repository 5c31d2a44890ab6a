import { Cause, Context, Effect, Either, FiberRef, Layer, LogLevel, Option, Schedule, type Schema } from "effect"
import {
  type EntityStates,
  type UniqueIndex,
  Writes,
  type AnyHandler,
  type Envelope,
  type EventHandler,
  type PortFailure,
  type Projector,
  type StoredEvent,
  type ViewChange
} from "@low/functions"
import { canonicalJson } from "./canonical-json"
import { IdempotencyConflict, Unavailable, type WriteConflict } from "./errors"
import { EventStore, type Committed } from "./event-store"
import { makeKeyedLock } from "./keyed-lock"
import { conflictMetricsOf } from "./metrics"
import { recordedWrites, writeRecorder } from "./recorded-writes"
import { readThrough } from "./state-cache"
import { spanOptions, traceparentOf, Tracing } from "./tracing"

export type { AnyHandler, AnyProjector } from "@low/functions"

/** What an accepted command did: the events it committed, or nothing because it was accepted before. */
export type Outcome = { readonly _tag: "Applied"; readonly events: ReadonlyArray<Committed> } | { readonly _tag: "Duplicate" }

export type RunError<H extends AnyHandler> =
  | (H extends EventHandler<any, any, any, infer J> ? J : never)
  | IdempotencyConflict
  | Unavailable

/** The ports a command's lookup and write need, `Writes` being the recorder `Executor.layer` provides beside it. */
export type ExecutorPorts = EntityStates | UniqueIndex | EventStore | Writes

export interface ExecutorOptions {
  /** Projectors whose changes commit in the same write as the events (read-your-writes at no extra trip). */
  readonly inlineProjectors?: ReadonlyArray<Projector<any>>
  /** How often a command whose write met a concurrent one is tried again. */
  readonly conflictRetries?: Schedule.Schedule<unknown, unknown>
}

const defaultConflictRetries = Schedule.exponential("2 millis", 1.5).pipe(
  Schedule.union(Schedule.spaced("40 millis")),
  Schedule.jittered,
  Schedule.intersect(Schedule.recurs(40))
)

/** Who a command is, for idempotency: its commandId on its entity, and the command it stands for. */
interface Identity {
  readonly entity: string
  readonly commandId: string
  /** Commands are decoded, hence normalized, before they get here: their canonical JSON says "the same command". */
  readonly fingerprint: string
}

const identify = (handler: AnyHandler, command: unknown, envelope: Envelope): Identity => ({
  entity: `${handler.name}/${handler.entity(command)}`,
  commandId: envelope.commandId,
  fingerprint: canonicalJson(command)
})

const isConflict = (e: unknown): e is WriteConflict => (e as { _tag?: unknown })._tag === "WriteConflict"
const isPortFailure = (e: unknown): e is PortFailure => (e as { _tag?: unknown })._tag === "PortFailure"

/** Conflicts that outlived their retries and infrastructure failures, as the contract reports them. */
const asUnavailable = (e: unknown) =>
  isConflict(e)
    ? new Unavailable({ dependency: "event store", cause: e.reason })
    : isPortFailure(e)
      ? new Unavailable({ dependency: e.dependency, cause: e.cause })
      : e

const duplicate: Outcome = { _tag: "Duplicate" }

/**
 * Whether the command was accepted before, which comes before any other verdict: a duplicate if it is the same
 * command, an IdempotencyConflict if another one took its commandId, and `otherwise` if it is new.
 */
const acceptedBefore = <E>(
  store: EventStore["Type"],
  id: Identity,
  otherwise: E
): Effect.Effect<Outcome, E | IdempotencyConflict | PortFailure> =>
  Effect.flatMap(
    store.accepted(id.entity, id.commandId),
    (seen): Effect.Effect<Outcome, E | IdempotencyConflict> =>
      Option.isNone(seen)
        ? Effect.fail(otherwise)
        : seen.value === id.fingerprint
          ? Effect.succeed(duplicate)
          : Effect.fail(new IdempotencyConflict({ entity: id.entity, commandId: id.commandId }))
  )

/** What the inline projectors change for one event of each handler, worked out once per handler. */
const inlineProjection = (projectors: ReadonlyArray<Projector<any>>) => {
  const byHandler = new Map<AnyHandler, (event: StoredEvent<{ readonly _tag: string }>) => ReadonlyArray<ViewChange>>()
  return (handler: AnyHandler) => {
    let project = byHandler.get(handler)
    if (project === undefined) {
      const reading = projectors.filter((p) => p.reads === handler.writes)
      project = reading.length === 0 ? () => [] : (event) => reading.flatMap((p) => p.project(event))
      byHandler.set(handler, project)
    }
    return project
  }
}

/**
 * `again`, retried on `policy` after a failure that already happened: that failure is the schedule's first input,
 * so the first retry waits and counts like every other (`Effect.retry` alone would run `again` at once). Most
 * commands meet no conflict, and only those that do pay for setting up the schedule. The effect it returns is
 * meant to run once: it replays `first` on its first run only.
 */
const retryAfter = <A, E, R>(
  first: E,
  again: Effect.Effect<A, E, R>,
  policy: { schedule: Schedule.Schedule<unknown, E>; while: (e: E) => boolean }
) => {
  let failed: E | undefined = first
  const next = Effect.suspend(() => {
    if (failed === undefined) return again
    const e = failed
    failed = undefined
    return Effect.fail(e)
  })
  return Effect.retry(next, policy)
}

/**
 * How an attempt runs a handler's steps: as they are, or, when spans are recorded, each in a span of its own
 * (`operate`, a pure call, in an `Effect.sync` for it). Chosen once, when the executor is built.
 */
interface Steps {
  readonly lookup: (handler: AnyHandler, command: unknown, envelope: Envelope) => Effect.Effect<unknown, unknown, ExecutorPorts>
  readonly operate: <A, E, R>(
    handler: AnyHandler,
    command: unknown,
    looked: unknown,
    envelope: Envelope,
    then: (decided: Either.Either<ReadonlyArray<any>, unknown>) => Effect.Effect<A, E, R>
  ) => Effect.Effect<A, E, R>
  /** Runs the commit `write` makes, given the traceparent of the span it runs in, if any. */
  readonly commit: <A, E, R>(write: (traceparent: string | undefined) => Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
}

const plainSteps: Steps = {
  lookup: (handler, command, envelope) => handler.lookup(command, envelope),
  operate: (handler, command, looked, envelope, then) => then(handler.operate(command, looked, envelope)),
  commit: (write) => write(undefined)
}

const tracedSteps: Steps = {
  lookup: (handler, command, envelope) => Effect.withSpan(handler.lookup(command, envelope), "lookup", spanOptions()),
  operate: (handler, command, looked, envelope, then) =>
    Effect.flatMap(
      Effect.withSpan(
        Effect.sync(() => handler.operate(command, looked, envelope)),
        "operate",
        spanOptions()
      ),
      then
    ),
  commit: (write) => Effect.useSpan("commit", spanOptions(), (span) => Effect.withParentSpan(write(traceparentOf(span)), span))
}

/** A command's run in a span naming its handler, entity and commandId. */
const commandSpan = <A, E, R>(handler: AnyHandler, id: Identity, run: Effect.Effect<A, E, R>) =>
  Effect.withSpan(
    run,
    `command ${handler.name}`,
    spanOptions({ attributes: { "low.handler": handler.name, "low.entity": id.entity, "low.command_id": id.commandId } })
  )

/** The outcome, with one log line per command at debug level (built only when debug lines are kept). */
const answered = (handler: AnyHandler, envelope: Envelope, outcome: Outcome): Effect.Effect<Outcome> =>
  Effect.withFiberRuntime((fiber) =>
    LogLevel.greaterThan(fiber.getFiberRef(FiberRef.currentMinimumLogLevel), LogLevel.Debug)
      ? Effect.succeed(outcome)
      : Effect.as(
          Effect.annotateLogs(Effect.logDebug("command"), { handler: handler.name, commandId: envelope.commandId, outcome: outcome._tag }),
          outcome
        )
  )

/** Runs lookup → operate → write for one command, serialized per entity and retried on write conflicts. */
export class Executor extends Context.Tag("low/core/Executor")<
  Executor,
  {
    readonly run: <H extends AnyHandler>(
      handler: H,
      command: Schema.Schema.Type<H["command"]>,
      envelope: Envelope
    ) => Effect.Effect<Outcome, RunError<H>, ExecutorPorts>
  }
>() {
  /** The executor, and the `Writes` recorder its commands need in their context. */
  static readonly layer = (options: ExecutorOptions = {}): Layer.Layer<Executor | Writes, never, EventStore> =>
    Layer.effectContext(
      Effect.gen(function* () {
        const store = yield* EventStore
        const lock = makeKeyedLock()
        const retries = options.conflictRetries ?? defaultConflictRetries
        const projectionOf = inlineProjection(options.inlineProjectors ?? [])
        const tracing = yield* Tracing
        const steps = tracing ? tracedSteps : plainSteps

        const run = (handler: AnyHandler, command: unknown, envelope: Envelope): Effect.Effect<Outcome, unknown, ExecutorPorts> => {
          const id = identify(handler, command, envelope)

          /** lookup → operate → write → commit, once; `fresh` when lookups must read through any cache of states. */
          const attempt = (fresh: boolean): Effect.Effect<Outcome, unknown, ExecutorPorts> =>
            Effect.flatMap(steps.lookup(handler, command, envelope), (looked) =>
              steps.operate(handler, command, looked, envelope, (decided) => {
                if (Either.isLeft(decided)) return rejected(decided.left, fresh)
                return steps.commit((traceparent) =>
                  Effect.flatMap(recordedWrites(handler.write(command, looked, decided.right)), (ops) =>
                    Effect.map(
                      store.commit({
                        entity: id.entity,
                        commandId: id.commandId,
                        fingerprint: id.fingerprint,
                        at: envelope.at,
                        ops,
                        events: handler.event,
                        project: projectionOf(handler),
                        traceparent
                      }),
                      (events): Outcome => ({ _tag: "Applied", events })
                    )
                  )
                )
              })
            )

          /**
           * A rejection is reported unless the command was accepted before. One decided on states that may lag behind
           * another process (a cache) is decided again on states read through first.
           */
          const rejected = (rejection: unknown, fresh: boolean) =>
            fresh || store.lookupsMayLag !== true ? acceptedBefore(store, id, rejection) : Effect.locally(attempt(true), readThrough, true)

          /** A write that met a concurrent one: this very command, accepted meanwhile, or a reason to try again. */
          const afterConflict = (conflict: WriteConflict) => {
            const { conflicted, retried } = conflictMetricsOf(handler.name)
            const tryAgain = Effect.catchIf(lock(id.entity, Effect.zipRight(retried, attempt(false))), isConflict, (again) =>
              acceptedBefore(store, id, again)
            )
            return Effect.catchIf(acceptedBefore(store, id, conflict), isConflict, (e) =>
              Effect.zipRight(conflicted, retryAfter(e, tryAgain, { schedule: retries, while: isConflict }))
            )
          }

          // The step that frees the key settles how the first attempt ended: a command without a conflict takes no other.
          const ran = lock.matchCause(id.entity, attempt(false), {
            onSuccess: (outcome) => answered(handler, envelope, outcome),
            onFailure: (cause) => {
              const failure = Cause.failureOption(cause)
              if (Option.isNone(failure)) return Effect.failCause(cause)
              if (!isConflict(failure.value)) return Effect.fail(asUnavailable(failure.value))
              return Effect.matchEffect(afterConflict(failure.value), {
                onSuccess: (outcome) => answered(handler, envelope, outcome),
                onFailure: (e) => Effect.fail(asUnavailable(e))
              })
            }
          })
          return tracing ? commandSpan(handler, id, ran) : ran
        }
        return Context.make(Executor, { run } as Executor["Type"]).pipe(Context.add(Writes, writeRecorder))
      })
    )
}
