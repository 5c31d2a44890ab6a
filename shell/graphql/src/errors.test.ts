import { Cause, Effect } from "effect"
import { describe, expect, it } from "@effect/vitest"
import { GraphQLError } from "graphql"
import { BadInput, Timeout } from "@low/core"
import { InsufficientFunds, wallet } from "@low/functions"
import { answerFailure } from "./errors"

const answer = (failure: unknown, commandId?: string) =>
  Effect.map(answerFailure(Cause.fail(failure), wallet.errors, commandId), (error) => {
    expect(error).toBeInstanceOf(GraphQLError)
    return { message: error.message, extensions: (error as GraphQLError).extensions }
  })

describe("answerFailure", () => {
  it.effect("given a rejection of the domain, when answered, then its table's code first, then its extensions", () =>
    Effect.gen(function* () {
      const { message, extensions } = yield* answer(new InsufficientFunds({ walletId: "w", balance: 5, amount: 9 }))
      expect(message).toBe("The balance 5 is lower than 9.")
      expect(JSON.stringify(extensions)).toBe('{"code":"INSUFFICIENT_FUNDS","balance":5,"amount":9}')
    })
  )

  it.effect("given a table whose extensions name a code, when answered, then the table's code stands", () =>
    Effect.gen(function* () {
      const clashing = { Clash: () => ({ code: "MINE", message: "m", extensions: { code: "OTHER", more: 1 } }) }
      const error = yield* answerFailure(Cause.fail({ _tag: "Clash" }), clashing)
      expect((error as GraphQLError).extensions).toStrictEqual({ code: "MINE", more: 1 })
    })
  )

  it.effect("given a TIMEOUT, when answered, then it names the commandId to retry with; BAD_USER_INPUT does not", () =>
    Effect.gen(function* () {
      expect((yield* answer(new Timeout({ commandId: "c-1" }), "c-1")).extensions).toStrictEqual({ code: "TIMEOUT", commandId: "c-1" })
      expect((yield* answer(new BadInput({ message: "amount: bad" }), "c-1")).extensions).toStrictEqual({ code: "BAD_USER_INPUT" })
    })
  )

  it.effect("given a failure no table names, when answered, then it is masked", () =>
    Effect.gen(function* () {
      const error = yield* answerFailure(Cause.fail({ _tag: "Surprise", secret: "select * from x" }), wallet.errors)
      expect(error).not.toBeInstanceOf(GraphQLError)
      expect(error.message).toBe("internal")
    })
  )
})
