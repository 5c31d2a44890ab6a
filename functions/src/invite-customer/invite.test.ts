import { Effect, Either, Equal, Option, Schema } from "effect"
import { describe, expect, it } from "@effect/vitest"
import { assertEquals, assertFalse } from "@effect/vitest/utils"
import { EntityStates, UniqueIndex, Writes, type WriteOp } from "../ports"
import type { Envelope } from "../protocol"
import {
  AlreadyInvited,
  CustomerState,
  customerProjector,
  customersByEmailView,
  customersView,
  emailIndex,
  InviteCustomer,
  inviteHandler,
  operate
} from "./invite"

const envelope = (freshId: string, commandId = "c-1"): Envelope => ({ commandId, at: "2026-01-01T00:00:00.000Z", freshId })
const invite = (email: string): InviteCustomer => ({ _tag: "InviteCustomer", email })

describe("invite-customer operate", () => {
  it("given an email nobody was invited with, when inviting it, then CustomerInvited with the envelope's fresh id", () => {
    expect(operate(invite("ann@example.com"), Option.none(), envelope("cust-1"))).toStrictEqual(
      Either.right([{ _tag: "CustomerInvited", customerId: "cust-1", email: "ann@example.com" }])
    )
  })

  it("given two fresh ids, when inviting, then each decision names its own envelope's id", () => {
    const idOf = (freshId: string) => Either.getOrThrow(operate(invite("a@b.c"), Option.none(), envelope(freshId)))[0]?.customerId
    expect([idOf("x"), idOf("y")]).toEqual(["x", "y"])
  })

  it("given an email invited as cust-1, when inviting it again, then AlreadyInvited with the email and cust-1", () => {
    assertEquals(
      operate(invite("ann@example.com"), Option.some("cust-1"), envelope("cust-2")),
      Either.left(new AlreadyInvited({ email: "ann@example.com", customerId: "cust-1" }))
    )
  })

  it("given two AlreadyInvited naming different customers, when compared, then they are not equal", () => {
    assertFalse(
      Equal.equals(
        new AlreadyInvited({ email: "ann@example.com", customerId: "cust-1" }),
        new AlreadyInvited({ email: "ann@example.com", customerId: "cust-2" })
      )
    )
  })
})

describe("invite-customer command", () => {
  it("given an email with padding and capitals, when decoded, then the command holds it trimmed and lower-cased", () => {
    expect(Schema.decodeUnknownSync(InviteCustomer)({ _tag: "InviteCustomer", email: "  Ann@Example.COM " })).toStrictEqual(
      invite("ann@example.com")
    )
  })

  it("given two spellings of one email, when asking their entity, then it is the same normalized email", () => {
    const entityOf = (email: string) => inviteHandler.entity(Schema.decodeUnknownSync(InviteCustomer)({ _tag: "InviteCustomer", email }))
    expect(entityOf(" ANN@example.com")).toBe("ann@example.com")
    expect(entityOf("ann@EXAMPLE.com  ")).toBe("ann@example.com")
  })
})

describe("invite-customer lookup and write", () => {
  it.effect("given an email held in the customer-email index, when looking up, then the owner is found", () =>
    Effect.gen(function* () {
      const asked: Array<[string, string]> = []
      const looked = yield* inviteHandler.lookup(invite("ann@example.com"), envelope("x")).pipe(
        Effect.provideService(UniqueIndex, {
          get: (index, key) => Effect.sync(() => (asked.push([index, key]), Option.some("cust-1")))
        }),
        Effect.provideService(EntityStates, { get: () => Effect.dieMessage("an invitation's lookup reads no entity state") })
      )
      expect(asked).toEqual([[emailIndex, "ann@example.com"]])
      expect(looked).toStrictEqual(Option.some("cust-1"))
    })
  )

  it.effect(
    "given an accepted invitation, when writing, then the email is claimed for the customer and its stream starts at version 1",
    () =>
      Effect.gen(function* () {
        const ops: Array<WriteOp> = []
        const events = [{ _tag: "CustomerInvited", customerId: "cust-1", email: "ann@example.com" }] as const
        yield* inviteHandler
          .write(invite("ann@example.com"), Option.none(), events)
          .pipe(Effect.provideService(Writes, { record: (op) => Effect.sync(() => void ops.push(op)) }))
        expect(ops).toStrictEqual([
          { _tag: "Claim", index: "customer-email", key: "ann@example.com", owner: "cust-1" },
          { _tag: "Append", stream: "customer-cust-1", expectedVersion: 0, events },
          {
            _tag: "SaveState",
            stream: "customer-cust-1",
            version: 1,
            schema: CustomerState,
            state: { customerId: "cust-1", email: "ann@example.com" }
          }
        ])
      })
  )
})

describe("customer projector", () => {
  it("given CustomerInvited, when projected, then the same document is put by id and by email, with the event's time", () => {
    const doc = { id: "cust-1", email: "ann@example.com", invited: true, invitedAt: "2026-01-01T00:00:00.000Z" }
    expect(
      customerProjector.project({
        id: "customer-cust-1@1",
        stream: "customer-cust-1",
        version: 1,
        commandId: "c-1",
        at: "2026-01-01T00:00:00.000Z",
        event: { _tag: "CustomerInvited", customerId: "cust-1", email: "ann@example.com" }
      })
    ).toStrictEqual([
      { _tag: "Put", view: customersView, key: "cust-1", doc },
      { _tag: "Put", view: customersByEmailView, key: "ann@example.com", doc }
    ])
  })
})
