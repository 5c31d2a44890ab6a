import { startOtlpReceiver } from "@low/testing/traces"
import { breakdown } from "./stages"

/** How often the projects export their batches of spans, in ms: short, so the spans of a run arrive soon after it. */
const exportDelayMs = 200

/**
 * An OTLP/HTTP receiver for the projects' spans, the environment that makes a project send it a `ratio` of its
 * traces (the whole trace or none of it, decided at the HTTP request), and the stage breakdown of what it got.
 */
export const startTraceCollector = async (ratio: number) => {
  const receiver = await startOtlpReceiver()
  return {
    env: {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
      OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
      OTEL_TRACES_SAMPLER: "parentbased_traceidratio",
      OTEL_TRACES_SAMPLER_ARG: String(ratio),
      OTEL_BSP_SCHEDULE_DELAY: String(exportDelayMs),
      // Room for a second of spans at full sampling: a full queue drops spans, and with them parts of traces.
      OTEL_BSP_MAX_QUEUE_SIZE: "32768"
    },
    /** Resolves once no span has arrived for a few export delays (15 s at most): the run's last batches are in. */
    settled: async () => {
      const deadline = Date.now() + 15_000
      let count = -1,
        quietSince = Date.now()
      while (Date.now() < deadline) {
        const now = receiver.spans().length
        if (now !== count) {
          count = now
          quietSince = Date.now()
        } else if (Date.now() - quietSince >= 5 * exportDelayMs) return
        await new Promise((resolve) => setTimeout(resolve, exportDelayMs)) // polled: the receiver has no "caught up" signal
      }
    },
    /** The stage breakdown of the traced mutations among those the load timed (`latencyMs`, by commandId). */
    breakdown: (latencyMs: ReadonlyMap<string, number>) => breakdown(receiver.spans(), latencyMs),
    close: () => receiver.close()
  }
}

export type TraceCollector = Awaited<ReturnType<typeof startTraceCollector>>
