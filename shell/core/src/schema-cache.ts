import { type Either, type ParseResult, Schema } from "effect"

/**
 * `make(schema)` made once per schema and kept for as long as the schema lives: for the decoders and encoders run
 * on every request, lookup or commit.
 */
export const perSchema = <F>(make: (schema: Schema.Schema<any, any>) => F) => {
  const made = new WeakMap<Schema.Schema<any, any>, F>()
  return (schema: Schema.Schema<any, any>): F => {
    let f = made.get(schema)
    if (f === undefined) made.set(schema, (f = make(schema)))
    return f
  }
}

/** A state as its schema encodes it, for storage. */
export const encodedBy = perSchema((schema) => Schema.encodeSync(schema) as (value: unknown) => unknown)

/** A stored state decoded by its schema, or why it does not decode. */
export const decodedBy = perSchema(
  (schema) => Schema.decodeUnknownEither(schema) as (value: unknown) => Either.Either<unknown, ParseResult.ParseError>
)
