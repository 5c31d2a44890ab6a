import { Effect, Schedule } from "effect"
import type { Admin } from "kafkajs"
import { kafkaCall } from "./client"

/** Whether `groupId` has committed every partition of `topics` up to its end. */
export const caughtUp = (admin: Admin, groupId: string, topics: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    const committed = yield* kafkaCall(() => admin.fetchOffsets({ groupId, topics: [...topics] }))
    for (const topic of topics) {
      const ends = yield* kafkaCall(() => admin.fetchTopicOffsets(topic))
      const group = committed.find((c) => c.topic === topic)?.partitions ?? []
      for (const { partition, high } of ends) {
        const at = group.find((p) => p.partition === partition)?.offset ?? "-1"
        if (BigInt(high) > 0n && BigInt(at) < BigInt(high)) return false
      }
    }
    return true
  })

/** Waits until `groupId` has caught up with the ends of `topics` as they are now or later. */
export const awaitCaughtUp = (admin: Admin, groupId: string, topics: ReadonlyArray<string>) =>
  caughtUp(admin, groupId, topics).pipe(Effect.repeat({ schedule: Schedule.spaced("100 millis"), until: (done) => done }))
