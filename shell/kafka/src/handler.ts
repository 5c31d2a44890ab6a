import { randomUUID } from "node:crypto"
import { Deferred, Duration, Effect, Exit, FiberId, Runtime, Schedule, type Tracer } from "effect"
import type { EachBatchPayload, KafkaMessage, Message } from "kafkajs"
import { PortFailure } from "@low/functions"
import { endSpans, Executor, Tracing, type AnyHandler, type ExecutorPorts, type HealthCheck } from "@low/core"
import type { Redis } from "ioredis"
import { call, defineScript, inPipeline, RedisClient } from "./redis/client"
import { keysOf, type Keys } from "./redis/keys"
import { CurrentFence, type fencedOff, fencedOffBy, isFencedOff, isRefusal, RedisStore, refusalOf, type Fence } from "./redis/store"
import { answerScript, guardScript, markCaughtUpScript, markHeldScript, ScriptArgs } from "./redis/lua"
import { connectedProducer, KafkaClient, kafkaFailure } from "./client"
import { namesOf } from "./config"
import { partitionKey, runConsumer, type RunningConsumer } from "./consumer"
import { fencedAssigner, fencesOf } from "./fence"
import { heartbeatOf, makeDeadLetters, triedFor, Unhandled } from "./dead-letters"
import { makeDecide, routeOf, type Decided, type Route } from "./delivery"
import { awaitsNoAnswer, CommandMessage, decodeJson, type Reply } from "./messages"
import { catchUpHandlerState } from "./rebuild"
import { makeSender } from "./sender"
import { stallAt, stallsWanted } from "./test-hooks"
import { consumerSpan, producerSpan, traceHeaders } from "./tracing"

const parse = decodeJson(CommandMessage)

interface Delivery {
  readonly lane: string
  readonly delivery: CommandMessage
  readonly stale: boolean
  readonly message: KafkaMessage
}

/**
 * What a delivery decided and, with spans recorded, the span it was processed in; `unhandled` when the handler threw
 * on every try (the delivery goes to the dead-letter topic, and its sender is answered with that).
 */
type Processed = Decided & { readonly span?: Tracer.Span; readonly unhandled?: { readonly message: KafkaMessage; readonly reason: string } }

/** How a delivery the handler throws on is tried again (see `triedFor`). */
type Tries = Parameters<typeof triedFor>[1]

/** What a batch's decisions rest on: the state mark they were decided under, and the partition's fence. */
interface Decision {
  readonly mark: string
  readonly fence: Fence
}

/** A decided delivery, and the producer span its events go out under when spans are recorded. */
interface Sent {
  readonly decided: Processed
  readonly sending?: Tracer.Span
}

/** Whether Redis holds the handlers' state whole: its mark is there, set on this very Redis server (see markHolds). */
const markHeld = (redis: Redis, keys: Keys) => {
  const held = defineScript(redis, "lowMarkHeld", markHeldScript)
  return Effect.map(held([keys.stateFromLog], []), (n) => n === 1)
}

/** `/healthz` on the handlers' state: 503 (`"handler state"` failing) while it is caught up from the events topics. */
export const handlerStateHealth = (redis: Redis, keys: Keys): HealthCheck => {
  const held = markHeld(redis, keys)
  return {
    name: "handler state",
    check: Effect.flatMap(held, (whole) => (whole ? Effect.void : Effect.fail("catching up from the events topics")))
  }
}

/**
 * The event handlers as a consumer group over the commands topics. Per partition batch: deliveries answered
 * before are skipped; each entity's commands run in order through the Executor (state in Redis; the commit also
 * fills the outbox), other entities' alongside; the events are published with the idempotent producer, then
 * marked published and the replies written; only then is the offset committed. A crash anywhere redelivers the
 * batch, and the redelivery changes nothing twice: accepted commands come back as duplicates and republish what
 * the outbox still holds.
 */
