import type { Schema } from "effect"
import type { EventHandler, ProcessManager, Projector } from "./protocol"

// A deployment runs the handlers and projectors of many domains side by side, so their types are erased here.
export type AnyHandler = EventHandler<any, any, any, any>
export type AnyProjector = Projector<any>
export type AnyProcessManager = ProcessManager<any, any>

/** The rejections a handler answers with. */
export type RejectionOf<H> = H extends EventHandler<any, any, any, infer J> ? J : never

/** What the API answers for a rejection: the contract's error code, a message, and the extensions it promises. */
export interface ErrorAnswer {
  readonly code: string
  readonly message: string
  readonly extensions?: Readonly<Record<string, unknown>>
}

/** How each rejection is answered: one entry per tag, so a rejection without an answer does not compile. */
export type ErrorTable<J extends { readonly _tag: string }> = {
  readonly [T in J["_tag"]]: (rejection: Extract<J, { readonly _tag: T }>) => ErrorAnswer
}

/** The arguments of a GraphQL field, as the client sent them. */
export type Args = Readonly<Record<string, unknown>>

/** A document of a view: where an answer is read. */
export type Doc = Readonly<Record<string, unknown>>

/**
 * Ids a mutation may give to what it creates, derived from its commandId (and `scope`): the client's, or the one
 * the shell made and names in a TIMEOUT or UNAVAILABLE answer. A retry with that commandId gets the same ids.
 */
export interface NewIds {
  readonly id: (...scope: ReadonlyArray<string>) => string
}

/**
 * A mutation: its arguments (all but `commandId`, which the shell takes) become a command of `handler`, decoded
 * by `command` (a broken rule is BAD_USER_INPUT); once the command is applied and projected, the answer is the
 * document `key` in `view`.
 */
export interface MutationApi<C = any> {
  readonly handler: AnyHandler
  readonly command: Schema.Schema<C, any>
  readonly input: (args: Args, ids: NewIds) => unknown
  readonly view: string
  readonly key: (command: C) => string
  /** For a mutation whose outcome ends after its own command (a saga run by a process manager): when it ends. */
  readonly settles?: Settles
}

/** A document the answer waits for until it `shows` what the mutation did. */
export interface Sight {
  readonly view: string
  readonly key: string
  readonly shows: (doc: Doc) => boolean
}

/**
 * When a mutation that starts a saga answers: once the answer's document says it `ended`, and the documents
 * `alsoIn` names (read from that document) show it too; TIMEOUT when that takes longer than a command may.
 */
export interface Settles {
  readonly ended: (doc: Doc) => boolean
  readonly alsoIn?: (doc: Doc) => ReadonlyArray<Sight>
}

/** A query: its arguments, decoded by `args`, name the document `key` in `view` (null when there is none). */
export interface QueryApi<A = any> {
  readonly args: Schema.Schema<A, any>
  readonly view: string
  readonly key: (args: A) => string
}

/**
 * A field that pages through a collection view, newest first: `key` picks the collection from the parent document,
 * `first` is the page size rule. The field takes `first` and `after` and answers `{ items, nextCursor }`.
 */
export interface PageApi {
  readonly view: string
  readonly key: (parent: Doc) => string
  readonly first: Schema.Schema<number, number>
}

/**
 * A domain's API as data: its slice of the GraphQL schema (SDL, whose `type Query` and `type Mutation` the shell
 * merges with the other domains'), and how each of its fields is served.
 */
export interface Api {
  readonly schema: string
  readonly mutations?: Readonly<Record<string, MutationApi>>
  readonly queries?: Readonly<Record<string, QueryApi>>
  /** By type, then field. */
  readonly pages?: Readonly<Record<string, Readonly<Record<string, PageApi>>>>
}

/** One step of an example: a GraphQL operation and what it must answer (its data, or its first error's code). */
export interface ExampleStep {
  readonly query: string
  readonly variables?: Args
  readonly data?: unknown
  readonly code?: string
}

/**
 * The domain at work over GraphQL, checked against every project that serves it. `steps` gets a token unique to
 * one run, to make ids no other run uses.
 */
export interface Example {
  readonly name: string
  readonly steps: (run: string) => ReadonlyArray<ExampleStep>
}

/** Everything a deployment needs to know about a domain. */
export interface Domain {
  readonly name: string
  readonly handlers: ReadonlyArray<AnyHandler>
  readonly projectors: ReadonlyArray<AnyProjector>
  /** What reacts to its events by sending commands; a deployment runs each once in effect, checkpointed. */
  readonly processManagers?: ReadonlyArray<AnyProcessManager>
  /** The views the projectors write and the API reads. */
  readonly views: ReadonlyArray<string>
  readonly api: Api
  readonly errors: Readonly<Record<string, (rejection: any) => ErrorAnswer>>
  readonly examples?: ReadonlyArray<Example>
  /**
   * Operations to try the domain with by hand: a GraphQL document of named operations, each runnable on its own,
   * that GraphiQL opens in a tab of its own. Checked against the served schema when the server starts.
   */
  readonly playground?: string
}

/** A domain, with its error table checked against every rejection its handlers answer with. */
export const defineDomain = <const H extends ReadonlyArray<AnyHandler>>(
  domain: Omit<Domain, "handlers" | "errors"> & { readonly handlers: H; readonly errors: ErrorTable<RejectionOf<H[number]>> }
): Domain => domain

/** A mutation of `handler`, whose arguments are decoded with `command`, a schema of one of that handler's commands. */
export const mutation = <H extends AnyHandler, C extends Schema.Schema.Type<H["command"]>>(
  api: MutationApi<C> & { readonly handler: H }
): MutationApi<C> => api

/** A query, typed by the schema its arguments are decoded with. */
export const query = <A>(api: QueryApi<A>): QueryApi<A> => api
