import { describe, expect, it } from "vitest"
import fc from "fast-check"
import { canonicalJson } from "./canonical-json"

/** The same value with every object's keys inserted in sorted order, or in reverse when `reverse`. */
const reordered = (value: unknown, reverse: boolean): unknown => {
  if (value === null || typeof value !== "object") return value
  if (Array.isArray(value)) return value.map((v) => reordered(v, reverse))
  const keys = Object.keys(value).sort()
  if (reverse) keys.reverse()
  return Object.fromEntries(keys.map((k) => [k, reordered((value as Record<string, unknown>)[k], reverse)]))
}

/** The definition, written plainly: fingerprints stored by earlier versions must keep matching. */
const definition = (value: unknown): string =>
  value === null || typeof value !== "object"
    ? (JSON.stringify(value) ?? "null")
    : Array.isArray(value)
      ? `[${value.map(definition).join(",")}]`
      : `{${Object.keys(value)
          .sort()
          .map((k) => `${JSON.stringify(k)}:${definition((value as Record<string, unknown>)[k])}`)
          .join(",")}}`

describe("canonical JSON", () => {
  it("given any JSON value, when written, then the text follows the definition, whatever the order of its keys", () =>
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = canonicalJson(reordered(value, true))
        expect(text).toBe(definition(value))
        expect(canonicalJson(reordered(value, false))).toBe(text)
        expect(JSON.parse(text)).toStrictEqual(JSON.parse(JSON.stringify(value)))
      })
    ))

  it("given a command, when written, then keys are sorted at every depth and strings escaped", () =>
    expect(canonicalJson({ walletId: 'w"1', amount: 5, tags: [{ b: 1, a: null }], _tag: "Credit" })).toBe(
      '{"_tag":"Credit","amount":5,"tags":[{"a":null,"b":1}],"walletId":"w\\"1"}'
    ))
})
