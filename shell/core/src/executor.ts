import { Cause, Context, Effect, type Fiber, Either, FiberRef, Layer, LogLevel, Option, RuntimeFlags, Schedule, type Schema } from "effect"
import {
  EntityStates, UniqueIndex, Writes,
  type AnyHandler, type Envelope, type EventHandler, type PortFailure, type Projector, type StoredEvent, type ViewChange, type WriteOp
} from "@low/functions"
import { IdempotencyConflict, Unavailable, type WriteConflict } from "./errors"
import { EventStore, type Committed } from "./event-store"
import { canonicalJson } from "./canonical-json"
import { makeKeyedLock } from "./keyed-lock"
import { readThrough } from "./state-cache"

export type { AnyHandler, AnyProjector } from "@low/functions"

/** What an accepted command did: the events it committed, or nothing because it was accepted before. */
export type Outcome =
  | { readonly _tag: "Applied"; readonly events: ReadonlyArray<Committed> }
  | { readonly _tag: "Duplicate" }

export type RunError<H extends AnyHandler> =
  | (H extends EventHandler<any, any, any, infer J> ? J : never)
  | IdempotencyConflict
  | Unavailable

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

// Commands are decoded, hence normalized, before they get here: their canonical JSON is what "the same command"
// means for idempotency.
const fingerprintOf = canonicalJson

const isDebug = (fiber: Fiber.RuntimeFiber<unknown, unknown>) =>
  LogLevel.lessThanEqual(fiber.getFiberRef(FiberRef.currentMinimumLogLevel), LogLevel.Debug)

// One line per command at debug level, built only when debug lines are kept; the outcome passes through.
const answered = (handler: AnyHandler, envelope: Envelope, outcome: Outcome, debug: boolean): Effect.Effect<Outcome> =>
  debug
    ? Effect.as(
        Effect.annotateLogs(Effect.logDebug("command"), {
          handler: handler.name, commandId: envelope.commandId, outcome: outcome._tag
        }),
        outcome
      )
    : Effect.succeed(outcome)

const isConflict = (e: unknown): e is WriteConflict => (e as { _tag?: unknown })._tag === "WriteConflict"
const isPortFailure = (e: unknown): e is PortFailure => (e as { _tag?: unknown })._tag === "PortFailure"

/** Conflicts that outlived their retries and infrastructure failures, as the contract reports them. */
const asUnavailable = (e: unknown) =>
  isConflict(e)
    ? new Unavailable({ dependency: "event store", cause: e.reason })
    : isPortFailure(e)
      ? new Unavailable({ dependency: e.dependency, cause: e.cause })
      : e

/**
 * The ports a command's lookup and write need; long-lived fibers are given them once. `Writes` is the recorder
 * that `Executor.layer` provides next to the executor: a command's writes are collected per fiber, so running one
 * gives no per-command service.
 */
export type ExecutorPorts = EntityStates | UniqueIndex | EventStore | Writes

/** Who a command is, for idempotency: its commandId on its entity, and the command it stands for. */
interface Identity {
  readonly entity: string
  readonly commandId: string
  readonly fingerprint: string
}

const duplicate: Outcome = { _tag: "Duplicate" }

/** A command met again after it was accepted answers as a duplicate, before any other verdict. */
const acceptedBefore = <E>(
  store: EventStore["Type"],
  id: Identity,
  otherwise: E
): Effect.Effect<Outcome, E | IdempotencyConflict | PortFailure> =>
  Effect.flatMap(store.accepted(id.entity, id.commandId), (seen): Effect.Effect<Outcome, E | IdempotencyConflict> =>
    Option.isNone(seen)
      ? Effect.fail(otherwise)
      : seen.value === id.fingerprint
        ? Effect.succeed(duplicate)
        : Effect.fail(new IdempotencyConflict({ entity: id.entity, commandId: id.commandId }))
  )

/** The ops each running command's `write` records, by the fiber that runs it. */
const recording = new WeakMap<object, Array<WriteOp>>()

const recorder = Writes.of({
  record: (op) =>
    Effect.withFiberRuntime((fiber) => {
      const ops = recording.get(fiber)
      if (ops === undefined) return Effect.dieMessage("Writes.record must be called by the fiber that runs a command's write")
      ops.push(op)
      return Effect.void
    })
})

/** What a handler's write asks for, collected from the effect it returns. */
const recordedBy = (write: Effect.Effect<void, never, Writes>): Effect.Effect<ReadonlyArray<WriteOp>, never, Writes> =>
  Effect.withFiberRuntime((fiber) => {
    const ops: Array<WriteOp> = []
    recording.set(fiber, ops)
    return Effect.as(write, ops)
  })

