import type { Plugin } from "graphql-yoga"

/** The media type of a request body that may execute: JSON, which a cross-site form or a plain fetch cannot send. */
const executable = "application/json"

const refused = (fetchAPI: { Response: typeof Response }, status: number, code: string, message: string) =>
  fetchAPI.Response.json({ errors: [{ message, extensions: { code } }] }, { status })

const isJson = (text: string) => {
  try {
    JSON.parse(text)
    return true
  } catch {
    return false
  }
}

/**
 * Refuses, with 415 and before anything is read, a POST whose body is not JSON. A web page can make a visitor's
 * browser POST a form, a multipart body or text/plain to any site without asking it first; only a JSON body needs
 * the site's consent (a CORS preflight). Mutations sent as such bodies therefore never run, while JSON clients need
 * no extra header. Queries over GET stay allowed (mutations over GET are refused by yoga, 405), and their
 * `variables` and `extensions` parameters must be JSON too: yoga would answer 500 and log a stack trace.
 */
export const useJsonRequestsOnly = (): Plugin => ({
  onRequest({ request, endResponse, fetchAPI }) {
    if (request.method === "GET") {
      const parameters = new URL(request.url).searchParams
      for (const name of ["variables", "extensions"]) {
        const value = parameters.get(name)
        if (value !== null && !isJson(value))
          return endResponse(refused(fetchAPI, 400, "BAD_REQUEST", `The ${name} parameter is not JSON.`))
      }
      return
    }
    if (request.method !== "POST") return
    const contentType = request.headers.get("content-type")
    if (contentType === executable) return // what nearly every client sends
    // yoga itself reads the media type as written, case included.
    if (contentType?.split(";", 1)[0]?.trim() === executable) return
    endResponse(refused(fetchAPI, 415, "UNSUPPORTED_MEDIA_TYPE", "A POST to /graphql must have the content-type application/json."))
  }
})
