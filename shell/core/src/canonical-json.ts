/** JSON with object keys sorted, so equal values always give equal text. */
export const canonicalJson = (value: unknown): string => {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null"
  // Plain loops: this runs for every command, and map/join allocate arrays it does not need.
  if (Array.isArray(value)) {
    let text = "["
    for (let i = 0; i < value.length; i++) text += (i === 0 ? "" : ",") + canonicalJson(value[i])
    return `${text}]`
  }
  const keys = Object.keys(value).sort()
  let text = "{"
  for (let i = 0; i < keys.length; i++)
    text += `${i === 0 ? "" : ","}${JSON.stringify(keys[i])}:${canonicalJson((value as Record<string, unknown>)[keys[i]!])}`
  return `${text}}`
}