/** Runs lookup → operate → write for one command, serialized per entity and retried on write conflicts. */
export class Executor extends Context.Tag("low/shell/Executor")<
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
        const inline = options.inlineProjectors ?? []
        const lock = makeKeyedLock()
        const retries = options.conflictRetries ?? defaultConflictRetries
        const lagging = store.lookupsMayLag === true
        // What the inline projectors change for one event of a handler, worked out once per handler.
        const projections = new Map<AnyHandler, (event: StoredEvent<{ readonly _tag: string }>) => ReadonlyArray<ViewChange>>()
        const inlineProjection = (handler: AnyHandler) => {
          let project = projections.get(handler)
          if (project === undefined) {
            const projectors = inline.filter((p) => p.reads === handler.writes)
            project = projectors.length === 0 ? () => [] : (event) => projectors.flatMap((p) => p.project(event))
            projections.set(handler, project)
          }
          return project
        }

        // A write that met a concurrent one was either this very command, accepted meanwhile, or a reason to look
        // up again. The retry machinery is set up only once a conflict happened: most commands never meet one.
        // That conflict is the schedule's first input, so the first retry waits and counts like every other.
        const afterConflict = (conflict: WriteConflict, id: Identity, tried: Effect.Effect<Outcome, unknown, ExecutorPorts>) => {
          let met = true
          const again = Effect.suspend(() => (met ? ((met = false), Effect.fail(conflict)) : tried))
          return Effect.retry(Effect.catchIf(again, isConflict, (e) => acceptedBefore(store, id, e)), { schedule: retries, while: isConflict })
        }

        // A rejection decided on states that may lag is decided again on states read through: it must not rest
        // on a state another process has moved since.
        const rejected = (id: Identity, rejection: unknown, again: Effect.Effect<Outcome, unknown, ExecutorPorts>) =>
          lagging
            ? Effect.flatMap(FiberRef.get(readThrough), (fresh) =>
                fresh ? acceptedBefore(store, id, rejection) : Effect.locally(again, readThrough, true))
            : acceptedBefore(store, id, rejection)

        // How a command's attempt ended, once its key is free again: conflicts are retried, anything else answered.
        const settled = (
          handler: AnyHandler, envelope: Envelope, id: Identity, tried: Effect.Effect<Outcome, unknown, ExecutorPorts>,
          cause: Cause.Cause<unknown>, debug: boolean
        ): Effect.Effect<Outcome, unknown, ExecutorPorts> => {
          const failure = Cause.failureOption(cause)
          if (Option.isNone(failure)) return Effect.failCause(cause)
          if (!isConflict(failure.value)) return Effect.fail(asUnavailable(failure.value))
          return Effect.matchEffect(afterConflict(failure.value, id, tried), {
            onSuccess: (outcome) => answered(handler, envelope, outcome, debug),
            onFailure: (e) => Effect.fail(asUnavailable(e))
          })
        }

        // The closures made for each command are inline arguments or methods: under tsx, a closure bound to a name
        // is also given that name at run time, on every command, which costs more than most of what they do.
        const run = (handler: AnyHandler, command: unknown, envelope: Envelope) => {
          const id: Identity = {
            entity: `${handler.name}/${handler.entity(command)}`,
            commandId: envelope.commandId,
            fingerprint: fingerprintOf(command)
          }
          const attempt: Effect.Effect<Outcome, unknown, ExecutorPorts> = Effect.flatMap(
            handler.lookup(command, envelope),
            (looked: unknown) => {
              const decided = handler.operate(command, looked, envelope)
              if (Either.isLeft(decided)) return rejected(id, decided.left, attempt)
              return Effect.flatMap(recordedBy(handler.write(command, looked, decided.right)), (ops) =>
                Effect.map(
                  // A literal, not a spread of `id` (copying it, then adding to the copy): measured a third faster.
                  store.commit({
                    entity: id.entity, commandId: id.commandId, fingerprint: id.fingerprint, at: envelope.at, ops,
                    events: handler.event, project: inlineProjection(handler)
                  }),
                  (events): Outcome => ({ _tag: "Applied", events })
                ))
            }
          )
          const tried = lock(id.entity, attempt)
          return Effect.withFiberRuntime<Outcome, unknown, ExecutorPorts>((fiber, status) => {
            const debug = isDebug(fiber)
            // A caller that cannot be interrupted takes a free key itself and frees it in the step that answers,
            // which spares the lock's own steps; others, and every contended key, go through the lock.
            if (RuntimeFlags.interruptible(status.runtimeFlags) || !lock.tryTake(id.entity))
              return Effect.matchCauseEffect(tried, {
                onSuccess: (outcome) => answered(handler, envelope, outcome, debug),
                onFailure: (cause) => settled(handler, envelope, id, tried, cause, debug)
              })
            return Effect.matchCauseEffect(attempt, {
              onSuccess(outcome) {
                lock.release(id.entity)
                return answered(handler, envelope, outcome, debug)
              },
              onFailure(cause) {
                lock.release(id.entity)
                return settled(handler, envelope, id, tried, cause, debug)
              }
            })
          })
        }
        return Context.make(Executor, { run } as Executor["Type"]).pipe(Context.add(Writes, recorder))
      })
    )
}

