import { connect } from "node:net"

/** One HTTP/1.1 response read off a raw connection; header names in lower case. */
export interface RawResponse {
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
}

/**
 * A TCP connection to an HTTP server that a test writes to byte by byte, to send requests no client library would
 * (headers never finished, a body stopped halfway) and to see when the server closes it.
 */
export interface RawConnection {
  readonly write: (text: string) => void
  /** Everything received so far. */
  readonly received: () => string
  /** Waits for `text` among what was received after the responses already read; rejects if the connection closes first. */
  readonly receive: (text: string) => Promise<void>
  /** The next complete response (after any `100 Continue`); rejects if the connection closes first. */
  readonly response: () => Promise<RawResponse>
  /** Settles once the connection is closed, by either side, with `performance.now()` at that moment. */
  readonly closed: Promise<number>
  /** The error the connection ended with (e.g. ECONNRESET), if any. */
  readonly error: () => NodeJS.ErrnoException | undefined
  readonly end: () => void
}

/** A request's head: the request line and headers, ending with the blank line unless `finished` is false. */
export const requestHead = (method: string, path: string, headers: Record<string, string | number> = {}, finished = true) =>
  `${method} ${path} HTTP/1.1\r\nhost: localhost\r\n${Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join("")}${finished ? "\r\n" : ""}`

/** The response starting at `from` in `text` and where it ends, if all of it is there (Content-Length or chunked). */
const parseResponse = (text: string, from: number): { response: RawResponse; end: number } | undefined => {
  const headEnd = text.indexOf("\r\n\r\n", from)
  if (headEnd === -1) return undefined
  const [statusLine = "", ...lines] = text.slice(from, headEnd).split("\r\n")
  const status = Number(statusLine.split(" ")[1])
  if (status >= 100 && status < 200) return parseResponse(text, headEnd + 4)
  const headers: Record<string, string> = {}
  for (const line of lines) {
    const colon = line.indexOf(":")
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim()
  }
  let at = headEnd + 4
  if (headers["transfer-encoding"] === "chunked") {
    let body = ""
    for (;;) {
      const sizeEnd = text.indexOf("\r\n", at)
      if (sizeEnd === -1) return undefined
      const size = Number.parseInt(text.slice(at, sizeEnd), 16)
      if (text.length < sizeEnd + 2 + size + 2) return undefined
      body += text.slice(sizeEnd + 2, sizeEnd + 2 + size)
      at = sizeEnd + 2 + size + 2
      if (size === 0) return { response: { status, headers, body }, end: at }
    }
  }
  const length = Number(headers["content-length"] ?? 0)
  if (text.length < at + length) return undefined
  return { response: { status, headers, body: text.slice(at, at + length) }, end: at + length }
}

/**
 * Opens a connection to the host and port of `url`; rejects with the socket's error (e.g. ECONNREFUSED) if it does
 * not connect. Texts are written and read as latin1, one byte a character.
 */
export const connectRaw = (url: string | URL): Promise<RawConnection> =>
  new Promise((resolve, reject) => {
    const { hostname, port } = new URL(url)
    const socket = connect(Number(port), hostname)
    let text = ""
    let read = 0
    let failure: NodeJS.ErrnoException | undefined
    let ended = false
    const waiters = new Set<() => void>()
    const closed = new Promise<number>((settle) =>
      socket.once("close", () => {
        ended = true
        settle(performance.now())
        for (const wake of waiters) wake()
      })
    )
    socket.on("data", (chunk: Buffer) => {
      text += chunk.toString("latin1")
      for (const wake of waiters) wake()
    })
    /** Resolves with `found()` once it is defined, checking on every chunk; rejects if the connection closes first. */
    const until = <A>(found: () => A | undefined, what: string) =>
      new Promise<A>((done, fail) => {
        const check = () => {
          const value = found()
          if (value !== undefined) {
            waiters.delete(check)
            done(value)
          } else if (ended) {
            waiters.delete(check)
            fail(new Error(`the connection closed before ${what}${failure ? ` (${failure.code})` : ""}; received: ${JSON.stringify(text)}`))
          }
        }
        waiters.add(check)
        check()
      })
    socket.on("error", (error: NodeJS.ErrnoException) => {
      failure = error
      reject(error)
    })
    socket.once("connect", () =>
      resolve({
        write: (chunk) => void socket.write(chunk, "latin1"),
        received: () => text,
        receive: (expected) =>
          until(() => (text.indexOf(expected, read) === -1 ? undefined : true), JSON.stringify(expected)).then(() => undefined),
        response: () =>
          until(() => parseResponse(text, read), "a complete response").then(({ response, end }) => {
            read = end
            return response
          }),
        closed,
        error: () => failure,
        end: () => void socket.end()
      })
    )
  })

/** A request in flight, stopped halfway through its body. */
export interface HalfSentRequest {
  readonly connection: RawConnection
  /** Sends the rest of the body. */
  readonly rest: () => void
}

/**
 * POSTs `body` (JSON, ASCII) to `url` on a new connection, up to half of it: the server has read the headers when
 * this resolves, as it answered their `Expect: 100-continue`, so the request is in flight at the server.
 */
export const halfSentPost = async (url: string | URL, body: string): Promise<HalfSentRequest> => {
  const connection = await connectRaw(url)
  const headers = { "content-type": "application/json", "content-length": body.length, expect: "100-continue" }
  connection.write(requestHead("POST", new URL(url).pathname, headers))
  await connection.receive("100 Continue")
  const half = Math.floor(body.length / 2)
  connection.write(body.slice(0, half))
  return { connection, rest: () => connection.write(body.slice(half)) }
}
