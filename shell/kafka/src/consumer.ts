import { Deferred, Effect, Exit, Schedule, type Scope } from "effect"
import type { Consumer, EachBatchPayload, Kafka, PartitionAssigner } from "kafkajs"
import { kafkaCall } from "./client"
import type { ConsumerTuning } from "./config"

export interface ConsumerSpec {
  readonly groupId: string
  readonly topics: ReadonlyArray<string>
  /** Where a group without committed offsets starts: the beginning, so nothing produced before it joined is lost. */
  readonly fromBeginning: boolean
  readonly tuning: ConsumerTuning
  /**
   * Handles one partition's batch: its offset is committed once this succeeds, so only after its writes. Answering
   * an offset instead reads the partition again from there, and commits nothing of this batch.
   */
  readonly eachBatch: (payload: EachBatchPayload) => Promise<{ readonly seek: string } | undefined>
  /** How the group's leader assigns partitions (kafkajs's round-robin when absent). */
  readonly partitionAssigners?: ReadonlyArray<PartitionAssigner>
  /** Told of each join of the group: this member's id and its partitions (`partitionKey`s) from now on. */
  readonly joinedAs?: (memberId: string, owned: ReadonlySet<string>) => void
}

/** A partition as one string, `<topic>/<partition>` (a topic's name has no slash). */
export const partitionKey = (topic: string, partition: number) => `${topic}/${partition}`

/** The topic and partition of a `partitionKey`. */
export const partitionOf = (key: string) => {
  const at = key.lastIndexOf("/")
  return { topic: key.slice(0, at), partition: Number(key.slice(at + 1)) }
}

/** A running member: `joined` completes at its first group join; `owned` are its partitions now (`partitionKey`s). */
export interface RunningConsumer {
  readonly joined: Effect.Effect<void>
  readonly owned: () => ReadonlySet<string>
  /** Reads a partition this member owns again from `offset`, from its next fetch on. */
  readonly seek: (topic: string, partition: number, offset: string) => void
  /** Leaves the group and joins it again with a new consumer, so the group assigns its partitions anew. */
  readonly rejoin: () => void
}

/**
 * Runs a member of a consumer group for as long as the scope lives. kafkajs restarts a consumer after most
 * crashes by itself; one that crashed for good, or could not connect, is replaced by a new one, so a broker
 * restart never ends consumption and never takes the process down.
 */
export const runConsumer = (kafka: Kafka, spec: ConsumerSpec): Effect.Effect<RunningConsumer, never, Scope.Scope> =>
  Effect.gen(function* () {
    const joined = yield* Deferred.make<void>()
    let owned: ReadonlySet<string> = new Set()
    let current: Consumer | undefined
    let leave: (() => void) | undefined
    const session = Effect.gen(function* () {
      const dead = yield* Deferred.make<void>()
      leave = () => Deferred.unsafeDone(dead, Exit.void)
      const committer = makeCommitter((topic, partition) => owned.has(partitionKey(topic, partition)), spec.tuning.commitIntervalMs)
      // kafkajs heartbeats between batches only: a long batch (a slow Redis, a handler tried again) keeps the member
      // in the group by beating while it runs. A beat refused by a rebalance is not an error here: the member joins
      // again after the batch, and its writes are fenced meanwhile. A batch stuck for longer than the rebalance
      // timeout stops beating, so the group gives its partitions to another member (what Kafka's own client does
      // past max.poll.interval.ms).
      const running = new Map<EachBatchPayload, number>()
      const beating = setInterval(() => {
        const now = Date.now()
        // One beat for the member while a batch has run longer than a heartbeat interval (kafkajs beats after each
        // batch itself, so short ones need none); none once one is stuck.
        let beat: EachBatchPayload | undefined
        for (const [payload, started] of running) {
          if (now - started > spec.tuning.rebalanceTimeout) return
          if (now - started > spec.tuning.heartbeatInterval) beat = payload
        }
        beat?.heartbeat().catch(() => undefined)
      }, spec.tuning.heartbeatInterval / 2)
      yield* Effect.addFinalizer(() => Effect.sync(() => clearInterval(beating)))
      const consumer = kafka.consumer({
        groupId: spec.groupId,
        ...(spec.partitionAssigners === undefined ? {} : { partitionAssigners: [...spec.partitionAssigners] }),
        sessionTimeout: spec.tuning.sessionTimeout,
        heartbeatInterval: spec.tuning.heartbeatInterval,
        rebalanceTimeout: spec.tuning.rebalanceTimeout,
        maxWaitTimeInMs: spec.tuning.maxWaitTimeInMs,
        allowAutoTopicCreation: false
      })
      current = consumer
      // Whether kafkajs took the consumer out of its group after a crash (it may join again by itself).
      let crashed = false
      consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
        crashed = false
        owned = new Set(
          Object.entries(payload.memberAssignment).flatMap(([topic, partitions]) => partitions.map((p) => partitionKey(topic, p)))
        )
        spec.joinedAs?.(payload.memberId, owned)
        Deferred.unsafeDone(joined, Exit.void)
      })
      // Before it joins its group anew, what it handled is committed under the generation that handled it.
      consumer.on(consumer.events.REBALANCING, () => committer.flushNow())
      consumer.on(consumer.events.CRASH, ({ payload }) => {
        crashed = true
        if (!payload.restart) Deferred.unsafeDone(dead, Exit.void)
      })
      yield* Effect.addFinalizer(() => Effect.promise(() => consumer.disconnect().catch(() => undefined)))
      // Before it leaves (finalizers run last first): what it handled and has not committed yet, committed now, for a
      // while at most; a crashed consumer has left its group already, and commits nothing more.
      yield* Effect.addFinalizer(() =>
        crashed ? Effect.void : Effect.promise(() => committer.drain()).pipe(Effect.timeout("5 seconds"), Effect.ignore)
      )
      yield* kafkaCall(async () => {
        await consumer.connect()
        await consumer.subscribe({ topics: [...spec.topics], fromBeginning: spec.fromBeginning })
        await consumer.run({
          autoCommit: false,
          eachBatchAutoResolve: false,
          partitionsConsumedConcurrently: spec.tuning.partitionsConsumedConcurrently,
          eachBatch: async (payload) => {
            running.set(payload, Date.now())
            try {
              const again = await spec.eachBatch(payload)
              if (again === undefined) return committer.handled(payload)
              consumer.seek({ topic: payload.batch.topic, partition: payload.batch.partition, offset: again.seek })
            } finally {
              running.delete(payload)
            }
          }
        })
      })
      yield* Deferred.await(dead)
      yield* Effect.logWarning("consumer stopped (it crashed, or must join its group anew); starting a new one", { groupId: spec.groupId })
    }).pipe(
      Effect.scoped,
      Effect.catchAll(({ cause }) =>
        Effect.logWarning("consumer could not start; trying again", { groupId: spec.groupId, cause: String(cause) })
      )
    )
    yield* session.pipe(Effect.repeat(Schedule.spaced("1 second")), Effect.forkScoped)
    return {
      joined: Deferred.await(joined),
      owned: () => owned,
      seek: (topic, partition, offset) => current?.seek({ topic, partition, offset }),
      rejoin: () => leave?.()
    }
  })

