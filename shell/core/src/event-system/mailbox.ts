import { Effect } from "effect"

/**
 * An unbounded queue with one consumer, for the event system's command lanes and projector feeds. Offering never
 * waits; taking returns what has arrived, waiting in one `Effect.async` when nothing has. An Effect `Queue` makes
 * a Deferred every time its taker waits, which a lane does for nearly every command when the load is light.
 */
export interface Mailbox<A> {
  readonly offer: (item: A) => void
  /** Up to `max` items in the order they were offered, at least one. */
  readonly take: (max: number) => Effect.Effect<ReadonlyArray<A>>
}

export const makeMailbox = <A>(): Mailbox<A> => {
  let items: Array<A> = []
  let taker: ((next: Effect.Effect<ReadonlyArray<A>>) => void) | undefined
  let takerMax = 0

  const drain = (max: number): ReadonlyArray<A> => {
    if (items.length <= max) {
      const all = items
      items = []
      return all
    }
    return items.splice(0, max)
  }

  return {
    offer(item) {
      items.push(item)
      if (taker === undefined) return
      const resume = taker
      taker = undefined
      // Drained when the taker runs, so that it also gets what is offered until then.
      resume(Effect.sync(() => drain(takerMax)))
    },
    take: (max) =>
      Effect.suspend(() =>
        items.length > 0
          ? Effect.succeed(drain(max))
          : Effect.async<ReadonlyArray<A>>((resume) => {
              taker = resume
              takerMax = max
              return Effect.sync(() => {
                if (taker === resume) taker = undefined
              })
            })
      )
  }
}
