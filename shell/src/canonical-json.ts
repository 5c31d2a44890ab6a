const byKey = (value: object) =>
  Object.keys(value)
    .sort()
    .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`)
    .join(",")

/** JSON with object keys sorted, so equal values always give equal text. */
export const canonicalJson = (value: unknown): string =>
  value === null || typeof value !== "object"
    ? JSON.stringify(value) ?? "null"
    : Array.isArray(value)
      ? `[${value.map(canonicalJson).join(",")}]`
      : `{${byKey(value)}}`
