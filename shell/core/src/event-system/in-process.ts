import { Duration, Effect, Exit, Layer, Schedule, type Tracer } from "effect"
import type { AnyProcessManager, Envelope } from "@low/functions"
import { MemoryStore } from "../memory/store"
import { CommandBus } from "../command-bus"
import { Timeout } from "../errors"
import type { Committed } from "../event-store"
import { Executor, type AnyHandler, type AnyProjector, type Outcome } from "../executor"
import { projectionLag, sampledOnScrape } from "../metrics"
import { dispatcherOf, sendDispatch, type Dispatch } from "../process-manager"
import { spanOptions, Tracing } from "../tracing"
import { makeDeadlines, type Deadline } from "./deadlines"
import { makeMailbox, type Mailbox } from "./mailbox"
import { makeWatermark, type Watermark } from "./watermark"

export interface InProcessOptions {
  readonly handlers: ReadonlyArray<AnyHandler>
  readonly projectors: ReadonlyArray<AnyProjector>
  /** Each reads its channel like a projector, and sends its commands through the handlers' queues. */
  readonly processManagers?: ReadonlyArray<AnyProcessManager>
  /** Command queues per handler; one entity always lands on the same one, so its commands stay in order. */
  readonly partitions?: number
  /** How long a caller waits for its command to be handled and projected. */
  readonly timeout?: Duration.DurationInput
}

/** An event as a channel carries it: `seq` counts the channel's events in the order they were published. */
interface Delivery {
  readonly event: Committed
  readonly seq: number
  /** The span of the command that wrote it, when spans are recorded: the projection's span is its child. */
  readonly parent?: Tracer.AnySpan | undefined
}

/** Where one handler's events go: a queue per projector reading them, and each projector's watermark. */
interface Channel {
  readonly subscribers: Array<Mailbox<Delivery>>
  readonly marks: Array<Watermark>
  seq: number
}

interface Request {
  readonly handler: AnyHandler
  readonly command: unknown
  readonly envelope: Envelope
  /** Resumes the caller with the outcome after its projection, the handler's failure, or Timeout; once. */
  readonly answer: (exit: Exit.Exit<Outcome, unknown>) => void
  readonly deadline: Deadline
  /** The caller's span, when spans are recorded: the command runs in its trace. */
  readonly parent?: Tracer.AnySpan | undefined
}

const hash = (s: string) => {
  let h = 0
  for (let i = 0; i < s.length; i++) h = (Math.imul(31, h) + s.charCodeAt(i)) | 0
  return h >>> 0
}

/** Calls `done` once every watermark has passed `seq`. */
const whenAll = (marks: ReadonlyArray<Watermark>, seq: number, done: () => void, from = 0): void => {
  if (from === marks.length) {
    done()
    return
  }
  marks[from]!.when(seq, () => whenAll(marks, seq, done, from + 1))
}

/**
 * The in-process deployment of the four processes, wired by the handlers' and projectors' channel names:
 * commands go through partitioned queues to the event handlers, events through a queue per projector, and the
 * resolver answers a caller when every projector of the channel has passed its events. A caller waits to be
 * resumed once, by whichever comes first: that answer or its deadline.

 */
