import { createHash, randomUUID } from "node:crypto"
import { type Cause, type Clock, Context, Effect, Either, Option, Schema } from "effect"
import { type BadInput, CommandBus, Timeout, Unavailable, Views } from "@low/core"
import type { Args, Doc, Envelope, MutationApi, NewIds, PageApi, PortFailure, QueryApi, Settles, Sight } from "@low/functions"
import { decodeArgs, decodeCommandId, decodeCursor, encodeCursor } from "./arguments"
import { type CommandMeter, meterOf } from "./command-metrics"

/** What a route asks of the deployment: the command bus and the read side. */
export type RouteServices = CommandBus | Views

/** A route's work, the commandId its answer names when it may be retried, and what to tell when it fails. */
export interface Routed<A> {
  readonly effect: Effect.Effect<A, unknown, RouteServices>
  readonly commandId?: string
  /** Told the failure of `effect`, when it fails (a mutation's route counts it). */
  readonly failed?: (cause: Cause.Cause<unknown>) => void
}

/** Ids derived from a mutation's commandId, so that a retry of the mutation makes the same ones. */
const derivedFrom = (commandId: string): NewIds => ({
  id: (...scope) =>
    createHash("sha256")
      .update([...scope, commandId].join("\u0000"))
      .digest("base64url")
      .slice(0, 40)
})

/** Time and fresh ids enter here, so the functions never read a clock or make an id. */
const envelopeFor = (clock: Clock.Clock, commandId: string): Envelope => ({
  commandId,
  at: new Date(clock.unsafeCurrentTimeMillis()).toISOString(),
  freshId: randomUUID()
})

/**
 * The document a mutation answers with, once its command was accepted. Missing then, it is a bug, unless the read
 * side may lose documents (`losesDocuments`: a Redis restarted empty since, its documents coming back from the log):
 * UNAVAILABLE then, and the retry with the commandId answers once the document is back.
 */
const viewAfter = (views: Views["Type"], name: string, key: string) =>
  Effect.flatMap(views.doc(name, key), (found) => {
    if (Option.isSome(found)) return Effect.succeed(found.value)
    const missing = `${name}/${key} missing after its command was accepted`
    return views.losesDocuments === true
      ? Effect.fail(new Unavailable({ dependency: "the read side", cause: missing }))
      : Effect.dieMessage(missing)
  })

/** How the mutations of a server answer. */
export interface MutationOptions {
  /** How long a mutation that starts a saga waits for its end (10 s unless told). */
  readonly settleWithinMs?: number
  /**
   * Whether every projector runs in the commit that writes its events (graphql-postgres). A document read then
   * shows every commit that ended before the read, so a saga's answer waits for its own document to show the end,
   * and not for the documents `alsoIn` names: they show the steps that came before it already.
   */
  readonly projectedInCommit?: boolean
}

/**
 * Reads a document until it shows what `sight` looks for: again after 2 ms, then half as long again each time, up to
 * every 50 ms (a saga's steps take a few commits each). It stops only when the caller's timeout interrupts it.
 */
const polled = (views: Views["Type"], sight: Sight, wait = 2): Effect.Effect<Doc, PortFailure> =>
  Effect.flatMap(views.doc(sight.view, sight.key), (found) =>
    Option.isSome(found) && sight.shows(found.value)
      ? Effect.succeed(found.value)
      : Effect.zipRight(Effect.sleep(wait), polled(views, sight, Math.min(wait * 1.5, 50)))
  )

/**
 * Interest in a document's next change: `next(ms)` completes at the change (at once when it came already), or after
 * `ms`. A plain timer rather than a race with `Effect.sleep`, which would fork a fiber for every wait of every answer.
 */
const interestIn = (onChange: NonNullable<Views["Type"]["onChange"]>, sight: Sight) => {
  let heard = false
  let wake: (() => void) | undefined
  const withdraw = onChange(sight.view, sight.key, () => {
    heard = true
    wake?.()
  })
  const next = (ms: number) =>
    Effect.async<void>((resume) => {
      if (heard) return resume(Effect.void)
      const done = () => {
        wake = undefined
        clearTimeout(timer)
        resume(Effect.void)
      }
      const timer = setTimeout(done, ms)
      wake = done
      return Effect.sync(() => {
        wake = undefined
        clearTimeout(timer)
      })
    })
  return { next, withdraw }
}

/**
 * Reads a document until it shows what `sight` looks for, again each time the store says it changed; and, for a
 * change the store did not hear of, after 100 ms, then twice as long each time, up to every second.
 */
const watched = (
  views: Views["Type"],
  onChange: NonNullable<Views["Type"]["onChange"]>,
  sight: Sight,
  wait = 100
): Effect.Effect<Doc, PortFailure> =>
  Effect.acquireUseRelease(
    // Interest first, then the read: a change between the two still ends the wait.
    Effect.sync(() => interestIn(onChange, sight)),
    (interest) =>
      Effect.flatMap(views.doc(sight.view, sight.key), (found) =>
        Option.isSome(found) && sight.shows(found.value)
          ? Effect.succeedSome(found.value)
          : Effect.as(interest.next(wait), Option.none<Doc>())
      ),
    (interest) => Effect.sync(interest.withdraw)
  ).pipe(
    Effect.flatMap((found) =>
      Option.isSome(found) ? Effect.succeed(found.value) : watched(views, onChange, sight, Math.min(wait * 2, 1000))
    )
  )

