import autocannon from "autocannon"
import { graphqlLoad } from "../bench/load"
import { codeOf, post, type Answer } from "./graphql"
import type { CompareOptions } from "./options"
import { mutationOf, type Sent } from "./workload"

/** What one project did under the load: every latency, every answer's code, and which commands it accepted. */
export interface Driven {
  readonly seconds: number
  readonly latencies: Array<number>
  /** Each answered mutation's latency, by commandId, as this side measured it (from its request's setup). */
  readonly latencyOf: ReadonlyMap<string, number>
  readonly codes: Record<string, number>
  /** Accepted mutations, with the customer id for invites and the transfer for transfers. */
  readonly accepted: Array<{ readonly sent: Sent; readonly customerId?: string; readonly transfer?: Transfer }>
}

/** A transfer as its mutation answered it. */
export interface Transfer {
  readonly id: string
  readonly status: string
}

interface Connection {
  pending?: Sent
  sentAt?: number
}

const settledCodes = new Set(["OK", "INSUFFICIENT_FUNDS", "BALANCE_LIMIT", "ALREADY_INVITED", "WALLET_NOT_FOUND"])

/** Drives `url` with autocannon; `live` is called about once a second with the requests done so far. */
export const drive = async (
  url: string,
  options: CompareOptions,
  next: (n: number) => Sent,
  live: (done: number) => void,
  onInstance: (stop: () => void) => void
): Promise<Driven> => {
  const latencies: Array<number> = []
  const latencyOf = new Map<string, number>()
  const codes: Record<string, number> = {}
  const accepted: Driven["accepted"] = []
  const unsettled = new Map<string, Sent>()
  const settle = (sent: Sent, answer: Answer, counted = true) => {
    const code = codeOf(answer)
    if (counted) codes[code] = (codes[code] ?? 0) + 1
    if (!settledCodes.has(code)) return false
    unsettled.delete(sent.commandId)
    const customerId = (answer.data?.["inviteCustomer"] as { id?: string } | undefined)?.id
    const transfer = answer.data?.["transfer"] as Transfer | undefined
    if (code === "OK")
      accepted.push(customerId !== undefined ? { sent, customerId } : transfer !== undefined ? { sent, transfer } : { sent })
    return true
  }
  const started = performance.now()
  let finished: (result: autocannon.Result) => void = () => {}
  const done = new Promise<autocannon.Result>((resolve) => (finished = resolve))
  const load = graphqlLoad(
    { url, connections: options.connections, seconds: options.seconds, rate: options.rate },
    (n, connection) => {
      const sent = next(n)
      ;(connection as Connection).pending = sent
      // autocannon sets a request up just before it writes it (the first of a connection, before it connects).
      ;(connection as Connection).sentAt = performance.now()
      unsettled.set(sent.commandId, sent)
      return mutationOf(sent)
    },
    (body, connection) => {
      const { pending: sent, sentAt } = connection as Connection
      if (sent === undefined) return
      if (sentAt !== undefined) latencyOf.set(sent.commandId, performance.now() - sentAt)
      settle(sent, JSON.parse(body) as Answer)
    }
  )
  const instance = autocannon(load, (_error, result) => finished(result))
  onInstance(() => instance.stop())
  instance.on("response", (_client, _status, _bytes, ms) => latencies.push(ms))
  const ticker = setInterval(() => live(latencies.length), 1000)
  await done
  clearInterval(ticker)
  const seconds = (performance.now() - started) / 1000
  // Answers lost to time-outs or cut connections are asked again with the same commandId: the contract makes that
  // safe, and it tells whether the command was applied.
  for (const sent of [...unsettled.values()]) {
    for (let attempt = 1; attempt <= 20; attempt++) {
      const answer = await post(url, mutationOf(sent)).catch((): Answer => ({ errors: [{ message: "no answer" }] }))
      if (settle(sent, answer, false)) break
      await new Promise((resolve) => setTimeout(resolve, 100 * attempt)) // back off before asking again
    }
  }
  return { seconds, latencies, latencyOf, codes, accepted }
}