export const InProcessEventSystem = (options: InProcessOptions) =>
  Layer.scoped(
    CommandBus,
    Effect.gen(function* () {
      const executor = yield* Executor
      const store = yield* MemoryStore
      const partitions = options.partitions ?? 4
      const deadlines = yield* makeDeadlines(options.timeout ?? Duration.seconds(10))
      const tracing = yield* Tracing

      // One channel per name the handlers write and the projectors read.
      const channels = new Map<string, Channel>()
      for (const name of [...options.handlers.map((h) => h.writes), ...options.projectors.map((p) => p.reads)])
        if (!channels.has(name)) channels.set(name, { subscribers: [], marks: [], seq: 0 })
      const channel = (name: string) => channels.get(name)!

      for (const projector of options.projectors) {
        const source = channel(projector.reads)
        const mark = makeWatermark()
        const deliveries = makeMailbox<Delivery>()
        source.subscribers.push(deliveries)
        source.marks.push(mark)
        const lag = projectionLag({ projector: projector.name })
        yield* sampledOnScrape(Effect.sync(() => lag.set(source.seq - mark.position)))
        const project = ({ event }: Delivery) => store.applyChanges(projector.project(event), event.version)
        const advance = (batch: ReadonlyArray<Delivery>) => mark.advance(batch.at(-1)?.seq ?? 0)
        // With spans recorded, each event is projected in a span of its own, in the trace of the command that wrote it.
        const projectInSpan = (delivery: Delivery) =>
          Effect.withSpan(
            Effect.sync(() => project(delivery)),
            `project ${projector.reads}`,
            spanOptions({
              ...(delivery.parent === undefined ? {} : { parent: delivery.parent }),
              attributes: { "low.stream": delivery.event.stream }
            })
          )
        const projectBatch = tracing
          ? Effect.flatMap((batch: ReadonlyArray<Delivery>) =>
              Effect.map(Effect.forEach(batch, projectInSpan, { discard: true }), () => advance(batch))
            )
          : Effect.map((batch: ReadonlyArray<Delivery>) => {
              for (const delivery of batch) project(delivery)
              advance(batch)
            })
        yield* deliveries.take(1024).pipe(projectBatch, Effect.forever, Effect.forkScoped)
      }

      // What the event handler does with an outcome: publish its events and answer once they are projected.
      const settle = (out: Channel, req: Request, exit: Exit.Exit<Outcome, unknown>) => {
        if (Exit.isFailure(exit)) {
          req.deadline.settle()
          return req.answer(exit)
        }
        const outcome = exit.value
        // Numbered and offered in one synchronous step, so a channel's events reach projectors in `seq` order
        // even when lanes race: a watermark at `seq` then means every earlier event is projected. A duplicate
        // waits for everything published so far, which includes the original.
        if (outcome._tag === "Applied")
          for (const event of outcome.events) {
            const delivery = { event, seq: ++out.seq, parent: req.parent }
            for (const subscriber of out.subscribers) subscriber.offer(delivery)
          }
        whenAll(out.marks, out.seq, () => {
          req.deadline.settle()
          req.answer(exit)
        })
      }

      const run = (req: Request) => executor.run(req.handler, req.command, req.envelope)
      const runIn = tracing ? (req: Request) => (req.parent === undefined ? run(req) : Effect.withParentSpan(run(req), req.parent)) : run

      const queues = new Map<AnyHandler, Array<Mailbox<Request>>>()
      for (const handler of options.handlers) {
        const out = channel(handler.writes)
        const lanes = Array.from({ length: partitions }, () => makeMailbox<Request>())
        queues.set(handler, lanes)
        for (const lane of lanes) {
          yield* lane.take(256).pipe(
            Effect.flatMap((batch) =>
              // A command taken runs to its end, even at shutdown: its caller is answered, its events published.
              // (Uninterruptible, the executor's per-entity lock needs no mask of its own either.)
              Effect.uninterruptible(
                Effect.forEach(
                  batch,
                  // Handled and published even when its caller stopped waiting: the events must reach the projectors.
                  (req) => Effect.map(Effect.exit(runIn(req)), (exit) => settle(out, req, exit)),
                  { discard: true }
                )
              )
            ),
            Effect.forever,
            Effect.forkScoped
          )
        }
      }

      const send = (handler: AnyHandler, command: unknown, envelope: Envelope): Effect.Effect<Outcome, unknown> =>
        Effect.suspend(() => {
          const lanes = queues.get(handler)
          if (lanes === undefined) return Effect.dieMessage(`no handler ${handler.name} in this deployment`)
          const lane = lanes[hash(handler.entity(command)) % lanes.length]!
          const waiting = (parent?: Tracer.AnySpan) =>
            // The answer carries the handler's own rejections, whose type the generic signature names.
            Effect.async<Outcome, unknown>((resume) => {
              const deadline = deadlines.set(() => resume(Exit.fail(new Timeout({ commandId: envelope.commandId }))))
              lane.offer({ handler, command, envelope, answer: resume, deadline, parent })
              // A caller that stops waiting frees its deadline; the command is still handled and projected.
              return Effect.sync(() => deadline.settle())
            }) as Effect.Effect<Outcome, never>
          // With spans recorded, the wait is a span, and the command and its projections run as its children.
          return tracing ? Effect.useSpan(`wait ${handler.writes}`, spanOptions(), waiting) : waiting()
        })

      // A process manager reads its channel as a projector does, but no caller waits for it: each of its commands
      // waits for its own outcome, and one that timed out or met conflicts past their retries is sent again (its
      // derived commandId makes that harmless).
      for (const processManager of options.processManagers ?? []) {
        const { dispatch } = dispatcherOf(processManager, options.handlers)
        const deliveries = makeMailbox<Delivery>()
        channel(processManager.reads).subscribers.push(deliveries)
        const sendOnce = sendDispatch(processManager.name, send as CommandBus["Type"]["send"])
        const step = (d: Dispatch) => sendOnce(d).pipe(Effect.retry(Schedule.spaced("10 millis")))
        // Each command goes on its own way: one waiting for its projection holds up no other saga.
        const scope = yield* Effect.scope
        yield* deliveries.take(256).pipe(
          Effect.flatMap((batch) =>
            Effect.forEach(
              batch.flatMap(({ event }) => dispatch(event)),
              (d) => Effect.forkIn(step(d), scope),
              { discard: true }
            )
          ),
          Effect.forever,
          Effect.forkScoped
        )
      }

      return CommandBus.of({ send: send as CommandBus["Type"]["send"] })
    })
  )
