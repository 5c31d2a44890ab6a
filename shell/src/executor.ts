import { Context, Effect, Either, FiberRef, Layer, LogLevel, Option, Schedule, type Schema } from "effect"
import {
  EntityStates, UniqueIndex, Writes,
  type Envelope, type EventHandler, type PortFailure, type Projector, type StoredEvent, type ViewChange, type WriteOp
} from "@low/functions"
import { IdempotencyConflict, Unavailable, type WriteConflict } from "./errors"
import { EventStore, type Committed } from "./event-store"
import { canonicalJson } from "./canonical-json"
import { makeKeyedLock } from "./keyed-lock"

// Handlers and projectors are stored side by side for many domains, so their types are erased here.
export type AnyHandler = EventHandler<any, any, any, any>
export type AnyProjector = Projector<any>

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
  readonly inlineProjectors?: ReadonlyArray<AnyProjector>
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

// One line per command at debug level, built only when debug lines are kept.
const logCommand = (handler: AnyHandler, envelope: Envelope, outcome: Outcome) =>
  Effect.flatMap(FiberRef.get(FiberRef.currentMinimumLogLevel), (level) =>
    LogLevel.lessThanEqual(level, LogLevel.Debug)
      ? Effect.logDebug("command").pipe(
          Effect.annotateLogs({ handler: handler.name, commandId: envelope.commandId, outcome: outcome._tag })
        )
      : Effect.void
  )

const isConflict = (e: unknown): e is WriteConflict => (e as { _tag?: unknown })._tag === "WriteConflict"
const isPortFailure = (e: unknown): e is PortFailure => (e as { _tag?: unknown })._tag === "PortFailure"

/** Conflicts that outlived their retries and infrastructure failures, as the contract reports them. */
const asUnavailable = (e: unknown) =>
  isConflict(e)
    ? new Unavailable({ dependency: "event store", cause: e.reason })
    : isPortFailure(e)
      ? new Unavailable({ dependency: e.dependency, cause: e.cause })
      : e

/** The ports a command's lookup and write need; long-lived fibers are given them once. */
export type ExecutorPorts = EntityStates | UniqueIndex | EventStore

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
  static readonly layer = (options: ExecutorOptions = {}) =>
    Layer.effect(
      Executor,
      Effect.gen(function* () {
        const store = yield* EventStore
        const inline = options.inlineProjectors ?? []
        const withLock = makeKeyedLock()
        const retries = options.conflictRetries ?? defaultConflictRetries
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

        const run = (handler: AnyHandler, command: unknown, envelope: Envelope) => {
          const entity = `${handler.name}/${handler.entity(command)}`
          const fingerprint = fingerprintOf(command)
          const project = inlineProjection(handler)
          // A command met again after it was accepted answers as a duplicate, before any other verdict.
          const acceptedBefore = <E>(otherwise: E): Effect.Effect<Outcome, E | IdempotencyConflict | PortFailure> =>
            Effect.flatMap(store.accepted(entity, envelope.commandId), (seen) =>
              Option.match(seen, {
                onNone: (): Effect.Effect<Outcome, E | IdempotencyConflict> => Effect.fail(otherwise),
                onSome: (fp) =>
                  fp === fingerprint
                    ? Effect.succeed<Outcome>({ _tag: "Duplicate" })
                    : Effect.fail(new IdempotencyConflict({ entity, commandId: envelope.commandId }))
              })
            )
          const commitOf = (ops: ReadonlyArray<WriteOp>) =>
            store.commit({ entity, commandId: envelope.commandId, fingerprint, at: envelope.at, ops, project }).pipe(
              Effect.map((events): Outcome => ({ _tag: "Applied", events })),
              Effect.catchTag("WriteConflict", acceptedBefore)
            )
          const attempt: Effect.Effect<Outcome, unknown, EntityStates | UniqueIndex> = Effect.flatMap(
            handler.lookup(command, envelope),
            (looked: unknown) => {
              const decided = handler.operate(command, looked, envelope)
              if (Either.isLeft(decided)) return acceptedBefore(decided.left)
              const ops: Array<WriteOp> = []
              const recorder = Writes.of({ record: (op) => Effect.sync(() => void ops.push(op)) })
              return Effect.zipRight(
                Effect.provideService(handler.write(command, looked, decided.right), Writes, recorder),
                Effect.suspend(() => commitOf(ops))
              )
            }
          )
          const locked = withLock(entity, attempt)
          return locked.pipe(
            // The retry machinery is set up only once a conflict happened: most commands never meet one. That
            // conflict is the schedule's first input, so the first retry waits and counts like every other.
            Effect.catchIf(isConflict, (conflict) => {
              let met = true
              const again = Effect.suspend(() => (met ? ((met = false), Effect.fail(conflict)) : locked))
              return Effect.retry(again, { schedule: retries, while: isConflict })
            }),
            Effect.mapError(asUnavailable),
            Effect.tap((outcome) => logCommand(handler, envelope, outcome))
          )
        }
        return { run } as Executor["Type"]
      })
    )
}

