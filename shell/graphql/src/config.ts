import { Config } from "effect"
import type { Domain } from "@low/functions"

/**
 * What a GraphQL document may ask for, checked after parsing and before anything executes. The defaults are far
 * above what the contract's own operations need and far below what hurts the server.
 */
export interface DocumentLimits {
  /** Aliased fields in one operation. */
  readonly maxAliases: number
  /** Nesting of selections. */
  readonly maxDepth: number
  /** Lexical tokens in one document. */
  readonly maxTokens: number
  /** Directives (`@include`, `@skip`, …) in one operation. */
  readonly maxDirectives: number
  /** The estimated cost: one per field, times the `first` of every list above it. */
  readonly maxCost: number
  /** Root fields of one mutation operation: each is a command. */
  readonly maxMutationFields: number
}

/** How much of the server one client can hold: bytes, time and connections. */
export interface HttpLimits {
  /** The largest request body, in bytes. */
  readonly maxBodyBytes: number
  /** A client must send its headers within this many milliseconds. */
  readonly headersTimeoutMs: number
  /** ... and its whole request within this many. */
  readonly requestTimeoutMs: number
  /** An idle keep-alive connection is closed after this many milliseconds. */
  readonly keepAliveTimeoutMs: number
  /** Connections open at once; one more is closed as soon as it is accepted. */
  readonly maxConnections: number
  /** On SIGTERM, in-flight requests get this many milliseconds to finish before the connections are cut. */
  readonly drainTimeoutMs: number
}

/** Which other origins a browser may call the API from. By default none, and never with credentials. */
export interface CorsOptions {
  readonly origins: ReadonlyArray<string>
  /** Whether allowed origins may send cookies and HTTP authentication. */
  readonly credentials: boolean
}

export const defaultDocumentLimits: DocumentLimits = {
  maxAliases: 15,
  maxDepth: 10,
  maxTokens: 1_000,
  maxDirectives: 50,
  maxCost: 5_000,
  maxMutationFields: 5
}

export const defaultHttpLimits: HttpLimits = {
  maxBodyBytes: 32 * 1024,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 65_000,
  maxConnections: 1_000,
  drainTimeoutMs: 10_000
}

export const defaultCors: CorsOptions = { origins: [], credentials: false }

export interface ServerOptions {
  readonly port: number
  /** The interface to listen on. */
  readonly host?: string
  /** The domains whose API is served. */
  readonly domains: ReadonlyArray<Domain>
  readonly limits?: Partial<DocumentLimits>
  readonly http?: Partial<HttpLimits>
  readonly cors?: Partial<CorsOptions>
  /** Whether GET /graphql in a browser serves GraphiQL (a page of some 9 MB); true unless told. */
  readonly graphiql?: boolean
  /** How long a mutation that starts a saga waits for its end before it answers TIMEOUT. */
  readonly commandTimeoutMs?: number
  /** Whether every projector runs in the commit that writes its events: see `MutationOptions.projectedInCommit`. */
  readonly projectedInCommit?: boolean
}

/** What `commandTimeoutMs` is unless told. */
export const defaultCommandTimeoutMs = 10_000

const positive = (name: string, fallback: number) =>
  Config.integer(name).pipe(Config.validate({ message: "a whole number above 0", validation: (n) => n > 0 }), Config.withDefault(fallback))

/** Whether `text` is an origin as browsers send it: scheme, host and port only, e.g. `https://app.example.com`. */
const isOrigin = (text: string) => {
  try {
    return new URL(text).origin === text
  } catch {
    return false
  }
}

/** The port from PORT (default 4000). */
export const portConfig = Config.integer("PORT").pipe(Config.withDefault(4000))

/**
 * A server's options from the environment, every one optional:
 *
 * | variable | default |
 * | --- | --- |
 * | `PORT`, `HOST` | 4000, 0.0.0.0 |
 * | `GRAPHQL_MAX_ALIASES`, `GRAPHQL_MAX_DEPTH`, `GRAPHQL_MAX_TOKENS`, `GRAPHQL_MAX_DIRECTIVES`, `GRAPHQL_MAX_COST`, `GRAPHQL_MAX_MUTATION_FIELDS` | see `defaultDocumentLimits` |
 * | `HTTP_MAX_BODY_BYTES`, `HTTP_HEADERS_TIMEOUT_MS`, `HTTP_REQUEST_TIMEOUT_MS`, `HTTP_KEEP_ALIVE_TIMEOUT_MS`, `HTTP_MAX_CONNECTIONS`, `HTTP_DRAIN_TIMEOUT_MS` | see `defaultHttpLimits` |
 * | `CORS_ORIGINS` (comma-separated), `CORS_CREDENTIALS` | none, false |
 * | `GRAPHIQL` | true |
 * | `COMMAND_TIMEOUT_MS` | 10000 |
 */
export const serverConfig: Config.Config<Omit<ServerOptions, "domains">> = Config.all({
  port: portConfig,
  host: Config.string("HOST").pipe(Config.withDefault("0.0.0.0")),
  limits: Config.all({
    maxAliases: positive("GRAPHQL_MAX_ALIASES", defaultDocumentLimits.maxAliases),
    maxDepth: positive("GRAPHQL_MAX_DEPTH", defaultDocumentLimits.maxDepth),
    maxTokens: positive("GRAPHQL_MAX_TOKENS", defaultDocumentLimits.maxTokens),
    maxDirectives: positive("GRAPHQL_MAX_DIRECTIVES", defaultDocumentLimits.maxDirectives),
    maxCost: positive("GRAPHQL_MAX_COST", defaultDocumentLimits.maxCost),
    maxMutationFields: positive("GRAPHQL_MAX_MUTATION_FIELDS", defaultDocumentLimits.maxMutationFields)
  }),
  http: Config.all({
    maxBodyBytes: positive("HTTP_MAX_BODY_BYTES", defaultHttpLimits.maxBodyBytes),
    headersTimeoutMs: positive("HTTP_HEADERS_TIMEOUT_MS", defaultHttpLimits.headersTimeoutMs),
    requestTimeoutMs: positive("HTTP_REQUEST_TIMEOUT_MS", defaultHttpLimits.requestTimeoutMs),
    keepAliveTimeoutMs: positive("HTTP_KEEP_ALIVE_TIMEOUT_MS", defaultHttpLimits.keepAliveTimeoutMs),
    maxConnections: positive("HTTP_MAX_CONNECTIONS", defaultHttpLimits.maxConnections),
    drainTimeoutMs: positive("HTTP_DRAIN_TIMEOUT_MS", defaultHttpLimits.drainTimeoutMs)
  }),
  graphiql: Config.boolean("GRAPHIQL").pipe(Config.withDefault(true)),
  commandTimeoutMs: positive("COMMAND_TIMEOUT_MS", defaultCommandTimeoutMs),
  cors: Config.all({
    origins: Config.array(
      Config.string().pipe(
        Config.validate({ message: "an origin such as https://app.example.com (no path, no trailing slash)", validation: isOrigin })
      ),
      "CORS_ORIGINS"
    ).pipe(Config.withDefault([])),
    credentials: Config.boolean("CORS_CREDENTIALS").pipe(Config.withDefault(false))
  })
})
