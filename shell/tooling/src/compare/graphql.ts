/** The parts of a GraphQL answer the comparison reads. */
export interface Answer {
  readonly data?: Record<string, unknown> | null
  readonly errors?: ReadonlyArray<{ readonly message: string; readonly extensions?: { readonly code?: string } }>
}

export const post = async (url: string, query: string): Promise<Answer> => {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query })
  })
  return (await response.json()) as Answer
}

/** OK for an answer without errors, else the first error's code. */
export const codeOf = (answer: Answer) => (answer.errors === undefined ? "OK" : (answer.errors[0]?.extensions?.code ?? "UNKNOWN"))
