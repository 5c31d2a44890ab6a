// The example domain of the README's guide "Add a domain": a counter that only goes up, to a limit.
import { Data, Effect, Either, Option, Schema } from "effect"
import { appendWithState, EntityStates, Inputs, View, type EventHandler, type Projector, type Versioned } from "@low/functions"

// Commands are imperative, events past tense, rejections nouns.
export const Increment = Schema.TaggedStruct("Increment", {
  counterId: Inputs.Id,
  by: Schema.Int.pipe(Schema.between(1, 1000, { message: () => "must be an integer from 1 to 1000" }))
})
export type Increment = typeof Increment.Type

export const Incremented = Schema.TaggedStruct("Incremented", { counterId: Schema.String, by: Schema.Int, value: Schema.Int })
export type Incremented = typeof Incremented.Type

export class CounterLimit extends Data.TaggedError("CounterLimit")<{ readonly value: number; readonly by: number }> {}

/** The highest value a counter may reach. */
export const limit = 1_000_000

export const CounterState = Schema.Struct({ value: Schema.Int })
export type CounterState = typeof CounterState.Type

/** One stream per counter. */
export const streamOf = (counterId: string) => `counter-${counterId}`

/** Decides an increment; pure. A counter that was never incremented stands at 0. */
export const operate = (
  { counterId, by }: Increment,
  looked: Option.Option<Versioned<CounterState>>
): Either.Either<ReadonlyArray<Incremented>, CounterLimit> => {
  const value = Option.match(looked, { onNone: () => 0, onSome: ({ state }) => state.value })
  return value + by > limit
    ? Either.left(new CounterLimit({ value, by }))
    : Either.right([{ _tag: "Incremented", counterId, by, value: value + by }])
}

/** How many events the counter's stream holds: 0 before its first increment. */
const versionOf = (looked: Option.Option<Versioned<CounterState>>) => Option.match(looked, { onNone: () => 0, onSome: (s) => s.version })

/** The state the events lead to: the last one's value. */
const stateAfter = (events: ReadonlyArray<Incremented>): CounterState => ({ value: events.at(-1)?.value ?? 0 })

export const counterHandler: EventHandler<Increment, Option.Option<Versioned<CounterState>>, Incremented, CounterLimit> = {
  name: "counter",
  reads: "counter-commands",
  writes: "counter-events",
  command: Increment,
  event: Incremented,
  entity: (command) => command.counterId,
  // lookup reads, operate decides, write records: the shell commits the writes and retries on a conflict.
  lookup: ({ counterId }) => Effect.flatMap(EntityStates, (states) => states.get(streamOf(counterId), CounterState)),
  operate: (command, looked) => operate(command, looked),
  write: ({ counterId }, looked, events) =>
    appendWithState(streamOf(counterId), versionOf(looked), events, CounterState, stateAfter(events))
}

/** The view the API reads: one document per counter. */
export const countersView = "counters"

export const counterProjector: Projector<Incremented> = {
  name: "counters",
  reads: "counter-events",
  project: ({ event: { counterId, value } }) => [View.put(countersView, counterId, { id: counterId, value })]
}
