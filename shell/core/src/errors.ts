import { Data } from "effect"

/** The commandId was accepted before on this entity, with another command. */
export class IdempotencyConflict extends Data.TaggedError("IdempotencyConflict")<{
  readonly entity: string
  readonly commandId: string
}> {}

/** An integrity check failed at commit (a version moved, a unique key was taken): retry the whole LOW. */
export class WriteConflict extends Data.TaggedError("WriteConflict")<{ readonly reason: string }> {}

/** A dependency did not answer; the command may be retried with the same commandId. */
export class Unavailable extends Data.TaggedError("Unavailable")<{ readonly dependency: string; readonly cause?: unknown }> {}

/** The outcome was not known in time; the command may be retried with the same commandId. */
export class Timeout extends Data.TaggedError("Timeout")<{ readonly commandId: string }> {}

/** Arguments that break the contract's rules; nothing was written. */
export class BadInput extends Data.TaggedError("BadInput")<{ readonly message: string }> {}
