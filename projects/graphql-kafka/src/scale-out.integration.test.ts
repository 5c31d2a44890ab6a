import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { namesOf } from "@low/kafka"
import { dropTestData, membersOf, ownerOf, partitionsWithData, requireServices, testAdmin, testSettings } from "@low/kafka/testing"
import { eventually } from "@low/testing"
import { errorCode, gql, type GraphQLResponse } from "@low/testing"
import { startProcess, type KafkaProcess } from "./testing/processes"

const settings = testSettings("scale")
const names = namesOf(settings)
let admin: Awaited<ReturnType<typeof testAdmin>> | undefined
const processes: Array<KafkaProcess> = []

const WALLET = `query ($id: ID!, $after: String) { wallet(id: $id) { balance version
  transactions(first: 100, after: $after) { items { kind commandId } nextCursor } } }`
const DEBIT = `mutation ($id: ID!, $c: ID) { debit(walletId: $id, amount: 1, commandId: $c) { balance } }`

/** Waits for `check` to hold (a check that throws has not), or fails with `what` after `ms`. */
const until = (what: string, check: () => Promise<boolean>, ms = 60_000) =>
  eventually(() => check().catch(() => false), { what, withinMs: ms, everyMs: 200 })

/** How a child process stands, for a failure message: its exit and the tail of its output. */
const describeProcess = (p: KafkaProcess) =>
  `--- ${p.clientId} (exit ${p.child.exitCode ?? p.child.signalCode ?? "running"}):\n${p.output().slice(-1500)}`

/** A mutation retried with its commandId on TIMEOUT, UNAVAILABLE or a dropped connection, as the contract allows. */
const mutate = async (url: string, query: string, variables: Record<string, unknown>): Promise<GraphQLResponse<unknown>> => {
  const deadline = Date.now() + 150_000
  for (;;) {
    const response = await gql(url, query, variables).catch(() => undefined)
    const code = response === undefined ? "DROPPED" : errorCode(response)
    if (response !== undefined && code !== "TIMEOUT" && code !== "UNAVAILABLE") return response
    if (Date.now() > deadline)
      throw new Error(`${String(variables["c"])} still ${code} at the deadline\n${processes.map(describeProcess).join("\n")}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

beforeAll(async () => {
  await requireServices()
  admin = await testAdmin(settings)
  processes.push(
    startProcess(settings, ["handler"], "handler-1"),
    startProcess(settings, ["handler"], "handler-2"),
    startProcess(settings, ["projector"], "projector"),
    startProcess(settings, ["bff"], "bff-1"),
    startProcess(settings, ["bff"], "bff-2")
  )
  await Promise.all(processes.filter((p) => p.clientId.includes("bff")).map((p) => p.url))
  await until("both handlers to own partitions", async () => (await membersOf(admin!, names.handlersGroup)).length === 2, 120_000)
  await until("the projector to own partitions", async () => (await membersOf(admin!, names.projectorsGroup)).length === 1, 120_000)
}, 240_000)

afterAll(async () => {
  await Promise.all(processes.map((p) => p.stop()))
  await admin?.disconnect()
  await dropTestData(settings)
}, 120_000)

describe("graphql-kafka scaled out: 2 handler processes, 2 bffs, a projector", () => {
  it("given a balance of 500, when 1000 debits of 1 arrive over both bffs and the handler owning the wallet is killed mid-load, then exactly 500 succeed and each is applied once", {
    timeout: 300_000
  }, async () => {
    const bffs = await Promise.all(processes.filter((p) => p.clientId.includes("bff")).map((p) => p.url))
    const id = `w-${settings.clientId}`
    expect(
      errorCode(await mutate(bffs[0]!, `mutation ($id: ID) { openWallet(owner: "Ada", id: $id, commandId: "open") { id } }`, { id }))
    ).toBeUndefined()
    expect(
      errorCode(await mutate(bffs[1]!, `mutation ($id: ID!) { credit(walletId: $id, amount: 500, commandId: "fund") { id } }`, { id }))
    ).toBeUndefined()

    const [partition] = await partitionsWithData(admin!, names.topic("wallet-commands"))
    const owner = await ownerOf(admin!, names.handlersGroup, names.topic("wallet-commands"), partition!)
    const victim = processes.find((p) => p.clientId === owner)
    expect(victim, `the owner of partition ${partition} is one of our handlers`).toBeDefined()

    let answered = 0
    const killed = new Promise<void>((resolve) => {
      const check = setInterval(() => {
        if (answered < 100) return
        clearInterval(check)
        victim!.child.kill("SIGKILL")
        resolve()
      }, 5)
    })
    const outcomes = await Promise.all(
      Array.from({ length: 1000 }, async (_, i) => {
        const commandId = `debit-${i}`
        const response = await mutate(bffs[i % 2]!, DEBIT, { id, c: commandId })
        answered++
        return { commandId, code: errorCode(response) ?? "OK" }
      })
    )
    await killed
    expect(victim!.child.signalCode).toBe("SIGKILL")

    const tally: Record<string, number> = {}
    for (const { code } of outcomes) tally[code] = (tally[code] ?? 0) + 1
    expect(tally).toEqual({ OK: 500, INSUFFICIENT_FUNDS: 500 })

    // Every acknowledged debit is in the history exactly once, and nothing else is.
    const history: Array<{ kind: string; commandId: string }> = []
    let after: string | null = null
    let wallet: { balance: number; version: number } | undefined
    do {
      const page: GraphQLResponse<{
        wallet: { balance: number; version: number; transactions: { items: typeof history; nextCursor: string | null } }
      }> = await gql(bffs[1]!, WALLET, { id, after })
      const data = page.body.data!.wallet
      wallet ??= data
      history.push(...data.transactions.items)
      after = data.transactions.nextCursor
    } while (after !== null)
    expect(wallet).toEqual(expect.objectContaining({ balance: 0, version: 502 }))
    const debits = history.filter((t) => t.kind === "DEBIT").map((t) => t.commandId)
    expect(debits).toHaveLength(500)
    expect(new Set(debits)).toEqual(new Set(outcomes.filter((o) => o.code === "OK").map((o) => o.commandId)))
    expect(history).toHaveLength(501)
  })
})
