import { Context, Effect, Either, Layer, Option, Schedule, Schema } from "effect"
import {
  EntityStates, UniqueIndex, Writes,
  type Envelope, type EventHandler, type PortFailure, type Projector, type StoredEvent, type WriteOp
} from "@low/functions"
import { IdempotencyConflict, Unavailable, type WriteConflict } from "./errors"
import { EventStore, type Committed } from "./event-store"
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

const fingerprints = new WeakMap<AnyHandler, (command: unknown) => string>()
/** The command as its schema encodes it: what "the same command" means for idempotency. */
const fingerprintOf = (handler: AnyHandler, command: unknown): string => {
  let encode = fingerprints.get(handler)
  if (encode === undefined) {
    const toJson = Schema.encodeSync(handler.command)
    encode = (c) => JSON.stringify(toJson(c))
    fingerprints.set(handler, encode)
  }
  return encode(command)
}

const unavailable = (failure: PortFailure) => new Unavailable({ dependency: failure.dependency, cause: failure.cause })

/** Runs lookup → operate → write for one command, serialized per entity and retried on write conflicts. */
export class Executor extends Context.Tag("low/shell/Executor")<
  Executor,
  {
    readonly run: <H extends AnyHandler>(
      handler: H,
      command: Schema.Schema.Type<H["command"]>,
      envelope: Envelope
    ) => Effect.Effect<Outcome, RunError<H>>
  }
>() {
  static readonly layer = (options: ExecutorOptions = {}) =>
    Layer.effect(
      Executor,
      Effect.gen(function* () {
        const context = yield* Effect.context<EntityStates | UniqueIndex | EventStore>()
        const store = Context.get(context, EventStore)
        const inline = options.inlineProjectors ?? []
        const withLock = makeKeyedLock()
        const retries = options.conflictRetries ?? defaultConflictRetries

        const run = (handler: AnyHandler, command: unknown, envelope: Envelope) => {
          const entity = `${handler.name}/${handler.entity(command)}`
          const fingerprint = fingerprintOf(handler, command)
          const projectors = inline.filter((p) => p.reads === handler.writes)
          const project = (event: StoredEvent<{ readonly _tag: string }>) => projectors.flatMap((p) => p.project(event))
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
          const attempt: Effect.Effect<Outcome, unknown, EntityStates | UniqueIndex> = Effect.gen(function* () {
            const looked: unknown = yield* handler.lookup(command, envelope)
            const decided = handler.operate(command, looked, envelope)
            if (Either.isLeft(decided)) return yield* acceptedBefore(decided.left)
            const ops: Array<WriteOp> = []
            yield* Effect.provideService(handler.write(command, looked, decided.right), Writes, {
              record: (op) => Effect.sync(() => void ops.push(op))
            })
            const commit = { entity, commandId: envelope.commandId, fingerprint, at: envelope.at, ops, project }
            return yield* store.commit(commit).pipe(
              Effect.map((events): Outcome => ({ _tag: "Applied", events })),
              Effect.catchTag("WriteConflict", acceptedBefore)
            )
          })
          const isConflict = (e: unknown): e is WriteConflict => (e as { _tag?: unknown })._tag === "WriteConflict"
          const isPortFailure = (e: unknown): e is PortFailure => (e as { _tag?: unknown })._tag === "PortFailure"
          return withLock(entity, attempt).pipe(
            Effect.retry({ schedule: retries, while: isConflict }),
            Effect.mapError((e) =>
              isConflict(e)
                ? new Unavailable({ dependency: "event store", cause: e.reason })
                : isPortFailure(e) ? unavailable(e) : e
            ),
            Effect.provide(context),
            Effect.tap((outcome) =>
              Effect.logDebug("command", { handler: handler.name, commandId: envelope.commandId, outcome: outcome._tag })
            )
          )
        }
        return { run } as Executor["Type"]
      })
    )
}

