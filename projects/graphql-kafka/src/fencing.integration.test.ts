import { afterAll, describe, expect, it } from "vitest"
import { fastRebalance, namesOf, type KafkaSettings } from "@low/kafka"
import { dropTestData, ownerOf, requireServices, testAdmin, testSettings } from "@low/kafka/testing"
import { eventually } from "@low/testing"
import { startProcess, type KafkaProcess } from "./testing/processes"
import { historyOf, rawWalletClient, verdictOf, walletLog, type SentCommand } from "./testing/raw-commands"

// A handler that loses its partition while it is paused (past its session, as a GC pause, SIGSTOP or a stuck call
// would keep it) must write nothing more for it: no commit, no event, no reply. These tests pause one for real,
// let a second handler take the partition over and move the wallet on, then let the first go on, and check that
// every answer anybody sent agrees with the log, and that the log kept the commands' order.

const started: Array<{ settings: KafkaSettings; processes: Array<KafkaProcess> }> = []
afterAll(async () => {
  for (const { settings, processes } of started) {
    await Promise.all(processes.map((p) => p.stop("SIGKILL")))
    await dropTestData(settings)
  }
}, 120_000)

const wallet = (walletId: string) => ({
  open: (commandId: string) => ({ command: { _tag: "OpenWallet", walletId, owner: "Ada" }, commandId }),
  credit: (amount: number, commandId: string) => ({ command: { _tag: "Credit", walletId, amount }, commandId }),
  debit: (amount: number, commandId: string) => ({ command: { _tag: "Debit", walletId, amount }, commandId })
})

/** How each process stands, for a failure message. */
const report = (processes: ReadonlyArray<KafkaProcess>) =>
  processes
    .map((p) => `--- ${p.clientId} (exit ${p.child.exitCode ?? p.child.signalCode ?? "running"}):\n${p.output().slice(-2000)}`)
    .join("\n")

/**
 * One deployment's handlers on a commands topic of one partition (so which handler owns the wallet is plain): the
 * first, `paused`, started with `env`; a raw client of the topic; and a way to wait for a handler to own it.
 */
const setUp = async (label: string, env: Record<string, string> = {}, overrides: Partial<KafkaSettings> = {}) => {
  await requireServices()
  const settings = testSettings(label, { partitions: 1, ...overrides })
  const processes: Array<KafkaProcess> = []
  started.push({ settings, processes })
  const admin = await testAdmin(settings)
  const owns = (p: KafkaProcess) =>
    eventually(
      async () => (await ownerOf(admin, namesOf(settings).handlersGroup, namesOf(settings).topic("wallet-commands"), 0)) === p.clientId,
      { what: `${p.clientId} to own the commands partition\n${report(processes)}`, withinMs: 120_000, everyMs: 100 }
    )
  const paused = startProcess(settings, ["handler"], "paused", env)
  processes.push(paused)
  await owns(paused)
  const client = await rawWalletClient(settings)
  const startAnother = async () => {
    const next = startProcess(settings, ["handler"], "next")
    processes.push(next)
    await owns(next)
    return next
  }
  const close = async () => {
    await client.close()
    await admin.disconnect()
  }
  const owner = () => ownerOf(admin, namesOf(settings).handlersGroup, namesOf(settings).topic("wallet-commands"), 0)
  /** How many members the handlers' group has once it is stable (0 while it rebalances). */
  const stableMembers = async () => {
    const [group] = (await admin.describeGroups([namesOf(settings).handlersGroup])).groups
    return group?.state === "Stable" ? group.members.length : 0
  }
  return { settings, processes, paused, client, startAnother, owns, owner, stableMembers, close }
}

/** Waits for `p` to have printed `text`; fails with what every process printed. */
const printedBy = (p: KafkaProcess, text: string, processes: ReadonlyArray<KafkaProcess>) =>
  eventually(() => p.output().includes(text), {
    what: `${p.clientId} to print "${text}"\n${report(processes)}`,
    withinMs: 90_000,
    everyMs: 50
  })

/** Every reply heard for `command`, each as its verdict ("applied", or the rejection's tag). */
const verdicts = (client: Awaited<ReturnType<typeof rawWalletClient>>, command: SentCommand) => client.repliesOf(command).map(verdictOf)