/** The offset to commit after `offset` was handled: the next one to read. */
export const nextOffset = (offset: string) => (BigInt(offset) + 1n).toString()

/** A partition as a key of the committer's pending offsets. */
const keyOf = (topic: string, partition: number) => `${topic}\u0000${partition}`

/**
 * Commits offsets without holding up the next batch: a partition's offset is sent once its batch is written, at
 * most one commit every `everyMs`, and offsets handled meanwhile (or while a commit is in flight) go together in
 * the next one (requests to the coordinator keep their order, so a later offset is never overwritten by an earlier
 * one); a commit refused (the coordinator away, say) goes again with the next. A commit lost to a crash or a
 * rebalance only means a redelivery, which changes nothing. `owns` says which partitions are this member's now: an
 * offset of one it lost since it was handled is not sent.
 */
export const makeCommitter = (owns: (topic: string, partition: number) => boolean, everyMs: number) => {
  let pending = new Map<string, { readonly topic: string; readonly partition: number; readonly offset: string }>()
  let inFlight: Promise<void> | undefined
  let lastSent = Number.NEGATIVE_INFINITY
  let timer: ReturnType<typeof setTimeout> | undefined
  let send: EachBatchPayload["commitOffsetsIfNecessary"] | undefined
  // Once the consumer stops, batches that end later commit nothing: they are read again, which changes nothing.
  let closed = false

  const flush = (now = false): void => {
    if (inFlight !== undefined || pending.size === 0 || send === undefined) return
    const wait = lastSent + everyMs - Date.now()
    if (wait > 0 && !now) {
      timer ??= setTimeout(() => {
        timer = undefined
        flush()
      }, wait)
      return
    }
    clearTimeout(timer)
    timer = undefined
    const offsets = [...pending.values()].filter((o) => owns(o.topic, o.partition))
    pending = new Map()
    if (offsets.length === 0) return
    lastSent = Date.now()
    const topics = [...new Set(offsets.map((o) => o.topic))].map((topic) => ({
      topic,
      partitions: offsets.filter((o) => o.topic === topic).map(({ partition, offset }) => ({ partition, offset }))
    }))
    inFlight = send({ topics })
      .catch(() => {
        // Not committed: sent again with the next commit (a later offset of the partition handled meanwhile goes
        // instead), so that a partition idle from now on still shows it has been read; not after the stop.
        if (closed) return
        for (const o of offsets) {
          const key = keyOf(o.topic, o.partition)
          if (!pending.has(key)) pending.set(key, o)
        }
      })
      .finally(() => {
        inFlight = undefined
        flush(closed)
      })
  }

  return {
    /** Marks a partition's batch as handled: the consumer reads on after it, and the offset is committed soon. */
    handled: (payload: EachBatchPayload): void => {
      const { batch } = payload
      // A batch of a partition this member lost meanwhile commits nothing: its offset is its new owner's to commit.
      if (closed || batch.isEmpty() || !payload.isRunning() || payload.isStale() || !owns(batch.topic, batch.partition)) return
      const last = batch.lastOffset()
      payload.resolveOffset(last)
      pending.set(keyOf(batch.topic, batch.partition), { topic: batch.topic, partition: batch.partition, offset: nextOffset(last) })
      send = payload.commitOffsetsIfNecessary
      flush()
    },
    /** Commits what waits now, without waiting for the interval: before the member leaves its group in a rebalance. */
    flushNow: (): void => flush(true),
    /**
     * Commits what was handled so far at once, and takes nothing more; resolves once no commit is in flight. For a
     * consumer that stops (a crashed one has left its group already: it has nothing to drain).
     */
    drain: async (): Promise<void> => {
      closed = true
      flush(true)
      while (inFlight !== undefined) await inFlight
      clearTimeout(timer)
      timer = undefined
    }
  }
}
