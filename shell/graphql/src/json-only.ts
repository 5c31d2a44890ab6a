import type { Plugin } from "graphql-yoga"

/** The media type of a request body that may execute: JSON, which a cross-site form or a plain fetch cannot send. */
const executable = "application/json"

/**
 * Refuses, with 415 and before anything is read, a POST whose body is not JSON. A web page can make a visitor's
 * browser POST a form, a multipart body or text/plain to any site without asking it first; only a JSON body needs
 * the site's consent (a CORS preflight). Mutations sent as such bodies therefore never run, while JSON clients need
 * no extra header. Queries over GET stay allowed; mutations over GET are refused by yoga (405).
 */
export const useJsonRequestsOnly = (): Plugin => ({
  onRequest({ request, endResponse, fetchAPI }) {
    if (request.method !== "POST") return
    const contentType = request.headers.get("content-type")
    if (contentType === executable) return // what nearly every client sends
    // yoga itself reads the media type as written, case included.
    if (contentType?.split(";", 1)[0]?.trim() === executable) return
    endResponse(
      fetchAPI.Response.json(
        {
          errors: [
            {
              message: "A POST to /graphql must have the content-type application/json.",
              extensions: { code: "UNSUPPORTED_MEDIA_TYPE" }
            }
          ]
        },
        { status: 415 }
      )
    )
  }
})
