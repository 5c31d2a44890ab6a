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

/**
 * The messages of each of `topics` that `groupId` has not committed yet, summed over partitions: a partition it never
 * committed counts from its first record kept.
 */
export const groupLag = (admin: Admin, groupId: string, topics: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    const committed = yield* kafkaCall(() => admin.fetchOffsets({ groupId, topics: [...topics] }))
    const ends = yield* Effect.forEach(topics, (topic) => kafkaCall(() => admin.fetchTopicOffsets(topic)), { concurrency: "unbounded" })
    return topics.map((topic, i) => {
      const group = committed.find((c) => c.topic === topic)?.partitions ?? []
      let lag = 0n
      for (const { partition, high, low } of ends[i]!) {
        const at = BigInt(group.find((p) => p.partition === partition)?.offset ?? "-1")
        const from = at < BigInt(low) ? BigInt(low) : at
        if (BigInt(high) > from) lag += BigInt(high) - from
      }
      return { topic, lag: Number(lag) }
    })
  })