describe("graphql-kafka handlers fenced off the partitions they lost", () => {
  it("given a handler paused after it decided a batch and committed it, before it answered, when another handler takes the partition over and the first goes on, then the refused debit stays refused (it was kept before the credit after it was committed), the credit is applied once, and the first handler writes nothing more", {
    timeout: 300_000
  }, async () => {
    const w = wallet("fence-a")
    const { settings, processes, paused, client, startAnother, close } = await setUp("fence-committed", {
      LOW_TEST_STALL: "committed:credit-after"
    })
    try {
      const [opened, funded] = await client.send([w.open("open"), w.credit(100, "fund")])
      expect((await client.answers([opened!, funded!])).map(verdictOf)).toEqual(["applied", "applied"])

      // One batch: a debit the balance cannot pay, then a credit that would let it pay.
      const [refused, credit] = await client.send([w.debit(150, "debit-before"), w.credit(100, "credit-after")])
      await printedBy(paused, "test hook: stalled at committed:credit-after", processes)
      await startAnother()
      expect((await client.answers([refused!, credit!])).map(verdictOf)).toEqual(["InsufficientFunds", "applied"])

      // The wallet moves on under its new owner; then the paused handler goes on with what it had.
      const [later] = await client.send([w.debit(120, "debit-later")])
      expect((await client.answers([later!])).map(verdictOf)).toEqual(["applied"])
      paused.child.kill("SIGUSR2")
      await printedBy(paused, "another member of the group owns this partition now", processes)

      const { forks, gaps, history, repeated } = historyOf(await walletLog(settings))
      expect(forks).toEqual([])
      expect(gaps).toEqual([])
      // The credit's event went out once: by the new owner, from the outbox; the paused handler sent nothing.
      expect(repeated).toEqual([])
      expect(history.get("wallet-fence-a")!.map((e) => `${e.commandId} ${e.event._tag}`)).toEqual([
        "open WalletOpened",
        "fund WalletCredited",
        "credit-after WalletCredited",
        "debit-later WalletDebited"
      ])
      // Whoever answered, every answer agrees with that history.
      expect(
        verdicts(client, refused!).every((v) => v === "InsufficientFunds"),
        report(processes)
      ).toBe(true)
      expect(
        verdicts(client, credit!).every((v) => v === "applied"),
        report(processes)
      ).toBe(true)
    } finally {
      await close()
    }
  })

  it("given a handler paused right after it decided a command, before anything of it is written, when another handler takes the partition over, decides it and moves the wallet on, then the first one's decisions are refused when it goes on: the log and every answer agree, in the commands' order", {
    timeout: 300_000
  }, async () => {
    const w = wallet("fence-b")
    const { settings, processes, paused, client, startAnother, close } = await setUp("fence-decided", {
      LOW_TEST_STALL: "decided:debit-paused"
    })
    try {
      const [opened, funded] = await client.send([w.open("open"), w.credit(100, "fund")])
      expect((await client.answers([opened!, funded!])).map(verdictOf)).toEqual(["applied", "applied"])

      // The paused handler decides this debit (applied, on a balance of 100) and stops before its commit.
      const [debit, refused] = await client.send([w.debit(80, "debit-paused"), w.debit(50, "debit-refused")])
      await printedBy(paused, "test hook: stalled at decided:debit-paused", processes)
      await startAnother()
      expect((await client.answers([debit!, refused!])).map(verdictOf)).toEqual(["applied", "InsufficientFunds"])
      const [credit] = await client.send([w.credit(500, "credit-later")])
      expect((await client.answers([credit!])).map(verdictOf)).toEqual(["applied"])

      paused.child.kill("SIGUSR2")
      await printedBy(paused, "another member of the group owns this partition now", processes)
      const { forks, gaps, history } = historyOf(await walletLog(settings))
      expect(forks).toEqual([])
      expect(gaps).toEqual([])
      expect(history.get("wallet-fence-b")!.map((e) => `${e.commandId} ${e.event._tag}`)).toEqual([
        "open WalletOpened",
        "fund WalletCredited",
        "debit-paused WalletDebited",
        "credit-later WalletCredited"
      ])
      expect(
        verdicts(client, debit!).every((v) => v === "applied"),
        report(processes)
      ).toBe(true)
      expect(
        verdicts(client, refused!).every((v) => v === "InsufficientFunds"),
        report(processes)
      ).toBe(true)
    } finally {
      await close()
    }
  })

  it("given debits of 1 racing on a balance of 500, when the handler that owns the wallet is SIGSTOPped past its session timeout and another takes over, then SIGCONT, then exactly the first 500 debits in the topic's order are applied, each once, and every answer agrees with the log", {
    timeout: 300_000
  }, async () => {
    const w = wallet("fence-c")
    const { settings, processes, client, owns, owner, stableMembers, close } = await setUp("fence-sigstop")
    try {
      // A second handler in the group from the start, idle (one partition): it takes over when the owner is gone.
      const standby = startProcess(settings, ["handler"], "standby")
      processes.push(standby)
      await eventually(async () => (await stableMembers()) === 2, {
        what: `both handlers in the group\n${report(processes)}`,
        withinMs: 120_000
      })
      const [opened, funded] = await client.send([w.open("open"), w.credit(500, "fund")])
      expect((await client.answers([opened!, funded!])).map(verdictOf)).toEqual(["applied", "applied"])
      const debits = (from: number, to: number) =>
        Array.from({ length: to - from }, (_, i) => w.debit(1, `debit-${String(from + i).padStart(4, "0")}`))
      const sent: Array<SentCommand> = []
      sent.push(...(await client.send(debits(0, 300))))
      await client.answers(sent)
      const owning = await owner()
      const victim = processes.find((p) => p.clientId === owning)
      if (victim === undefined) throw new Error(`no handler of ours owns the partition (${owning})`)
      const stopAfter = client.send(debits(300, 400))
      victim.child.kill("SIGSTOP")
      sent.push(...(await stopAfter))
      await owns(processes.find((p) => p !== victim)!)
      sent.push(...(await client.send(debits(400, 700))))
      victim.child.kill("SIGCONT")
      sent.push(...(await client.send(debits(700, 1000))))
      const answers = await client.answers(sent, 180_000)

      const expected = sent.map((_, i) => (i < 500 ? "applied" : "InsufficientFunds"))
      expect(answers.map(verdictOf)).toEqual(expected)
      // Every answer anybody sent, the paused handler's included, says the same.
      expect(
        sent.filter((c, i) => verdicts(client, c).some((v) => v !== expected[i])).map((c) => c.commandId),
        report(processes)
      ).toEqual([])
      const { forks, gaps, history } = historyOf(await walletLog(settings))
      expect(forks).toEqual([])
      expect(gaps).toEqual([])
      const applied = history
        .get("wallet-fence-c")!
        .filter((e) => e.event._tag === "WalletDebited")
        .map((e) => e.commandId)
      expect(applied).toEqual(sent.slice(0, 500).map((c) => c.commandId))
    } finally {
      await close()
    }
  })

  it("given a handler paused inside a batch for longer than its session timeout (and less than its rebalance timeout), when it goes on, then it kept its partition all along: its heartbeats went on during the batch, and it answers", {
    timeout: 300_000
  }, async () => {
    const w = wallet("fence-d")
    const { processes, paused, client, owner, stableMembers, close } = await setUp(
      "fence-beating",
      { LOW_TEST_STALL: "committed:credit-long" },
      { consumer: { ...fastRebalance, rebalanceTimeout: 30_000 } }
    )
    try {
      const [opened] = await client.send([w.open("open")])
      expect((await client.answers([opened!])).map(verdictOf)).toEqual(["applied"])
      const [credit] = await client.send([w.credit(10, "credit-long")])
      await printedBy(paused, "test hook: stalled at committed:credit-long", processes)
      // Past the session timeout (6 s) and then some, the group keeps its one member, which owns the partition.
      const until = Date.now() + 2 * fastRebalance.sessionTimeout
      await eventually(
        async () => {
          expect(await owner()).toBe(paused.clientId)
          expect(await stableMembers()).toBe(1)
          return Date.now() > until
        },
        { what: "the paused handler to stay in its group past its session timeout", withinMs: 60_000, everyMs: 500 }
      )
      paused.child.kill("SIGUSR2")
      expect((await client.answers([credit!])).map(verdictOf)).toEqual(["applied"])
      expect(paused.output()).not.toContain("another member of the group owns this partition now")
    } finally {
      await close()
    }
  })
})
