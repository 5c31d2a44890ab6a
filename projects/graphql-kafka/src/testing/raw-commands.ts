import { randomUUID } from "node:crypto"
import { namesOf, type KafkaSettings } from "@low/kafka"
import { readTopic, sendRaw, subscribed, testAdmin } from "@low/kafka/testing"
import { eventually } from "@low/testing"

/** A reply as the handlers send it: Applied or Duplicate (the command is in the log), or Rejected with its error. */
export interface RawReply {
  readonly _tag: "Applied" | "Duplicate" | "Rejected"
  readonly error?: { readonly _tag: string }
}

/** One command sent straight to its commands topic: which delivery it is, to match its replies. */
export interface SentCommand {
  readonly commandId: string
  readonly attempt: string
}

/**
 * A client of the handlers that skips the bff: it writes wallet commands to the commands topic itself, several in
 * one request when asked (so they come to the handler as one batch), and hears every reply sent for them, each
 * one, so a test sees what any process answered, not only the first answer.
 */
export const rawWalletClient = async (settings: KafkaSettings) => {
  const channel = `${settings.redisPrefix}replies:raw-client`
  const replies = new Map<string, Array<RawReply>>()
  const unsubscribe = await subscribed(settings.redisUrl, channel, (message) => {
    const { attempt, reply } = JSON.parse(message) as { attempt: string; reply: RawReply }
    replies.set(attempt, [...(replies.get(attempt) ?? []), reply])
  })
  const topic = namesOf(settings).topic("wallet-commands")

  /** Sends `commands` (each with its commandId) in one request, in order. */
  const send = async (commands: ReadonlyArray<{ readonly command: { readonly walletId: string }; readonly commandId: string }>) => {
    const sent = commands.map(({ command, commandId }) => ({
      command,
      commandId,
      attempt: randomUUID()
    }))
    await sendRaw(
      settings,
      topic,
      sent.map(({ command, commandId, attempt }) => ({
        key: command.walletId,
        value: JSON.stringify({
          handler: "wallet",
          command,
          envelope: { commandId, at: new Date().toISOString(), freshId: randomUUID() },
          attempt,
          replyTo: channel
        })
      }))
    )
    return sent.map(({ commandId, attempt }): SentCommand => ({ commandId, attempt }))
  }

  /** Every reply heard for `command` so far. */
  const repliesOf = (command: SentCommand) => replies.get(command.attempt) ?? []

  /** The first reply to each of `commands`, once every one has one. */
  const answers = async (commands: ReadonlyArray<SentCommand>, withinMs = 90_000) => {
    await eventually(() => commands.every((c) => repliesOf(c).length > 0), {
      what: `replies to ${commands.length} commands`,
      withinMs,
      everyMs: 50
    })
    return commands.map((c) => repliesOf(c)[0]!)
  }

  return { send, repliesOf, answers, close: unsubscribe }
}

/** What a reply says of its command: in the log, or refused with which error. */
export const verdictOf = (reply: RawReply) => (reply._tag === "Rejected" ? (reply.error?._tag ?? "Rejected") : "applied")

/** An event of the wallet events topic, as the tests check the log. */
export interface LoggedEvent {
  readonly id: string
  readonly stream: string
  readonly version: number
  readonly commandId: string
  readonly event: {
    readonly _tag: string
    readonly amount?: number
    readonly balanceAfter?: number
    readonly customerId?: string
    readonly email?: string
  }
}

/** Every event the wallet events topic holds now. */
export const walletLog = (settings: KafkaSettings) => eventLog(settings, "wallet-events")

/** Every event the events topic of `channel` holds now. */
export const eventLog = async (settings: KafkaSettings, channel: string) => {
  const topic = namesOf(settings).topic(channel)
  const admin = await testAdmin(settings)
  const offsets = await admin.fetchTopicOffsets(topic).finally(() => admin.disconnect())
  const count = offsets.reduce((n, p) => n + Number(BigInt(p.high) - BigInt(p.low)), 0)
  return (await readTopic(settings, topic, count)).map(({ value }) => JSON.parse(value!) as LoggedEvent)
}

/**
 * The log's history of each stream, checked: each version has one event (the same event read twice is the same id,
 * a fork would be two ids), versions run from 1 without a gap. Answers each stream's events in version order, and
 * the events the log holds more than once (published again: harmless to readers, but a sign of who wrote).
 */
export const historyOf = (events: ReadonlyArray<LoggedEvent>) => {
  const streams = new Map<string, Map<number, LoggedEvent>>()
  const forks: Array<string> = []
  const seen = new Set<string>()
  const repeated: Array<string> = []
  for (const e of events) {
    if (seen.has(e.id)) repeated.push(e.id)
    seen.add(e.id)
    const versions = streams.get(e.stream) ?? new Map<number, LoggedEvent>()
    const held = versions.get(e.version)
    if (held !== undefined && held.id !== e.id) forks.push(`${e.stream}@${e.version}: ${held.commandId} and ${e.commandId}`)
    versions.set(e.version, e)
    streams.set(e.stream, versions)
  }
  const gaps = [...streams].flatMap(([stream, versions]) =>
    [...versions.keys()].sort((a, b) => a - b).flatMap((v, i) => (v === i + 1 ? [] : [`${stream} has version ${v} at place ${i + 1}`]))
  )
  const history = new Map([...streams].map(([stream, versions]) => [stream, [...versions.values()].sort((a, b) => a.version - b.version)]))
  return { forks, gaps, history, repeated }
}