export const runHandlers = (handlers: ReadonlyArray<AnyHandler>) =>
  Effect.gen(function* () {
    const { kafka, settings } = yield* KafkaClient
    const { redis, prefix } = yield* RedisClient
    const store = yield* RedisStore
    const decide = makeDecide(yield* Executor, store)
    const keys = keysOf(prefix)
    const names = namesOf(settings)
    // The consumer runs each batch with the ports this layer was given, once, rather than per command.
    const runtime = yield* Effect.runtime<ExecutorPorts>()
    // Batches whose Redis round trips end in one socket read publish their events in one request.
    const publish = makeSender(yield* connectedProducer(kafka), { gather: true })
    const deadLetters = makeDeadLetters(publish, names.deadLetters)
    const routes = new Map(handlers.map((handler) => [names.topic(handler.reads), routeOf(handler, names.topic)] as const))
    const ttl = Duration.toMillis(settings.replyTtl)
    // The producer retries a send until the broker takes it (its sequence numbers stay valid that way); a batch waits
    // for it a third of the session timeout at most, then fails and is delivered again, its events still on their way.
    const publishBound = Duration.millis(Math.min(10_000, settings.consumer.sessionTimeout / 3))

    // The state in Redis is derived from the events topics (each commit's last event says what it wrote). Redis
    // marks that it holds it whole (`stateFromLog`); without the mark (a first start, or a Redis restarted empty or
    // flushed, or another server than the one it was caught up on) it is caught up from the log before anything is
    // decided, in the background, the commands meanwhile answered UNAVAILABLE (nothing of them written), and every
    // commit refused by Redis itself until the mark is back, so no decision is taken on state that lacks the log.
    const scope = yield* Effect.scope
    const clients = yield* Effect.context<KafkaClient | RedisClient>()
    // The mark's value names this catch-up. It is set only if the token written before the replay is still there:
    // a Redis lost again on the way has lost the token too, and the catch-up starts over.
    const markCaughtUp = defineScript(redis, "lowMarkCaughtUp", markCaughtUpScript)
    const stateHeld = markHeld(redis, keys)
    const catchUp = Effect.gen(function* () {
      if (yield* stateHeld) return
      const started = Date.now()
      const token = randomUUID()
      yield* Effect.logWarning("Redis lacks the handlers' state: catching it up from the events topics")
      yield* call(() => redis.set(keys.catchingUp, token))
      const events = yield* Effect.provide(catchUpHandlerState(handlers), clients)
      if ((yield* markCaughtUp([keys.catchingUp, keys.stateFromLog], [token])) !== 1)
        return yield* Effect.fail(new PortFailure({ dependency: "redis", cause: "Redis lost its state again while it was caught up" }))
      yield* Effect.logInfo("the handlers' state caught up from the events topics", { events, ms: Date.now() - started })
    })
    // One catch-up at a time, in the background; a failed one (Kafka or Redis not answering yet, a log that lost its
    // first records) is logged and tried again, and nothing is decided meanwhile.
    let catchingUp: Deferred.Deferred<void> | undefined
    const catchUpInBackground = Effect.suspend(() => {
      if (catchingUp !== undefined) return Effect.succeed(catchingUp)
      const done = Deferred.unsafeMake<void>(FiberId.none)
      catchingUp = done
      return Effect.as(
        Effect.forkIn(
          catchUp.pipe(
            Effect.tapErrorCause((cause) => Effect.logError("the handlers' state could not be caught up; trying again", cause)),
            Effect.retry(Schedule.exponential("200 millis").pipe(Schedule.union(Schedule.spaced("2 seconds")))),
            Effect.ensuring(
              Effect.suspend(() => {
                catchingUp = undefined
                return Deferred.done(done, Exit.void)
              })
            )
          ),
          scope
        ),
        done
      )
    })
    // At start the handlers wait a while for the catch-up, then join their group all the same: over a long log it goes
    // on in the background, commands answering UNAVAILABLE and `/healthz` 503 meanwhile, instead of a process that
    // serves nothing until it ends.
    yield* Effect.flatMap(catchUpInBackground, Deferred.await).pipe(Effect.timeout("10 seconds"), Effect.ignore)

    // Fencing (see fence.ts): what this member writes for a partition is checked against the partition's owner
    // token, read once per join of the group. A member paused past its session, whose partitions went to another,
    // writes nothing more: no commit, no event out, no reply.
    let member: { readonly id: string; readonly owned: ReadonlySet<string> } | undefined
    type Fences = ReadonlyMap<string, Fence | keyof typeof fencedOff>
    let fences: Promise<Fences> | undefined
    // Once read, the fences of this join are at hand without waiting on their promise.
    let fencesRead: Fences | undefined
    const fenceIn = (all: Fences, topic: string, partition: number): Effect.Effect<Fence, PortFailure> => {
      const fence = all.get(partitionKey(topic, partition)) ?? "fenced"
      return typeof fence === "string" ? Effect.fail(fencedOffBy(fence)) : Effect.succeed(fence)
    }
    const fenceOf = (topic: string, partition: number): Effect.Effect<Fence, PortFailure> =>
      Effect.suspend(() => {
        if (fencesRead !== undefined) return fenceIn(fencesRead, topic, partition)
        if (member === undefined) return Effect.fail(fencedOffBy("fenced"))
        if (fences === undefined) {
          const reading = Effect.runPromise(fencesOf(redis, keys, names.handlersGroup, member.id, member.owned))
          // A read that failed is read again by the next batch; one that answered holds until the next join.
          reading.then(
            (all) => {
              if (fences === reading) fencesRead = all
            },
            () => {
              if (fences === reading) fences = undefined
            }
          )
          fences = reading
        }
        const current = fences
        return Effect.flatMap(
          call(() => current),
          (all) => fenceIn(all, topic, partition)
        )
      })
    const guard = defineScript(redis, "lowGuard", guardScript)
    const answer = defineScript(redis, "lowAnswer", answerScript)

    const unavailable: Reply = {
      _tag: "Rejected",
      error: { _tag: "Unavailable", dependency: "redis (catching up from the events topics)" }
    }

    // A message no bff could have sent goes to the dead-letter topic: it must not block its partition. A delivery
    // no one waits for (a process manager's: no `replyTo`) is never stale: no answer of it was given to be contradicted,
    // and its step must happen however long it waited.
    const read = (messages: ReadonlyArray<KafkaMessage>) => {
      const deliveries: Array<Delivery> = []
      const unreadable: Array<{ readonly message: KafkaMessage; readonly reason: string }> = []
      for (const message of messages)
        try {
          const delivery = parse(message.value?.toString() ?? "")
          const stale = !awaitsNoAnswer(delivery) && Date.now() - Number(message.timestamp) > ttl
          deliveries.push({ lane: message.key?.toString() ?? "", delivery, stale, message })
        } catch (cause) {
          unreadable.push({ message, reason: `not a command message: ${String(cause)}` })
        }
      return { deliveries, unreadable }
    }

    /**
     * The replies of `decided` as the answer script takes them (see answerScript): each `kept` for the reply TTL and
     * `sent` to its bff, as asked. `fence`: only while it holds.
     */
    const replyArgs = (
      decision: Decision | undefined,
      replies: ReadonlyArray<{ readonly delivery: CommandMessage; readonly json: string }>,
      { kept, sent }: { readonly kept: boolean; readonly sent: boolean }
    ) => {
      const args = new ScriptArgs()
      args.key(keys.owners(names.handlersGroup))
      args.key(keys.stateFromLog)
      // Kept and not sent: a rejection on its own, which no commit of the batch vouched for the server of.
      args.push(decision?.fence.field ?? "", decision?.fence.token ?? "", ttl, decision?.mark ?? "", kept && !sent ? "1" : "0")
      for (const { delivery, json } of replies)
        args.push(
          kept ? args.key(keys.reply(delivery.attempt)) : "0",
          json,
          sent ? delivery.replyTo : "",
          `{"attempt":${JSON.stringify(delivery.attempt)},"reply":${json}}`
        )
      return args
    }
    /** Runs the answer script; a refusal (the fence no longer holds) fails with why. */
    const answered = (args: ScriptArgs) =>
      Effect.flatMap(answer(args.keys, args.args), (status) => {
        const refusal = refusalOf(status)
        return refusal === undefined ? Effect.void : Effect.fail(refusal)
      })

    /**
     * Decides `d`; a handler that throws on every try answers its sender Unhandled and sets the delivery aside. A
     * rejection is a decision too: it is kept (fenced) before the entity's next command is decided, so whoever
     * delivers `d` again, this member or a new owner of the partition, finds it and answers the same, rather than
     * deciding `d` anew on a state that later commands changed.
     */
    const decided = (tries: Tries, route: Route, d: Delivery, decision: Decision) =>
      triedFor(decide(route, d.delivery, d.stale), tries).pipe(
        Effect.catchIf(
          (e): e is Unhandled => e instanceof Unhandled,
          ({ reason }): Effect.Effect<Processed> =>
            Effect.succeed({
              delivery: d.delivery,
              key: d.lane,
              entity: "",
              events: [],
              reply: { _tag: "Rejected", error: { _tag: "Unhandled", reason } },
              unhandled: { message: d.message, reason: `the handler threw on each of its tries: ${reason}` }
            })
        ),
        // A delivery set aside is answered only once its dead letter is out (see `handle`): kept earlier, a redelivery
        // would take it for decided and never set it aside.
        Effect.tap(({ reply, unhandled }: Processed) =>
          reply?._tag !== "Rejected" || unhandled !== undefined
            ? Effect.void
            : Effect.zipRight(
                stallAt("decided", [d.delivery.envelope.commandId]),
                answered(replyArgs(decision, [{ delivery: d.delivery, json: JSON.stringify(reply) }], { kept: true, sent: false })).pipe(
                  // Redis briefly away: tried again, as a commit is; refused (fence, mark), the batch gives up.
                  Effect.retry({
                    schedule: Schedule.exponential("50 millis").pipe(Schedule.intersect(Schedule.recurs(5))),
                    while: (e) => !isRefusal(e)
                  })
                )
              )
        )
      )

    // With spans recorded, each delivery is processed in a consumer span continuing the trace of the bff that sent
    // it, and its events go out under a producer span, child of that one, whose trace their headers carry on. The
    // batch's spans end with it (written, or failed), as the processing of its deliveries does.
    const tracing = yield* Tracing
    /** Decides `d`, in a span of its own (kept in `spans`) when spans are recorded. */
    const processed = (
      payload: EachBatchPayload,
      tries: Tries,
      route: Route,
      d: Delivery,
      decision: Decision,
      spans: Array<Tracer.Span> | undefined
    ): Effect.Effect<Processed, unknown, ExecutorPorts> =>
      spans === undefined
        ? decided(tries, route, d, decision)
        : Effect.flatMap(consumerSpan(payload.batch, names.handlersGroup, d.message), (span) => {
            spans.push(span)
            return Effect.map(Effect.withParentSpan(decided(tries, route, d, decision), span), (processed) => ({ ...processed, span }))
          })
    /** The producer span `d`'s events go out under, if it has any (kept in `spans`). */
    const sending = (route: Route, d: Processed, spans: Array<Tracer.Span>): Effect.Effect<Sent> =>
      d.events.length === 0
        ? Effect.succeed({ decided: d })
        : Effect.map(producerSpan(route.out, d.key, d.span), (span) => {
            spans.push(span)
            return { decided: d, sending: span }
          })
    /** The events to publish, each with the trace of the producer span it was sent under, if any. */
    const eventMessages = (sent: ReadonlyArray<Sent>): Array<Message> => {
      // A command delivered twice in one batch comes back as a duplicate while its events still wait here.
      const events = new Map<string, Message>()
      for (const { decided, sending } of sent)
        for (const e of decided.events)
          events.set(
            e.id,
            sending === undefined
              ? { key: decided.key, value: JSON.stringify(e) }
              : { key: decided.key, value: JSON.stringify(e), headers: traceHeaders(sending) }
          )
      return [...events.values()]
    }

    const handle = (payload: EachBatchPayload, spans: Array<Tracer.Span> | undefined) =>
      Effect.gen(function* () {
        const route = routes.get(payload.batch.topic)
        if (route === undefined) return
        const { deliveries, unreadable } = read(payload.batch.messages)
        const source = { group: names.handlersGroup, topic: payload.batch.topic, partition: payload.batch.partition }
        yield* deadLetters(source, unreadable)
        if (deliveries.length === 0) return
        const kept = yield* call(() => redis.mget([...deliveries.map(({ delivery }) => keys.reply(delivery.attempt)), keys.stateFromLog]))
        // A delivery decided before is answered as it was: its reply may have been kept and never sent (a member that
        // lost the partition in between), and a bff that heard it already ignores it.
        const decidedBefore = deliveries.flatMap((d, i) => (kept[i] == null ? [] : [{ delivery: d.delivery, json: kept[i] }]))
        if (kept[deliveries.length] == null) {
          yield* catchUpInBackground
          // A bff's command is answered UNAVAILABLE (its client sends it again); one no one waits for (a process
          // manager's) must be decided, so its batch fails, and is read again until the state is back.
          const notNow = deliveries.flatMap(
            (d, i): Array<Processed> =>
              kept[i] != null || awaitsNoAnswer(d.delivery)
                ? []
                : [{ delivery: d.delivery, key: d.lane, entity: "", events: [], reply: unavailable }]
          )
          yield* written(route, notNow, [], undefined, decidedBefore)
          if (deliveries.some((d, i) => kept[i] == null && awaitsNoAnswer(d.delivery)))
            return yield* Effect.fail(new PortFailure({ dependency: "redis", cause: "catching up from the events topics" }))
          return
        }
        // One lane per entity: its commands in order, other entities' alongside. A delivery sent twice (a producer
        // retry) is decided once: deciding it again after a rejection could apply what was answered as refused.
        const lanes = new Map<string, Array<Delivery>>()
        const seen = new Set<string>()
        deliveries.forEach((d, i) => {
          if (kept[i] != null || seen.has(d.delivery.attempt)) return
          seen.add(d.delivery.attempt)
          lanes.set(d.lane, [...(lanes.get(d.lane) ?? []), d])
        })
        // How a delivery the handler throws on is tried again: with the batch's heartbeat in between.
        const tries: Tries = { beat: heartbeatOf(payload) }
        // Every commit of the batch is fenced: refused once another member owns the partition.
        const fence = yield* fenceOf(payload.batch.topic, payload.batch.partition)
        const decision: Decision = { mark: kept[deliveries.length]!, fence }
        const all = (yield* Effect.forEach(
          lanes.values(),
          (lane) => Effect.forEach(lane, (d) => processed(payload, tries, route, d, decision, spans)),
          {
            concurrency: "unbounded"
          }
        ).pipe(Effect.locally(CurrentFence, fence))).flat()
        yield* deadLetters(
          source,
          all.flatMap(({ unhandled }) => (unhandled === undefined ? [] : [unhandled]))
        )
        const sent =
          spans === undefined ? all.map((d): Sent => ({ decided: d })) : yield* Effect.forEach(all, (d) => sending(route, d, spans))
        if (stallsWanted)
          yield* stallAt(
            "committed",
            all.map(({ delivery }) => delivery.envelope.commandId)
          )
        yield* written(route, all, eventMessages(sent), decision, decidedBefore)
      })
    const handleBatch = tracing
      ? (payload: EachBatchPayload) => {
          const spans: Array<Tracer.Span> = []
          return Effect.onExit(handle(payload, spans), (exit) => endSpans(spans, exit))
        }
      : (payload: EachBatchPayload) => handle(payload, undefined)

    /**
     * The batch's events published, then marked published and the replies written and sent. With `decision` (the
     * batch decided something), only while the state mark it was decided under and the partition's fence hold.
     */
    const written = (
      route: Route,
      decided: ReadonlyArray<Processed>,
      messages: ReadonlyArray<Message>,
      decision?: Decision,
      decidedBefore: ReadonlyArray<{ readonly delivery: CommandMessage; readonly json: string }> = []
    ) =>
      Effect.gen(function* () {
        // Decided on the state this mark vouched for, as the partition's owner: if Redis lost the state since (the
        // mark gone, or another one set by a catch-up), or another member owns the partition now, nothing of it goes
        // out. The batch fails, and is decided anew where it is delivered again.
        if (decision !== undefined) {
          const { mark, fence } = decision
          const refusal = refusalOf(yield* guard([keys.stateFromLog, fence.owners], [mark, fence.field, fence.token]))
          if (refusal !== undefined) return yield* Effect.fail(refusal)
        }
        yield* publish(route.out, messages).pipe(
          Effect.timeoutFail({ duration: publishBound, onTimeout: () => kafkaFailure(new Error("events not acknowledged in time")) })
        )
        const pipeline = redis.pipeline()
        const replies: Array<{ readonly delivery: CommandMessage; readonly json: string }> = []
        for (const { delivery, entity, reply, events } of decided) {
          if (events.length > 0) store.outbox.markPublished(pipeline, entity, delivery.envelope.commandId)
          if (reply !== undefined) replies.push({ delivery, json: JSON.stringify(reply) })
        }
        // Each reply is kept (a new owner finds it, and answers the same) and sent in one script that checks the
        // fence again: a member that lost the partition since answers nothing. Replies kept before are sent again.
        // One round trip, the outbox marks with them.
        const answers = [replyArgs(decision, replies, { kept: true, sent: true })]
        if (decidedBefore.length > 0) answers.push(replyArgs(decision, decidedBefore, { kept: false, sent: true }))
        for (const args of answers) inPipeline(pipeline, "lowAnswer", args.keys, args.args)
        const results = yield* call(() => pipeline.exec())
        const failed = results?.find(([error]) => error !== null)
        if (failed !== undefined) return yield* call(() => Promise.reject(failed[0]))
        const refusal = results?.map(([, status]) => refusalOf(status)).find((why) => why !== undefined)
        if (refusal !== undefined) return yield* Effect.fail(refusal)
      })

    // A member fenced off a partition kafkajs still gives it joins its group again: it lost the partition (and
    // learns so sooner), or Redis lost who owns what (restarted empty, or behind) and the group's leader records it anew.
    let running: RunningConsumer | undefined
    const rejoinIfFenced = (e: unknown) =>
      Effect.sync(() => {
        if (isFencedOff(e)) running?.rejoin()
      })
    running = yield* runConsumer(kafka, {
      groupId: names.handlersGroup,
      topics: [...routes.keys()],
      fromBeginning: true,
      tuning: settings.consumer,
      partitionAssigners: [fencedAssigner(redis, keys)],
      joinedAs: (id, owned) => {
        member = { id, owned }
        fences = undefined
        fencesRead = undefined
      },
      eachBatch: (payload) => Runtime.runPromise(runtime)(Effect.as(Effect.tapError(handleBatch(payload), rejoinIfFenced), undefined))
    })
    return running
  })
