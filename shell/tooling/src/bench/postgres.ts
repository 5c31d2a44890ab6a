// Commands per second and latency of wallet commands on Postgres: this project's executor beside a raw-SQL
// baseline and Emmett, on one database, with synchronous_commit on. Run: pnpm bench postgres
// Settings: DATABASE_URL (the server), BENCH_COMMANDS (per contender, default 20000), BENCH_CONCURRENCY (16),
// BENCH_WALLETS (1000), BENCH_ONLY (comma-separated subset of raw,low,emmett).
import { performance } from "node:perf_hooks"
import pg from "pg"
import { emmettContender, executorContender, rawSqlContender, type BenchCommand, type Contender } from "./postgres-contenders"
import { createTestDatabase } from "@low/postgres/testing"

const setting = (name: string, fallback: number) => Number(process.env[name] ?? fallback)
const total = setting("BENCH_COMMANDS", 20_000)
const concurrency = setting("BENCH_CONCURRENCY", 16)
const walletCount = setting("BENCH_WALLETS", 1_000)

/** A deterministic stream of credits and debits over the wallets, so every contender gets the same work. */
const workload = (prefix: string): { opens: Array<BenchCommand>; commands: Array<BenchCommand> } => {
  let seed = 42
  const next = () => (seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0) / 2 ** 32
  const ids = Array.from({ length: walletCount }, (_, i) => `${prefix}-${i}`)
  const opens = ids.flatMap(
    (walletId): Array<BenchCommand> => [
      { _tag: "OpenWallet", walletId, owner: "bench" },
      { _tag: "Credit", walletId, amount: 1_000_000 }
    ]
  )
  const commands = Array.from({ length: total }, (): BenchCommand => {
    const walletId = ids[Math.floor(next() * ids.length)]!
    const amount = 1 + Math.floor(next() * 100)
    return next() < 0.5 ? { _tag: "Credit", walletId, amount } : { _tag: "Debit", walletId, amount }
  })
  return { opens, commands }
}

interface Sample {
  readonly latencies: Array<number>
  seconds: number
  cpuMs: number
  count: number
}

/** Runs the commands with `width` in flight, adding each one's latency, the wall time and the client CPU to `into`. */
const drive = async (contender: Contender, commands: ReadonlyArray<BenchCommand>, width: number, into?: Sample) => {
  let next = 0
  const cpu = process.cpuUsage()
  const started = performance.now()
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < commands.length) {
        const command = commands[next++]!
        const t0 = performance.now()
        await contender.run(command)
        into?.latencies.push(performance.now() - t0)
      }
    })
  )
  if (into === undefined) return
  const used = process.cpuUsage(cpu)
  into.seconds += (performance.now() - started) / 1000
  into.cpuMs += (used.user + used.system) / 1000
  into.count += commands.length
}

const summary = (s: Sample) => {
  const sorted = Float64Array.from(s.latencies).sort()
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!
  return { perSecond: s.count / s.seconds, p50: at(0.5), p99: at(0.99), clientCpu: s.cpuMs / s.count }
}

/** Every wallet gets its stream and a balance before the clock starts, then a short warm-up. */
const prepare = async (contender: Contender, prefix: string) => {
  const { opens, commands } = workload(prefix)
  for (const [i, command] of opens.entries()) if (i % 2 === 0) await contender.run(command)
  await drive(
    contender,
    opens.filter((_, i) => i % 2 === 1),
    concurrency
  )
  await drive(contender, commands.slice(0, Math.min(1_000, total)), concurrency)
  return commands
}

// The contenders take turns in rounds, so that load from elsewhere on the machine falls on all of them alike.
const rounds = 5

const main = async () => {
  const db = await createTestDatabase()
  const admin = new pg.Client({ connectionString: db.url })
  await admin.connect()
  const {
    rows: [{ synchronous_commit }]
  } = await admin.query("show synchronous_commit")
  await admin.end()
  const contenders: Array<[string, () => Promise<Contender>]> = [
    ["raw", () => rawSqlContender(db.url, concurrency)],
    ["low", () => executorContender(db.url, concurrency)],
    ["emmett", () => emmettContender(db.url)]
  ]
  const only = process.env["BENCH_ONLY"]?.split(",")
  const chosen = contenders.filter(([prefix]) => only === undefined || only.includes(prefix))
  const running: Array<{ contender: Contender; commands: ReadonlyArray<BenchCommand>; sample: Sample }> = []
  try {
    for (const [prefix, make] of chosen) {
      const contender = await make()
      running.push({ contender, commands: await prepare(contender, prefix), sample: { latencies: [], seconds: 0, cpuMs: 0, count: 0 } })
    }
    const size = Math.ceil(total / rounds)
    for (let round = 0; round < rounds; round++)
      for (const { contender, commands, sample } of running)
        await drive(contender, commands.slice(round * size, (round + 1) * size), concurrency, sample)
    report(
      running.map(({ contender, sample }) => ({ name: contender.name, ...summary(sample) })),
      String(synchronous_commit)
    )
  } finally {
    for (const { contender } of running) await contender.close()
    // Emmett keeps pools of its own without an error listener; the forced drop kills their connections.
    process.on("uncaughtException", (error: { code?: string }) => {
      if (error.code !== "57P01") throw error
    })
    await db.drop()
  }
}

const report = (
  rows: ReadonlyArray<{ name: string; perSecond: number; p50: number; p99: number; clientCpu: number }>,
  synchronousCommit: string
) => {
  const raw = rows.find((r) => r.name === "raw SQL baseline")?.perSecond ?? Number.NaN
  console.log(`\n${total} credits/debits over ${walletCount} wallets, ${concurrency} in flight, synchronous_commit=${synchronousCommit}\n`)
  console.log("| contender | commands/s | p50 ms | p99 ms | cost vs raw SQL | client CPU ms/command |")
  console.log("|---|---:|---:|---:|---:|---:|")
  for (const r of rows) {
    const cells = [r.perSecond.toFixed(0), r.p50.toFixed(2), r.p99.toFixed(2), `${(raw / r.perSecond).toFixed(2)}×`, r.clientCpu.toFixed(3)]
    console.log(`| ${r.name} | ${cells.join(" | ")} |`)
  }
}

await main()
