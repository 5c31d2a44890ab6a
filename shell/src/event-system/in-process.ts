import { Deferred, Duration, Effect, Layer, PubSub, Queue } from "effect"
import type { Envelope } from "@low/functions"
import { MemoryStore } from "../adapters/memory/store"
import { CommandBus } from "../command-bus"
import { Timeout } from "../errors"
import type { Committed } from "../event-store"
import { Executor, type AnyHandler, type AnyProjector, type Outcome } from "../executor"
import { makeWatermark, type Watermark } from "./watermark"

export interface InProcessOptions {
  readonly handlers: ReadonlyArray<AnyHandler>
  readonly projectors: ReadonlyArray<AnyProjector>
  /** Command queues per handler; one entity always lands on the same one, so its commands stay in order. */
  readonly partitions?: number
  /** How long a caller waits for its command to be handled and projected. */
  readonly timeout?: Duration.DurationInput
}

/** An event as a channel carries it: `seq` counts the channel's events in the order they were published. */
interface Delivery {
  readonly event: Committed
  readonly seq: number
}

interface Channel {
  readonly pubsub: PubSub.PubSub<Delivery>
  readonly marks: Array<Watermark>
  seq: number
}

interface Request {
  readonly handler: AnyHandler
  readonly command: unknown
  readonly envelope: Envelope
  readonly reply: Deferred.Deferred<Reply, unknown>
}

/** A handled command's outcome and the channel sequence number its projection must reach. */
interface Reply {
  readonly outcome: Outcome
  readonly seq: number
}

const hash = (s: string) => {
  let h = 0
  for (let i = 0; i < s.length; i++) h = (Math.imul(31, h) + s.charCodeAt(i)) | 0
  return h >>> 0
}

/**
 * The in-process deployment of the four processes, wired by the handlers' and projectors' channel names:
 * commands go through partitioned queues to the event handlers, events through a PubSub per channel to the
 * projectors, and the resolver answers a caller when every projector of the channel has passed its events.
 */
export const InProcessEventSystem = (options: InProcessOptions) =>
  Layer.scoped(
    CommandBus,
    Effect.gen(function* () {
      const executor = yield* Executor
      const store = yield* MemoryStore
      const partitions = options.partitions ?? 4
      const timeout = options.timeout ?? Duration.seconds(10)

      // One channel per name the handlers write and the projectors read: its PubSub, the watermark of each
      // projector reading it, and how many events were published on it.
      const channels = new Map<string, Channel>()
      for (const name of [...options.handlers.map((h) => h.writes), ...options.projectors.map((p) => p.reads)])
        if (!channels.has(name)) channels.set(name, { pubsub: yield* PubSub.unbounded<Delivery>(), marks: [], seq: 0 })
      const channel = (name: string) => channels.get(name)!

      for (const projector of options.projectors) {
        const source = channel(projector.reads)
        const mark = makeWatermark()
        source.marks.push(mark)
        const subscription = yield* PubSub.subscribe(source.pubsub)
        yield* Queue.takeBetween(subscription, 1, 1024).pipe(
          Effect.flatMap((deliveries) => {
            let last = 0
            for (const { event, seq } of deliveries) {
              store.applyChanges(projector.project(event), event.version)
              last = seq
            }
            return mark.advance(last)
          }),
          Effect.forever,
          Effect.forkScoped
        )
      }

      const queues = new Map<AnyHandler, Array<Queue.Queue<Request>>>()
      for (const handler of options.handlers) {
        const out = channel(handler.writes)
        const lanes = yield* Effect.all(Array.from({ length: partitions }, () => Queue.unbounded<Request>()))
        queues.set(handler, lanes)
        for (const lane of lanes) {
          yield* Queue.take(lane).pipe(
            Effect.flatMap((req) =>
              executor.run(req.handler, req.command, req.envelope).pipe(
                // Numbered and offered in one synchronous step, so a channel's events reach projectors in `seq`
                // order even when lanes race: a watermark at `seq` then means every earlier event is projected.
                Effect.map((outcome): Reply => {
                  if (outcome._tag === "Duplicate") return { outcome, seq: out.seq }
                  for (const event of outcome.events) out.pubsub.unsafeOffer({ event, seq: ++out.seq })
                  return { outcome, seq: out.seq }
                }),
                Effect.exit,
                Effect.flatMap((exit) => Deferred.complete(req.reply, exit))
              )
            ),
            Effect.forever,
            Effect.forkScoped
          )
        }
      }

      // The resolver: an outcome counts once every projector of the channel has passed it (for a duplicate, has
      // passed everything published so far, which includes the original).
      const projected = (handler: AnyHandler, seq: number) =>
        Effect.forEach(channel(handler.writes).marks, (mark) => mark.reached(seq), { discard: true })

      return CommandBus.of({
        send: (handler, command, envelope) =>
          Effect.gen(function* () {
            const lanes = queues.get(handler)
            if (lanes === undefined) return yield* Effect.dieMessage(`no handler ${handler.name} in this deployment`)
            const reply = yield* Deferred.make<Reply, unknown>()
            yield* Queue.offer(lanes[hash(handler.entity(command)) % lanes.length]!, { handler, command, envelope, reply })
            const { outcome, seq } = yield* Deferred.await(reply)
            yield* projected(handler, seq)
            return outcome
          }).pipe(
            Effect.timeoutFail({ duration: timeout, onTimeout: () => new Timeout({ commandId: envelope.commandId }) }),
            // The reply carries the handler's own rejections, whose type the generic signature names.
            (effect) => effect as Effect.Effect<Outcome, never>
          )
      })
    })
  )

