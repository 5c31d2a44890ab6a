import { Effect } from "effect"
import { Writes, type WriteOp } from "@low/functions"

/** The ops each running command's `write` records, by the fiber that runs it. */
const recording = new WeakMap<object, Array<WriteOp>>()

/**
 * The `Writes` service every command's `write` is given: it records into the list of the fiber that runs the
 * write. One recorder serves every command, so running one provides no service of its own (a per-command service
 * would copy the fiber's whole context on every command).
 */
export const writeRecorder = Writes.of({
  record: (op) =>
    Effect.withFiberRuntime((fiber) => {
      const ops = recording.get(fiber)
      if (ops === undefined) return Effect.dieMessage("Writes.record must be called by the fiber that runs a command's write")
      ops.push(op)
      return Effect.void
    })
})

/** What a handler's `write` asks for, as a list of ops: nothing touches storage yet. */
export const recordedWrites = (write: Effect.Effect<void, never, Writes>): Effect.Effect<ReadonlyArray<WriteOp>, never, Writes> =>
  Effect.withFiberRuntime((fiber) => {
    const ops: Array<WriteOp> = []
    recording.set(fiber, ops)
    return Effect.as(write, ops)
  })
