import { Either, ParseResult, Schema } from "effect"
import { BadInput, perSchema } from "@low/core"
import { Inputs } from "@low/functions"

// Arguments are decoded on every request.
const decoderOf = perSchema((schema) => Schema.decodeUnknownEither(schema, { errors: "first" }))

const describe = (issue: ParseResult.ArrayFormatterIssue) =>
  issue.path.length === 0 ? issue.message : `${issue.path.join(".")}: ${issue.message}`

/** Decodes GraphQL arguments with a schema; a broken rule is BAD_USER_INPUT naming the argument. */
export const decodeArgs = <A, I>(schema: Schema.Schema<A, I>, input: unknown): Either.Either<A, BadInput> =>
  Either.mapLeft(
    decoderOf(schema)(input) as Either.Either<A, ParseResult.ParseError>,
    (error) => new BadInput({ message: ParseResult.ArrayFormatter.formatErrorSync(error).map(describe).join("; ") })
  )

const CommandIdArg = Schema.Struct({ commandId: Inputs.Id })

/** The optional client-chosen commandId; absent and null mean the same, and need no decoding. */
export const decodeCommandId = (commandId: unknown): Either.Either<string | undefined, BadInput> =>
  commandId == null ? Either.right(undefined) : Either.map(decodeArgs(CommandIdArg, { commandId }), (args) => args.commandId)

/** A cursor: the page after the item with `order` in the collection `key` of `view`. */
export const encodeCursor = (view: string, key: string, order: number) => Buffer.from(`${view}:${key}:${order}`).toString("base64url")

/** The order a cursor points after, if it was issued for this collection. */
export const decodeCursor = (view: string, key: string, cursor: string): Either.Either<number, BadInput> => {
  const text = Buffer.from(cursor, "base64url").toString()
  const order = Number(text.slice(text.lastIndexOf(":") + 1))
  return text === `${view}:${key}:${order}` && Number.isSafeInteger(order) && order > 0
    ? Either.right(order)
    : Either.left(new BadInput({ message: "after: not a cursor issued for this list" }))
}
