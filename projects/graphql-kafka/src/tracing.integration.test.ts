// One mutation, one trace across three processes: a bff, a handler and a projector, each exporting its spans over
// OTLP/HTTP (JSON) to a receiver in this test, the trace carried between them in Kafka message headers.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { namesOf } from "@low/kafka"
import { dropTestData, membersOf, requireServices, testAdmin, testSettings } from "@low/kafka/testing"
import { errorCode, eventually, gql, type GraphQLResponse } from "@low/testing"
import { type OtlpReceiver, type SpanRecord, spanNamed, startOtlpReceiver } from "@low/testing/traces"
import { startProcess, type KafkaProcess } from "./testing/processes"

const settings = testSettings("trace")
const names = namesOf(settings)
let admin: Awaited<ReturnType<typeof testAdmin>> | undefined
let receiver: OtlpReceiver
const processes: Array<KafkaProcess> = []

const describeProcess = (p: KafkaProcess) =>
  `--- ${p.clientId} (exit ${p.child.exitCode ?? p.child.signalCode ?? "running"}):\n${p.output().slice(-1500)}`

/** A mutation retried with its commandId while the processes settle into their groups (TIMEOUT, UNAVAILABLE). */
const mutate = async (url: string, query: string, variables: Record<string, unknown>, headers: Record<string, string> = {}) => {
  const deadline = Date.now() + 90_000
  for (;;) {
    const response: GraphQLResponse<unknown> | undefined = await gql(url, query, variables, headers).catch(() => undefined)
    const code = response === undefined ? "DROPPED" : errorCode(response)
    if (response !== undefined && code !== "TIMEOUT" && code !== "UNAVAILABLE") return response
    if (Date.now() > deadline) throw new Error(`still ${code} at the deadline\n${processes.map(describeProcess).join("\n")}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

beforeAll(async () => {
  await requireServices()
  admin = await testAdmin(settings)
  receiver = await startOtlpReceiver()
  const otlp = {
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
    OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
    OTEL_BSP_SCHEDULE_DELAY: "100"
  }
  processes.push(
    startProcess(settings, ["handler"], "handler", otlp),
    startProcess(settings, ["projector"], "projector", otlp),
    startProcess(settings, ["bff"], "bff", otlp)
  )
  await processes[2]!.url
  const joined = (group: string) => async () => (await membersOf(admin!, group).catch(() => [])).length === 1
  await eventually(joined(names.handlersGroup), { what: "the handler to join its group", withinMs: 120_000, everyMs: 200 })
  await eventually(joined(names.projectorsGroup), { what: "the projector to join its group", withinMs: 120_000, everyMs: 200 })
}, 240_000)

afterAll(async () => {
  await Promise.all(processes.map((p) => p.stop()))
  await receiver?.close()
  await admin?.disconnect()
  await dropTestData(settings)
}, 120_000)

/** The roles of the process that exported `span`. */
const rolesOf = (span: SpanRecord) => span.resource["low.roles"]

describe("traces: graphql-kafka in three processes", () => {
  it("given a bff, a handler and a projector exporting spans, when one credit is sent with a traceparent, then its spans in all three form one trace, linked through the commands and events topics", {
    timeout: 200_000
  }, async () => {
    const bff = await processes[2]!.url
    const id = `w-${settings.clientId}`
    const opened = await mutate(bff, `mutation ($id: ID) { openWallet(owner: "Ada", id: $id, commandId: "open") { id } }`, { id })
    expect(errorCode(opened)).toBeUndefined()

    const traceId = "0af7651916cd43dd8448eb211c80319c"
    const caller = "b7ad6b7169203331"
    const credited = await mutate(
      bff,
      `mutation ($id: ID!) { credit(walletId: $id, amount: 7, commandId: "credit") { balance } }`,
      { id },
      { traceparent: `00-${traceId}-${caller}-01` }
    )
    expect(credited.body).toEqual({ data: { credit: { balance: 7 } } })

    const commandsTopic = names.topic("wallet-commands")
    const eventsTopic = names.topic("wallet-events")
    // Each process exports on its own schedule: wait for every span the trace should have, from all three.
    const expected = [
      "POST /graphql",
      "route Mutation.credit",
      "wait wallet-events",
      `send ${commandsTopic}`,
      `process ${commandsTopic}`,
      "command wallet",
      "lookup",
      "operate",
      "commit",
      `send ${eventsTopic}`,
      `process ${eventsTopic}`
    ]
    let trace: ReadonlyArray<SpanRecord> = []
    await eventually(
      () => {
        trace = receiver.spans().filter((s) => s.traceId === traceId)
        return expected.every((name) => trace.some((s) => s.name === name))
      },
      { what: `the spans of trace ${traceId} from the bff, the handler and the projector`, withinMs: 30_000, everyMs: 100 }
    ).catch((error: Error) => Promise.reject(new Error(`${error.message}; received: ${trace.map((s) => s.name).join(", ")}`)))

    // The bff: the request, its route, the wait, and the command's message sent.
    const request = spanNamed(trace, "POST /graphql")
    expect(request).toMatchObject({ kind: "server", parentSpanId: caller })
    expect(spanNamed(trace, "route Mutation.credit").parentSpanId).toBe(request.spanId)
    const wait = spanNamed(trace, "wait wallet-events")
    expect(wait.parentSpanId).toBe(spanNamed(trace, "route Mutation.credit").spanId)
    const sendCommand = spanNamed(trace, `send ${commandsTopic}`)
    expect(sendCommand).toMatchObject({ kind: "producer", parentSpanId: wait.spanId })
    expect(sendCommand.attributes).toMatchObject({ "messaging.system": "kafka", "messaging.destination.name": commandsTopic })
    for (const span of [request, wait, sendCommand]) expect(rolesOf(span)).toBe("bff")

    // The handler: the message processed, the command in it, and its events sent.
    const processCommand = spanNamed(trace, `process ${commandsTopic}`)
    expect(processCommand).toMatchObject({ kind: "consumer", parentSpanId: sendCommand.spanId })
    expect(processCommand.attributes).toMatchObject({ "messaging.consumer.group.name": names.handlersGroup })
    const command = spanNamed(trace, "command wallet")
    expect(command.parentSpanId).toBe(processCommand.spanId)
    for (const step of ["lookup", "operate", "commit"]) expect(spanNamed(trace, step).parentSpanId).toBe(command.spanId)
    const sendEvents = spanNamed(trace, `send ${eventsTopic}`)
    expect(sendEvents).toMatchObject({ kind: "producer", parentSpanId: processCommand.spanId })
    for (const span of [processCommand, command, sendEvents]) expect(rolesOf(span)).toBe("handler")

    // The projector: the event processed.
    const processEvent = spanNamed(trace, `process ${eventsTopic}`)
    expect(processEvent).toMatchObject({ kind: "consumer", parentSpanId: sendEvents.spanId })
    expect(rolesOf(processEvent)).toBe("projector")

    expect(new Set(trace.map((s) => s.resource["service.name"]))).toEqual(new Set(["graphql-kafka"]))
    expect(trace.map((s) => s.name).sort()).toEqual([...expected].sort())
  })
})
