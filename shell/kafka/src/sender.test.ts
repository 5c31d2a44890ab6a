import type { Producer, ProducerBatch } from "kafkajs"
import { describe, expect, it } from "vitest"
import { makeBatchingSend, Withdrawn } from "./sender"

/** A producer whose every request stays in flight until the test lets it go, recording what each request carried. */
const heldProducer = () => {
  const requests: Array<{ readonly values: Array<string>; readonly release: () => void }> = []
  const producer = {
    sendBatch: (batch: ProducerBatch) =>
      new Promise((resolve) => {
        const values = (batch.topicMessages ?? []).flatMap((t) => t.messages.map((m) => String(m.value)))
        requests.push({ values, release: () => resolve([]) })
      })
  } as unknown as Producer
  return { producer, requests }
}

/** The end of the current turn of the event loop: what the sender was given in it is sent by then. */
const turnEnds = () => new Promise((resolve) => setImmediate(resolve))

describe("the batching sender", () => {
  it("given messages sent in one go while nothing is in flight, then they go in one request, in order, with no wait for a timer or I/O", async () => {
    const { producer, requests } = heldProducer()
    const send = makeBatchingSend(producer)
    const sent = [send("t", [{ value: "a" }]), send("u", [{ value: "b" }]), send("t", [{ value: "c" }, { value: "d" }])]
    expect(requests).toEqual([])
    await Promise.resolve() // the microtasks queued so far have run, and nothing else
    expect(requests.map((r) => r.values)).toEqual([["a", "c", "d", "b"]])
    requests[0]!.release()
    await Promise.all(sent)
  })

  it("given messages queued behind a request in flight, when one is withdrawn before its turn, then it is never sent and its send says so", async () => {
    const { producer, requests } = heldProducer()
    const send = makeBatchingSend(producer)
    const first = send("t", [{ value: "first" }])
    await turnEnds()
    let timedOut = false
    const late = send("t", [{ value: "answered TIMEOUT meanwhile" }], () => timedOut)
    const kept = send("t", [{ value: "still awaited" }], () => false)
    expect(requests.map((r) => r.values)).toEqual([["first"]])

    timedOut = true // its caller was answered while the broker was slow
    requests[0]!.release()
    await first
    await expect(late).rejects.toBeInstanceOf(Withdrawn)
    await turnEnds()
    expect(requests.map((r) => r.values)).toEqual([["first"], ["still awaited"]])
    requests[1]!.release()
    await kept
  })

  it("given messages arriving while a request is in flight, then they go together in the next request, in order", async () => {
    const { producer, requests } = heldProducer()
    const send = makeBatchingSend(producer)
    const sent = [send("t", [{ value: "a" }])]
    await turnEnds()
    sent.push(send("t", [{ value: "b" }]), send("t", [{ value: "c" }]))
    requests[0]!.release()
    await sent[0]
    await turnEnds()
    expect(requests.map((r) => r.values)).toEqual([["a"], ["b", "c"]])
    requests[1]!.release()
    await Promise.all(sent)
  })
})
