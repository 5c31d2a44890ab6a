import { Data, Schema } from "effect"
import { IdempotencyConflict } from "@low/core"

/** A command on its way from a bff to the event handler; `attempt` names this one delivery of it. */
export const CommandMessage = Schema.Struct({
  handler: Schema.String,
  /** Encoded by the handler's command schema. */
  command: Schema.Unknown,
  envelope: Schema.Struct({ commandId: Schema.String, at: Schema.String, freshId: Schema.String }),
  attempt: Schema.String,
  /** The pub/sub channel of the bff instance that waits for the outcome. */
  replyTo: Schema.String
})
export type CommandMessage = typeof CommandMessage.Type

/** The `replyTo` of a command no one waits for (a process manager's): its outcome is published nowhere. */
export const noReply = ""

/** Whether no one waits for the command's outcome: it must be decided, whenever it comes, and is never answered. */
export const awaitsNoAnswer = (message: CommandMessage) => message.replyTo === noReply

const Target = Schema.Tuple(Schema.String, Schema.Number)
const Targets = Schema.Array(Target)

/**
 * What a commit wrote in Redis besides its events' versions, carried by its last event so that the handler's state
 * can be rebuilt from the events topics alone: the entity's accepted entry for the commandId (as stored), the
 * unique keys it claimed (index, key, owner) and the states it saved (stream, version, encoded state as stored).
 */
export const CommitRecord = Schema.Struct({
  entity: Schema.String,
  accepted: Schema.String,
  claims: Schema.Array(Schema.Tuple(Schema.String, Schema.String, Schema.String)),
  states: Schema.Array(Schema.Tuple(Schema.String, Schema.Number, Schema.String))
})
export type CommitRecord = typeof CommitRecord.Type

/** A committed event as the events topic carries it: its payload encoded by the handler's event schema. */
export const EventMessage = Schema.Struct({
  id: Schema.String,
  stream: Schema.String,
  version: Schema.Number,
  event: Schema.Unknown,
  commandId: Schema.String,
  at: Schema.String,
  position: Schema.Number,
  /** On the last event of each commit. */
  commit: Schema.optional(CommitRecord)
})
export type EventMessage = typeof EventMessage.Type

/**
 * The outcome of one delivery. Applied and Duplicate name the version each stream reached (the reader waits for
 * the projectors to get there); Rejected carries the typed error's tag and fields.
 */
export const Reply = Schema.Union(
  Schema.TaggedStruct("Applied", { events: Schema.Array(EventMessage), targets: Targets }),
  Schema.TaggedStruct("Duplicate", { targets: Targets }),
  Schema.TaggedStruct("Rejected", { error: Schema.Record({ key: Schema.String, value: Schema.Unknown }) })
)
export type Reply = typeof Reply.Type

/** A reply as published: which delivery it answers. */
export const ReplyNotice = Schema.Struct({ attempt: Schema.String, reply: Reply })

/**
 * Published by projectors: on `channel`, each stream's events are applied up to the version given, and `docs` (view
 * and key) are the documents they changed, for readers waiting for a document to show something.
 */
export const ProjectedNotice = Schema.Struct({
  channel: Schema.String,
  marks: Targets,
  docs: Schema.optional(Schema.Array(Schema.Tuple(Schema.String, Schema.String)))
})

export const decodeJson = <A, I>(schema: Schema.Schema<A, I>) => Schema.decodeUnknownSync(Schema.parseJson(schema))

const errorClasses = new Map<string, new (fields: Readonly<Record<string, unknown>>) => Error>()

/** The typed error a Rejected reply names, rebuilt with its tag and fields so the GraphQL layer maps it as usual. */
export const rejectionOf = (error: Readonly<Record<string, unknown>>): Error => {
  const { _tag, ...fields } = error
  const tag = String(_tag)
  if (tag === "IdempotencyConflict") return new IdempotencyConflict(fields as { entity: string; commandId: string })
  let Rejection = errorClasses.get(tag)
  if (Rejection === undefined) {
    const Tagged = Data.TaggedError(tag)
    Rejection = class extends Tagged<Readonly<Record<string, unknown>>> {}
    errorClasses.set(tag, Rejection)
  }
  return new Rejection(fields)
}
