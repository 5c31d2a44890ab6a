// Tracing as an operator configures it, with the standard OTEL_* variables, on the project as `pnpm start` runs it.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest"
import { eventually, gql, listening, type ProjectProcess, spawnProject } from "@low/testing"
import { type OtlpReceiver, spanNamed, startOtlpReceiver } from "@low/testing/traces"

let receiver: OtlpReceiver
beforeAll(async () => {
  receiver = await startOtlpReceiver()
})
afterAll(() => receiver?.close())

const started: Array<ProjectProcess> = []
afterEach(async () => {
  await Promise.all(started.splice(0).map((p) => p.stop("SIGKILL")))
})

const start = async (env: Record<string, string>) => {
  const project = spawnProject("in-memory", {
    env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_BSP_SCHEDULE_DELAY: "50", ...env }
  })
  started.push(project)
  return { project, url: await listening(project) }
}

const open = (url: string, id: string, headers: Record<string, string> = {}) =>
  gql(url, 'mutation ($id: ID!) { openWallet(owner: "Ada", id: $id) { id } }', { id }, headers)

describe("OTLP export from in-memory", () => {
  it("given OTLP/JSON, a service name and debug logs, when a mutation is sent, then its spans reach the collector under that name, and its log lines name its trace", {
    timeout: 120_000
  }, async () => {
    const { project, url } = await start({ OTEL_EXPORTER_OTLP_PROTOCOL: "http/json", OTEL_SERVICE_NAME: "wallets-eu", LOG_LEVEL: "Debug" })
    const traceId = "5bf92f3577b34da6a3ce929d0e0e4736"
    expect((await open(url, `otlp-${Date.now()}`, { traceparent: `00-${traceId}-00f067aa0ba902b7-01` })).body.errors).toBeUndefined()

    await eventually(() => receiver.spans().some((s) => s.traceId === traceId && s.name === "POST /graphql"), {
      what: "the request's span at the collector"
    })
    const trace = receiver.spans().filter((s) => s.traceId === traceId)
    expect(spanNamed(trace, "POST /graphql").resource["service.name"]).toBe("wallets-eu")
    expect(receiver.requests().every((r) => r.path === "/v1/traces")).toBe(true)

    // The executor's debug line for the command was logged inside its span.
    const command = trace.find((s) => s.name.startsWith("command "))
    const line = project
      .output()
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as { message: unknown; annotations: Record<string, unknown> })
      .find((l) => l.message === "command" && l.annotations["traceId"] === traceId)
    expect(line?.annotations).toMatchObject({ traceId, spanId: command?.spanId, outcome: "Applied" })
  })

  it("given no protocol named, when a mutation is sent, then spans are exported as OTLP/protobuf, the specification's default", {
    timeout: 120_000
  }, async () => {
    const before = receiver.requests().length
    const { url } = await start({})
    expect((await open(url, `otlp-proto-${Date.now()}`)).body.errors).toBeUndefined()
    await eventually(
      () =>
        receiver
          .requests()
          .slice(before)
          .some((r) => r.contentType === "application/x-protobuf" && r.bytes > 0),
      {
        what: "a protobuf export at the collector"
      }
    )
    expect(
      receiver
        .requests()
        .slice(before)
        .every((r) => r.path === "/v1/traces")
    ).toBe(true)
  })

  it("given a sampler that keeps only traces a caller sampled, when a request without a traceparent and then one with a sampled traceparent are sent, then only the second is exported", {
    timeout: 120_000
  }, async () => {
    const service = `sampled-${Date.now()}`
    const { url } = await start({
      OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
      OTEL_SERVICE_NAME: service,
      OTEL_TRACES_SAMPLER: "parentbased_always_off"
    })
    expect((await open(url, `unsampled-${Date.now()}`)).body.errors).toBeUndefined()
    const traceId = "7bf92f3577b34da6a3ce929d0e0e4736"
    expect((await open(url, `sampled-${Date.now()}`, { traceparent: `00-${traceId}-00f067aa0ba902b7-01` })).body.errors).toBeUndefined()
    const ours = () => receiver.spans().filter((s) => s.resource["service.name"] === service)
    await eventually(() => ours().some((s) => s.name === "POST /graphql"), { what: "the sampled request's span" })
    // Spans are exported in the order they end: had the first request been sampled, its spans would be here by now.
    expect(new Set(ours().map((s) => s.traceId))).toEqual(new Set([traceId]))
  })

  it("given an export delay longer than the test, when the process gets SIGTERM after a mutation, then it exits 0 having sent its spans", {
    timeout: 120_000
  }, async () => {
    const { project, url } = await start({ OTEL_EXPORTER_OTLP_PROTOCOL: "http/json", OTEL_BSP_SCHEDULE_DELAY: "600000" })
    const traceId = "8bf92f3577b34da6a3ce929d0e0e4736"
    expect((await open(url, `flushed-${Date.now()}`, { traceparent: `00-${traceId}-00f067aa0ba902b7-01` })).body.errors).toBeUndefined()
    project.child.kill("SIGTERM")
    expect(await project.exited).toBe(0)
    const trace = receiver.spans().filter((s) => s.traceId === traceId)
    expect(trace.map((s) => s.name)).toContain("POST /graphql")
    expect(trace.map((s) => s.name)).toContain("commit")
  })

  it("given a protocol it cannot speak, when the project starts, then it stops at once naming the ones it can", {
    timeout: 120_000
  }, async () => {
    const project = spawnProject("in-memory", {
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: "grpc" }
    })
    started.push(project)
    expect(await project.exited).not.toBe(0)
    // The error is in a JSON log line, its quotes escaped.
    expect(project.output()).toContain('OTLP protocol \\"grpc\\" is not supported: use http/protobuf or http/json')
  })
})
