// `pnpm bench catch-up`: how long the handlers of graphql-kafka take to catch their state in Redis up from the events
// topics (what they do when Redis restarted empty): 100,000 wallet events, each ending a commit with its record, as
// the handler writes them, read back into an empty Redis prefix by `replayHandlerState`, three times.
import { Effect } from "effect"
import { wallet } from "@low/functions"
import { namesOf, replayHandlerState } from "@low/kafka"
import { dropTestData, requireServices, sendRaw, testAdmin, testSettings } from "@low/kafka/testing"

const wallets = 20_000
const perWallet = 5 // an open and four credits of 10: each its own commit
const settings = testSettings("bench-catch-up", { partitions: 8 })
const topic = namesOf(settings).topic("wallet-events")

/** The events topic message of `wallet`'s `version`-th event, with its commit's record, as a handler publishes it. */
const message = (w: number, version: number) => {
  const walletId = `w${w}`
  const stream = `wallet-${walletId}`
  const commandId = `c-${w}-${version}`
  const command = version === 1 ? { _tag: "OpenWallet", owner: "bench", walletId } : { _tag: "Credit", amount: 10, walletId }
  const event =
    version === 1
      ? { _tag: "WalletOpened", walletId, owner: "bench" }
      : { _tag: "WalletCredited", walletId, amount: 10, balanceAfter: 10 * (version - 1) }
  const state = { walletId, owner: "bench", balance: 10 * (version - 1) }
  return {
    key: walletId,
    value: JSON.stringify({
      id: `${stream}@${version}`,
      stream,
      version,
      event,
      commandId,
      at: "2026-01-01T00:00:00.000Z",
      position: w * perWallet + version,
      commit: {
        entity: `wallet/${walletId}`,
        accepted: JSON.stringify({ f: JSON.stringify(command), t: [[stream, version]] }),
        claims: [],
        states: [[stream, version, JSON.stringify(state)]]
      }
    })
  }
}

await requireServices()
const admin = await testAdmin(settings)
await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: settings.partitions }] })
await admin.disconnect()
try {
  const messages = Array.from({ length: wallets }, (_, w) => Array.from({ length: perWallet }, (_, v) => message(w, v + 1))).flat()
  await sendRaw(settings, topic, messages)
  console.log(`## graphql-kafka: the handlers' state caught up from ${messages.length.toLocaleString("en")} events\n`)
  console.log("| round | events read | seconds | events/s |")
  console.log("|---:|---:|---:|---:|")
  for (let round = 1; round <= 3; round++) {
    // An empty Redis prefix each round, as after a restart.
    const fresh = { ...settings, redisPrefix: `${settings.redisPrefix}round-${round}:` }
    const started = performance.now()
    const read = await Effect.runPromise(replayHandlerState([wallet], fresh))
    const seconds = (performance.now() - started) / 1000
    console.log(`| ${round} | ${read.toLocaleString("en")} | ${seconds.toFixed(1)} | ${Math.round(read / seconds).toLocaleString("en")} |`)
  }
} finally {
  await dropTestData(settings)
}
process.exit(0)
