import { Either, Schema } from "effect"
import { describe, expect, it } from "vitest"
import { Amount, Email, Id, Owner, PageSize } from "./inputs"

/** The decoded value, or the string "refused". */
const decoded = <A, I>(schema: Schema.Schema<A, I>, input: unknown) =>
  Either.getOrElse(Schema.decodeUnknownEither(schema)(input), () => "refused" as const)

describe("Id", () => {
  it("given 1 and 64 characters of letters, digits and _ . : -, when decoded, then accepted as is", () => {
    expect(decoded(Id, "a")).toBe("a")
    expect(decoded(Id, "Az09_.:-")).toBe("Az09_.:-")
    expect(decoded(Id, "x".repeat(64))).toBe("x".repeat(64))
  })

  it("given an empty id or 65 characters, when decoded, then refused", () => {
    expect(decoded(Id, "")).toBe("refused")
    expect(decoded(Id, "x".repeat(65))).toBe("refused")
  })

  it("given a space, a slash, an @ or a non-ASCII letter, when decoded, then refused", () => {
    for (const id of ["a b", "a/b", "a@b", "é", " a", "a\n"]) expect(decoded(Id, id), id).toBe("refused")
  })

  it("given a number, when decoded, then refused", () => {
    expect(decoded(Id, 12)).toBe("refused")
  })
})

describe("Amount", () => {
  it("given 1 and 1000000000, when decoded, then accepted", () => {
    expect(decoded(Amount, 1)).toBe(1)
    expect(decoded(Amount, 1_000_000_000)).toBe(1_000_000_000)
  })

  it("given 0, a negative amount or 1000000001, when decoded, then refused", () => {
    for (const amount of [0, -1, 1_000_000_001]) expect(decoded(Amount, amount), String(amount)).toBe("refused")
  })

  it("given a fraction, NaN, Infinity or a numeric string, when decoded, then refused", () => {
    for (const amount of [1.5, NaN, Infinity, "10"]) expect(decoded(Amount, amount), String(amount)).toBe("refused")
  })
})

describe("Owner", () => {
  it("given a name with padding, when decoded, then trimmed and inner spaces kept", () => {
    expect(decoded(Owner, "  Ann  Lee \t")).toBe("Ann  Lee")
  })

  it("given an empty or blank name, when decoded, then refused", () => {
    expect(decoded(Owner, "")).toBe("refused")
    expect(decoded(Owner, "   \n\t")).toBe("refused")
  })

  it("given 200 characters after trimming, when decoded, then accepted; given 201, then refused", () => {
    expect(decoded(Owner, ` ${"a".repeat(200)} `)).toBe("a".repeat(200))
    expect(decoded(Owner, "a".repeat(201))).toBe("refused")
  })

  it("given 200 characters outside the BMP (400 UTF-16 units), when decoded, then accepted: characters are code points", () => {
    expect(decoded(Owner, "😀".repeat(200))).toBe("😀".repeat(200))
    expect(decoded(Owner, "😀".repeat(201))).toBe("refused")
  })
})

describe("Email", () => {
  it("given an email with padding and capitals, when decoded, then trimmed and lower-cased", () => {
    expect(decoded(Email, "  Ann.Lee@Example.COM \n")).toBe("ann.lee@example.com")
  })

  it("given a plain address with a dotted domain, when decoded, then accepted", () => {
    expect(decoded(Email, "a@b.c")).toBe("a@b.c")
    expect(decoded(Email, "first+tag@mail.example.org")).toBe("first+tag@mail.example.org")
  })

  it("given no @ or two @, when decoded, then refused", () => {
    expect(decoded(Email, "ann.example.com")).toBe("refused")
    expect(decoded(Email, "ann@lee@example.com")).toBe("refused")
  })

  it("given an empty local part, when decoded, then refused", () => {
    expect(decoded(Email, "@example.com")).toBe("refused")
  })

  it("given a domain without a dot, when decoded, then refused", () => {
    expect(decoded(Email, "ann@localhost")).toBe("refused")
    expect(decoded(Email, "ann@")).toBe("refused")
  })

  it("given whitespace inside, when decoded, then refused", () => {
    for (const email of ["ann lee@example.com", "ann@exam ple.com", "ann@example.\tcom"])
      expect(decoded(Email, email), email).toBe("refused")
  })

  it("given 254 characters after trimming, when decoded, then accepted; given 255, then refused", () => {
    const domain = "@example.com"
    const of = (length: number) => `${"a".repeat(length - domain.length)}${domain}`
    expect(of(254)).toHaveLength(254)
    expect(decoded(Email, `  ${of(254)}  `)).toBe(of(254))
    expect(decoded(Email, of(255))).toBe("refused")
  })

  it("given an empty or blank string, when decoded, then refused", () => {
    expect(decoded(Email, "")).toBe("refused")
    expect(decoded(Email, "   ")).toBe("refused")
  })
})

describe("PageSize", () => {
  it("given 1 and 100, when decoded, then accepted", () => {
    expect(decoded(PageSize, 1)).toBe(1)
    expect(decoded(PageSize, 100)).toBe(100)
  })

  it("given 0, 101, a negative or a fraction, when decoded, then refused", () => {
    for (const size of [0, 101, -5, 2.5]) expect(decoded(PageSize, size), String(size)).toBe("refused")
  })
})
