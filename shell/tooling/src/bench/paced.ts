import { Agent, request } from "node:http"
import { performance } from "node:perf_hooks"
import type { GraphqlRequest } from "./load"

export interface PacedTarget {
  readonly url: string
  /** Requests per second, spaced evenly. */
  readonly rate: number
  readonly seconds: number
  /** The most requests in flight at once; one due while all are busy waits, and its wait counts. */
  readonly connections: number
}

export interface PacedResult {
  readonly sent: number
  readonly seconds: number
  /** Milliseconds from when each answered request was due to its answer, ascending. */
  readonly latencies: Float64Array
  readonly non2xx: number
  readonly errors: number
}

/**
 * An open-model load: request n is due at start + n / rate whatever happened to those before it, and its latency
 * counts from when it was due, so a slow answer neither delays the next requests nor hides its own queueing (no
 * coordinated omission). autocannon's rate limit, by contrast, lets each connection send its quota for the second
 * as fast as it can at the top of every second: a burst at saturation, then silence.
 */
export const pacedLoad = (
  target: PacedTarget,
  body: (n: number) => GraphqlRequest,
  answered: (body: string) => void = () => undefined
): Promise<PacedResult> =>
  new Promise((resolve) => {
    const agent = new Agent({ keepAlive: true, maxSockets: target.connections })
    const total = Math.round(target.rate * target.seconds)
    const interval = 1000 / target.rate
    const latencies: Array<number> = []
    let sent = 0
    let settled = 0
    let non2xx = 0
    let errors = 0
    const start = performance.now()

    const done = () => {
      if (++settled < total) return
      agent.destroy()
      resolve({
        sent,
        seconds: (performance.now() - start) / 1000,
        latencies: Float64Array.from(latencies).sort(),
        non2xx,
        errors
      })
    }

    const fire = (n: number) => {
      const due = start + n * interval
      const payload = JSON.stringify(body(n))
      const req = request(
        target.url,
        {
          agent,
          method: "POST",
          headers: { "content-type": "application/json", "content-length": Buffer.byteLength(payload) }
        },
        (res) => {
          let text = ""
          res.setEncoding("utf8")
          res.on("data", (chunk: string) => (text += chunk))
          res.on("end", () => {
            latencies.push(performance.now() - due)
            if (res.statusCode === undefined || res.statusCode < 200 || res.statusCode >= 300) non2xx++
            answered(text)
            done()
          })
        }
      )
      req.on("error", () => {
        errors++
        done()
      })
      req.end(payload)
    }

    // Every millisecond, send whatever has fallen due: even spacing without a timer per request.
    const tick = () => {
      const due = Math.min(total, Math.floor((performance.now() - start) / interval) + 1)
      while (sent < due) fire(sent++)
      if (sent === total) clearInterval(timer)
    }
    const timer = setInterval(tick, 1)
    tick()
  })

/** The q-quantile of ascending values. */
export const quantile = (sorted: Float64Array, q: number) =>
  sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!
