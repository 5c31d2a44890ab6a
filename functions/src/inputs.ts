import { Schema } from "effect"

/** Ids of wallets and commands: 1..64 characters of [A-Za-z0-9_.:-]. */
export const Id = Schema.String.pipe(
  Schema.pattern(/^[A-Za-z0-9_.:-]{1,64}$/, { message: () => "must be 1..64 characters of A-Z a-z 0-9 _ . : -" })
)

/** An amount of money in minor units. */
export const Amount = Schema.Int.pipe(Schema.between(1, 1_000_000_000, { message: () => "must be an integer from 1 to 1000000000" }))

const codePoints = (s: string) => [...s].length

/** An owner's name, trimmed, 1..200 characters. */
export const Owner = Schema.compose(
  Schema.Trim,
  Schema.String.pipe(Schema.filter((s) => (codePoints(s) >= 1 && codePoints(s) <= 200) || "must be 1..200 characters after trimming"))
)

// One @, a non-empty local part, a dotted domain, no whitespace.
const emailShape = /^[^\s@]+@[^\s@]*\.[^\s@]*$/

/** An email, trimmed and lower-cased: at most 254 characters, one @, a local part, a dotted domain, no spaces. */
export const Email = Schema.compose(Schema.Trim, Schema.Lowercase).pipe(
  Schema.filter((s) => (s.length <= 254 && emailShape.test(s)) || "must be an email address of at most 254 characters")
)

/** A page size: 1..100. */
export const PageSize = Schema.Int.pipe(Schema.between(1, 100, { message: () => "must be from 1 to 100" }))