/** Reads a document until it shows what `sight` looks for. */
const seen = (views: Views["Type"], sight: Sight) =>
  views.onChange === undefined ? polled(views, sight) : watched(views, views.onChange, sight)

/**
 * The answer of a mutation that starts a saga: its document once it says the saga `ended`, after every document
 * it names shows the end too (one after the other: each waits until it shows, so the last ends when all do); TIMEOUT
 * past `within` (the saga still runs to its end).
 */
const settled = (
  views: Views["Type"],
  settles: Settles,
  sight: { view: string; key: string; alsoIn: boolean },
  commandId: string,
  within: number
) =>
  Effect.flatMap(seen(views, { view: sight.view, key: sight.key, shows: settles.ended }), (doc) =>
    sight.alsoIn && settles.alsoIn !== undefined
      ? Effect.as(
          Effect.forEach(settles.alsoIn(doc), (also) => seen(views, also), { discard: true }),
          doc
        )
      : Effect.succeed(doc)
  ).pipe(Effect.timeoutFail({ duration: within, onTimeout: () => new Timeout({ commandId }) }))

/** A mutation refused before any effect runs: counted now, and answered with `error`. */
const refused = (meter: CommandMeter, started: number, error: BadInput): Routed<never> => {
  meter.count(error._tag, started)
  return { effect: Effect.fail(error) }
}

/**
 * A mutation's route: validated arguments become a command, the command bus answers once it is written and
 * projected, and the mutation returns the view's document. Every mutation comes this way, so it takes few steps:
 * arguments are decoded on the spot (a bad one fails before any effect runs), then the clock and both services
 * are read in two steps. Its outcome and time to answer are counted by handler (see `command-metrics`).
 */
export const routeMutation = (api: MutationApi, args: Args, options: MutationOptions = {}): Routed<Doc> => {
  const started = performance.now()
  const meter = meterOf(api.handler)
  const given = decodeCommandId(args["commandId"])
  if (Either.isLeft(given)) return refused(meter, started, given.left)
  // The commandId the answer names for a retry, made here when the client sent none: the ids the command creates
  // derive from it, so a retry with it creates nothing new.
  const commandId = given.right ?? randomUUID()
  const decided = decodeArgs(api.command, api.input(args, derivedFrom(commandId)))
  if (Either.isLeft(decided)) return refused(meter, started, decided.left)
  const command = decided.right
  const effect = Effect.clockWith((clock) =>
    Effect.contextWithEffect((services: Context.Context<RouteServices>) =>
      Effect.flatMap(Context.get(services, CommandBus).send(api.handler, command, envelopeFor(clock, commandId)), (outcome) => {
        const views = Context.get(services, Views)
        const answer: Effect.Effect<Doc, PortFailure | Unavailable | Timeout> =
          api.settles === undefined
            ? viewAfter(views, api.view, api.key(command))
            : // What is left of the command's time: the answer comes within it, from the request on.
              settled(
                views,
                api.settles,
                { view: api.view, key: api.key(command), alsoIn: options.projectedInCommit !== true },
                commandId,
                Math.max(0, (options.settleWithinMs ?? 10_000) - (performance.now() - started))
              )
        return Effect.map(answer, (doc) => {
          meter.count(outcome._tag, started)
          return doc
        })
      })
    )
  )
  return { effect, commandId, failed: (cause) => meter.failed(cause, started) }
}

/** A query's route: the document its arguments name, or null. */
export const routeQuery = (api: QueryApi, args: Args): Routed<Doc | null> => ({
  effect: Effect.flatMap(decodeArgs(api.args, args), (decoded) =>
    Effect.flatMap(Views, (views) => Effect.map(views.doc(api.view, api.key(decoded)), Option.getOrNull))
  )
})

const pageArgs = new WeakMap<PageApi, Schema.Schema<{ readonly first: number }, { readonly first: number }>>()
const pageArgsOf = (api: PageApi) => {
  let schema = pageArgs.get(api)
  if (schema === undefined) pageArgs.set(api, (schema = Schema.Struct({ first: api.first })))
  return schema
}

/** A page of a collection view, newest first, and the cursor of the next one. */
export const routePage = (api: PageApi, parent: Doc, args: Args): Routed<{ items: ReadonlyArray<Doc>; nextCursor: string | null }> => {
  const key = api.key(parent)
  const effect = Effect.gen(function* () {
    const { first } = yield* decodeArgs(pageArgsOf(api), { first: args["first"] })
    const after = args["after"]
    const before = typeof after === "string" ? yield* decodeCursor(api.view, key, after) : undefined
    const views = yield* Views
    const page = yield* views.items(api.view, key, { first, before })
    const last = page.items.at(-1)
    return {
      items: page.items.map(({ item }) => item),
      nextCursor: page.more && last !== undefined ? encodeCursor(api.view, key, last.order) : null
    }
  })
  return { effect }
}
