import { Cause, Effect, Option } from "effect"
import { GraphQLError } from "graphql"
import type { ErrorAnswer } from "@low/functions"

/** The answers of a domain's rejections, by tag. */
export type ErrorAnswers = Readonly<Record<string, (rejection: any) => ErrorAnswer>>

type Tagged = { readonly _tag: string } & Readonly<Record<string, unknown>>

const retry = "retry with the same commandId"

const unavailable = (e: { dependency: string }) => ({ code: "UNAVAILABLE", message: `${e.dependency} is unavailable; ${retry}.` })

/** The failures every API has, whatever its domains: the codes of the machinery. */
const machinery: ErrorAnswers = {
  BadInput: (e: { message: string }) => ({ code: "BAD_USER_INPUT", message: e.message }),
  IdempotencyConflict: (e: { commandId: string }) => ({
    code: "IDEMPOTENCY_CONFLICT",
    message: `commandId ${e.commandId} was used before with a different command.`
  }),
  Unavailable: unavailable,
  PortFailure: unavailable,
  Timeout: () => ({ code: "TIMEOUT", message: `The outcome was not known in time; ${retry}.` })
}

/** The rejection tags the machinery answers, which no domain may use for its own. */
export const machineryTags: ReadonlySet<string> = new Set(Object.keys(machinery))

const isTagged = (e: unknown): e is Tagged => typeof e === "object" && e !== null && typeof (e as Tagged)._tag === "string"

/** Codes after which the same command may be sent again: their answer names the commandId to send it with. */
const retryable = new Set(["UNAVAILABLE", "TIMEOUT"])

/**
 * What GraphQL answers for a failed resolver: the machinery's code or the domain's (`answers`). Infrastructure
 * failures are logged as warnings; anything no table names is logged as an error and masked.
 */
export const answerFailure = (cause: Cause.Cause<unknown>, answers: ErrorAnswers, commandId?: string): Effect.Effect<Error> => {
  const failure = Cause.failureOption(cause)
  const answer =
    Option.isSome(failure) && isTagged(failure.value)
      ? (machinery[failure.value._tag] ?? answers[failure.value._tag])?.(failure.value)
      : undefined
  if (answer === undefined)
    return Effect.as(Effect.logError("unexpected failure", cause).pipe(Effect.annotateLogs({ commandId })), new Error("internal"))
  // The code first, as clients read it, and never one the domain's extensions would put in its place.
  const { code: _, ...rest } = answer.extensions ?? {}
  const extensions = { code: answer.code, ...rest }
  if (!retryable.has(answer.code)) return Effect.succeed(new GraphQLError(answer.message, { extensions }))
  return Effect.as(
    Effect.logWarning("command not done", cause).pipe(Effect.annotateLogs({ commandId, code: answer.code })),
    new GraphQLError(answer.message, { extensions: commandId === undefined ? extensions : { ...extensions, commandId } })
  )
}
