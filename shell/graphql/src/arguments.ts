import { Effect, Either, ParseResult, Schema } from "effect"
import { Inputs } from "@low/functions"
import { BadInput } from "@low/core"
import { perSchema } from "@low/core"

// Arguments are decoded on every request.
const decoderOf = perSchema((schema) => Schema.decodeUnknownEither(schema, { errors: "first" }))

/** Decodes GraphQL arguments with a schema; a broken rule is BAD_USER_INPUT naming the argument. */
export const decodeArgs = <A, I>(schema: Schema.Schema<A, I>, input: unknown): Either.Either<A, BadInput> =>
  Either.mapLeft(
    decoderOf(schema)(input) as Either.Either<A, ParseResult.ParseError>,
    (error) => new BadInput({ message: ParseResult.ArrayFormatter.formatErrorSync(error).map(describe).join("; ") })
  )

/** The optional client-chosen commandId; absent and null mean the same, and need no decoding. */
export const decodeCommandId = (commandId: unknown): Either.Either<string | undefined, BadInput> =>
  commandId == null ? Either.right(undefined) : Either.map(decodeArgs(CommandIdArg, { commandId }), (args) => args.commandId ?? undefined)

const describe = (issue: ParseResult.ArrayFormatterIssue) =>
  issue.path.length === 0 ? issue.message : `${issue.path.join(".")}: ${issue.message}`

/** The optional client-chosen commandId. */
export const CommandIdArg = Schema.Struct({ commandId: Schema.optional(Schema.NullOr(Inputs.Id)) })

/** Page arguments of a wallet's transactions. */
export const PageArgs = Schema.Struct({ first: Inputs.PageSize, after: Schema.optional(Schema.NullOr(Schema.String)) })

const cursorPrefix = "tx:"

/** The cursor of the page after the item with `order` in `walletId`'s history. */
export const encodeCursor = (walletId: string, order: number) =>
  Buffer.from(`${cursorPrefix}${walletId}:${order}`).toString("base64url")

/** The order a cursor points after, if it was issued for this wallet. */
export const decodeCursor = (walletId: string, cursor: string): Effect.Effect<number, BadInput> => {
  const text = Buffer.from(cursor, "base64url").toString()
  const order = Number(text.slice(text.lastIndexOf(":") + 1))
  return text === `${cursorPrefix}${walletId}:${order}` && Number.isSafeInteger(order) && order > 0
    ? Effect.succeed(order)
    : Effect.fail(new BadInput({ message: "after: not a cursor issued for this wallet" }))
}
