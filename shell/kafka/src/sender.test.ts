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
  it("given gathering, when messages are sent in one go while nothing is in flight, then they go in one request, in order, with no wait for a timer or I/O", async () => {
    const { producer, requests } = heldProducer()
    const send = makeBatchingSend(producer, { gather: true })
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
    expect(requests.map((r) => r.values)).toEqual([["a"]]) // sent at once, nothing being in flight
    sent.push(send("t", [{ value: "b" }]), send("t", [{ value: "c" }]))
    requests[0]!.release()
    await sent[0]
    await turnEnds()
    expect(requests.map((r) => r.values)).toEqual([["a"], ["b", "c"]])
    requests[1]!.release()
    await Promise.all(sent)
  })

  it("given gathering and a request answered while nothing else waits, when more is sent later, then it goes in a request of its own", async () => {
    const { producer, requests } = heldProducer()
    const send = makeBatchingSend(producer, { gather: true })
    const first = send("t", [{ value: "a" }])
    await turnEnds()
    requests[0]!.release()
    await first
    await turnEnds() // the sender idle again
    const second = send("t", [{ value: "b" }])
    await turnEnds()
    expect(requests.map((r) => r.values)).toEqual([["a"], ["b"]])
    requests[1]!.release()
    await second
  })

  it("given a producer that throws rather than rejects, then the sends it carried fail with what it threw, and the next send still goes", async () => {
    const thrown = new Error("broken producer")
    let throws = true
    const sent: Array<Array<string>> = []
    const producer = {
      sendBatch: (batch: ProducerBatch) => {
        if (throws) throw thrown
        sent.push((batch.topicMessages ?? []).flatMap((t) => t.messages.map((m) => String(m.value))))
        return Promise.resolve([])
      }
    } as unknown as Producer
    const send = makeBatchingSend(producer, { gather: true })
    await expect(send("t", [{ value: "lost" }])).rejects.toBe(thrown)
    throws = false
    await send("t", [{ value: "next" }])
    expect(sent).toEqual([["next"]])
  })

  it("given a withdrawn check that throws, then that send fails with what it threw and the others go", async () => {
    const { producer, requests } = heldProducer()
    const send = makeBatchingSend(producer, { gather: true })
    const thrown = new Error("broken check")
    const broken = send("t", [{ value: "broken" }], () => {
      throw thrown
    })
    const kept = send("t", [{ value: "kept" }])
    await expect(broken).rejects.toBe(thrown)
    await turnEnds()
    expect(requests.map((r) => r.values)).toEqual([["kept"]])
    requests[0]!.release()
    await kept
  })
})
