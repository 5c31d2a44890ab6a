import { Either, Option } from "effect"
import { describe, expect, it } from "@effect/vitest"
import { assertEquals } from "@effect/vitest/utils"
import { CounterLimit, counterProjector, limit, operate, type Increment } from "./counter"

const increment = (by: number): Increment => ({ _tag: "Increment", counterId: "c", by })
const at = (value: number) => Option.some({ version: 1, state: { value } })

describe("counter operate", () => {
  it("given a counter never incremented, when incremented by 3, then Incremented to 3", () => {
    expect(operate(increment(3), Option.none())).toStrictEqual(Either.right([{ _tag: "Incremented", counterId: "c", by: 3, value: 3 }]))
  })

  it("given a counter at 10, when incremented by 5, then Incremented to 15", () => {
    expect(operate(increment(5), at(10))).toStrictEqual(Either.right([{ _tag: "Incremented", counterId: "c", by: 5, value: 15 }]))
  })

  it("given a counter one below its limit, when incremented by 2, then CounterLimit and no event", () => {
    assertEquals(operate(increment(2), at(limit - 1)), Either.left(new CounterLimit({ value: limit - 1, by: 2 })))
  })

  it("given a counter at its limit less 1, when incremented by 1, then it reaches the limit", () => {
    expect(Either.map(operate(increment(1), at(limit - 1)), (events) => events[0]?.value)).toStrictEqual(Either.right(limit))
  })
})

describe("counter projector", () => {
  it("given Incremented to 7, when projected, then the counter's document says 7", () => {
    const event = { _tag: "Incremented" as const, counterId: "c", by: 7, value: 7 }
    expect(counterProjector.project({ id: "counter-c@1", stream: "counter-c", version: 1, event, commandId: "x", at: "t" })).toStrictEqual([
      { _tag: "Put", view: "counters", key: "c", doc: { id: "c", value: 7 } }
    ])
  })
})
