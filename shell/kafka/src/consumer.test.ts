import type { EachBatchPayload, TopicOffsets } from "kafkajs"
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest"
import { makeCommitter } from "./consumer"

/** The offset commits a committer sent, each as `topic/partition@offset` strings in order. */
const recorder = (answer: () => Promise<void> = async () => undefined) => {
  const commits: Array<Array<string>> = []
  const send = ({ topics }: { topics: Array<TopicOffsets> }) => {
    commits.push(topics.flatMap((t) => t.partitions.map((p) => `${t.topic}/${p.partition}@${p.offset}`)).sort())
    return answer()
  }
  /** A handled batch of `topic`'s `partition` whose last message is at `last`. */
  const batch = (topic: string, partition: number, last: number) =>
    ({
      batch: { topic, partition, isEmpty: () => false, lastOffset: () => String(last) },
      isRunning: () => true,
      isStale: () => false,
      resolveOffset: () => undefined,
      commitOffsetsIfNecessary: send
    }) as unknown as EachBatchPayload
  return { commits, batch }
}

describe("offset commits", () => {
  beforeEach(() => {
    vi.useFakeTimers()
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  it("given batches handled within the interval after a commit, then their offsets go together in one commit once it has passed", async () => {
    const { commits, batch } = recorder()
    const committer = makeCommitter(() => true, 100)
    committer.handled(batch("t", 0, 4))
    await vi.advanceTimersByTimeAsync(0)
    expect(commits).toEqual([["t/0@5"]])

    committer.handled(batch("t", 1, 6))
    committer.handled(batch("t", 0, 8))
    committer.handled(batch("u", 0, 1))
    await vi.advanceTimersByTimeAsync(99)
    expect(commits).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(1)
    expect(commits).toEqual([["t/0@5"], ["t/0@9", "t/1@7", "u/0@2"]])
  })

  it("given a partition lost after its batch was handled and before its commit, then its offset is not committed", async () => {
    const { commits, batch } = recorder()
    const owned = new Set(["t/0", "t/1"])
    const committer = makeCommitter((topic, partition) => owned.has(`${topic}/${partition}`), 100)
    committer.handled(batch("t", 0, 1))
    committer.handled(batch("t", 1, 1))
    committer.handled(batch("t", 0, 2))
    owned.delete("t/1") // another member owns it now: its offsets are that member's to commit
    await vi.advanceTimersByTimeAsync(100)
    expect(commits).toEqual([["t/0@2"], ["t/0@3"]])
  })

  it("given offsets waiting for the interval, when the consumer stops, then drain commits them at once", async () => {
    const { commits, batch } = recorder()
    const committer = makeCommitter(() => true, 60_000)
    committer.handled(batch("t", 0, 1))
    committer.handled(batch("t", 0, 7))
    await committer.drain()
    expect(commits).toEqual([["t/0@2"], ["t/0@8"]])
  })

  it("given a commit in flight, when the consumer stops, then drain commits what waits after it, and a batch ending later commits nothing", async () => {
    const answers: Array<() => void> = []
    const { commits, batch } = recorder(() => new Promise<void>((resolve) => answers.push(resolve)))
    const committer = makeCommitter(() => true, 100)
    committer.handled(batch("t", 0, 1))
    committer.handled(batch("t", 1, 3))
    let drained = false
    const draining = committer.drain().then(() => (drained = true))
    committer.handled(batch("t", 0, 5)) // ended after the stop began: read again by whoever reads next
    await vi.advanceTimersByTimeAsync(0)
    expect({ commits, drained }).toEqual({ commits: [["t/0@2"]], drained: false })

    answers[0]!()
    await vi.advanceTimersByTimeAsync(0)
    expect({ commits, drained }).toEqual({ commits: [["t/0@2"], ["t/1@4"]], drained: false })
    answers[1]!()
    await draining
    await vi.advanceTimersByTimeAsync(1_000)
    expect(commits).toEqual([["t/0@2"], ["t/1@4"]])
  })

  it("given offsets waiting for the interval, when the member is about to join its group anew, then flushNow commits them at once", async () => {
    const { commits, batch } = recorder()
    const committer = makeCommitter(() => true, 60_000)
    committer.handled(batch("t", 0, 1))
    committer.handled(batch("t", 1, 4))
    await vi.advanceTimersByTimeAsync(0)
    expect(commits).toEqual([["t/0@2"]])
    committer.flushNow()
    expect(commits).toEqual([["t/0@2"], ["t/1@5"]])
  })

  it("given a commit refused, when no batch comes after it, then its offsets go again once the interval has passed", async () => {
    let refuse = true
    const { commits, batch } = recorder(() => (refuse ? Promise.reject(new Error("coordinator not available")) : Promise.resolve()))
    const committer = makeCommitter(() => true, 100)
    committer.handled(batch("t", 0, 3))
    await vi.advanceTimersByTimeAsync(0)
    refuse = false
    await vi.advanceTimersByTimeAsync(100)
    expect(commits).toEqual([["t/0@4"], ["t/0@4"]])
    await vi.advanceTimersByTimeAsync(1_000)
    expect(commits).toHaveLength(2)
  })
})
