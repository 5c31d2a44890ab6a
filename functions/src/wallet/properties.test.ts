import fc from "fast-check"
import { Either, Equal, Option, Schema } from "effect"
import { describe, expect, it } from "vitest"
import {
  AlreadyInvited,
  customerProjector,
  customersByEmailView,
  customersView,
  InviteCustomer,
  operate as operateInvite
} from "../invite-customer/invite"
import type { Projector, StoredEvent, ViewChange } from "../protocol"
import type { WalletCommand } from "./commands"
import type { WalletEvent } from "./events"
import { operate } from "./handler"
import { balanceProjector, transactionsProjector, transactionsView, walletsView } from "./projectors"
import { BalanceLimit, InsufficientFunds, WalletExists, WalletNotFound, type WalletRejection } from "./rejections"
import { fold, maxBalance, streamOf, type WalletState } from "./state"

type Doc = Readonly<Record<string, unknown>>

/**
 * A read side with the shell's rules: a Put or Patch applies only for an event newer than the document,
 * an Add only when its order is new in the collection.
 */
const makeViews = () => {
  const docs = new Map<string, { readonly version: number; readonly doc: Doc }>()
  const collections = new Map<string, Map<number, Doc>>()
  const at = (view: string, key: string) => `${view}\u0000${key}`
  return {
    apply: (changes: ReadonlyArray<ViewChange>, version: number) => {
      for (const change of changes) {
        const key = at(change.view, change.key)
        if (change._tag === "Add") {
          const items = collections.get(key) ?? new Map<number, Doc>()
          collections.set(key, items)
          if (!items.has(change.order)) items.set(change.order, change.item)
          continue
        }
        const current = docs.get(key)
        if (current !== undefined && current.version >= version) continue
        docs.set(key, { version, doc: change._tag === "Put" ? change.doc : { ...current?.doc, ...change.fields } })
      }
    },
    doc: (view: string, key: string) => docs.get(at(view, key))?.doc,
    /** Ascending by order. */
    items: (view: string, key: string) => [...(collections.get(at(view, key)) ?? new Map<number, Doc>())].sort(([a], [b]) => a - b),
    size: (view: string) => [...docs.keys()].filter((key) => key.startsWith(`${view}\u0000`)).length,
    snapshot: () => JSON.stringify([[...docs].sort(), [...collections].map(([k, v]) => [k, [...v].sort(([a], [b]) => a - b)]).sort()])
  }
}

const project = (projectors: ReadonlyArray<Projector<any>>, event: StoredEvent<unknown>) => projectors.flatMap((p) => p.project(event))

// ---------------------------------------------------------------------------------------------------------------
// Wallet

const walletIds = ["a", "b", "c"] as const
// Small amounts make debits succeed; huge ones reach the balance limit within a few credits.
const amount = fc.oneof(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: 1_000_000_000 }), fc.constant(1_000_000_000))
const walletId = fc.constantFrom(...walletIds)
const walletCommand: fc.Arbitrary<WalletCommand> = fc.oneof(
  { weight: 1, arbitrary: fc.record({ _tag: fc.constant("OpenWallet" as const), walletId, owner: fc.constantFrom("Ann", "Bob") }) },
  { weight: 3, arbitrary: fc.record({ _tag: fc.constant("Credit" as const), walletId, amount }) },
  { weight: 3, arbitrary: fc.record({ _tag: fc.constant("Debit" as const), walletId, amount }) }
)

/** Commands after a random few openings, so most of them meet an open wallet. */
const walletCommands = (maxLength: number) =>
  fc
    .tuple(
      fc.subarray(walletIds.map((walletId): WalletCommand => ({ _tag: "OpenWallet", walletId, owner: `owner of ${walletId}` }))),
      fc.array(walletCommand, { minLength: 10, maxLength })
    )
    .map(([openings, rest]) => [...openings, ...rest])

interface Stream {
  version: number
  state: WalletState
  readonly events: Array<StoredEvent<WalletEvent>>
  /** The accepted credits (+) and debits (-), in order. */
  readonly moves: Array<number>
}

/** The verdict a wallet command deserves, stated without operate. */
const expectedRejection = (command: WalletCommand, stream: Stream | undefined): WalletRejection | undefined => {
  const { walletId } = command
  if (command._tag === "OpenWallet") return stream === undefined ? undefined : new WalletExists({ walletId })
  if (stream === undefined) return new WalletNotFound({ walletId })
  const { balance } = stream.state
  if (command._tag === "Credit" && balance + command.amount > maxBalance)
    return new BalanceLimit({ walletId, balance, amount: command.amount, outgoing: 0 })
  if (command._tag === "Debit" && command.amount > balance) return new InsufficientFunds({ walletId, balance, amount: command.amount })
  return undefined
}

const walletProjectors = [balanceProjector, transactionsProjector]

/** A cheap assertion for the inner loop; the message says which invariant broke. */
const check = (holds: boolean, message: () => string) => {
  if (!holds) throw new Error(message())
}

/** Runs commands one by one as the shell would: operate, fold and store what was accepted, project every event. */
const runWallets = (commands: ReadonlyArray<WalletCommand>) => {
  const streams = new Map<string, Stream>()
  const views = makeViews()
  commands.forEach((command, n) => {
    const name = streamOf(command.walletId)
    const stream = streams.get(name)
    const decided = operate(command, Option.fromNullable(stream && { version: stream.version, state: stream.state }))
    const refusal = expectedRejection(command, stream)
    if (Either.isLeft(decided)) {
      const [got, wanted] = [JSON.stringify(decided.left), JSON.stringify(refusal)]
      check(Equal.equals(decided.left, refusal), () => `${JSON.stringify(command)} refused with ${got}, expected ${wanted}`)
      return
    }
    check(refusal === undefined, () => `${JSON.stringify(command)} accepted though it deserves ${JSON.stringify(refusal)}`)
    const next: Stream = stream ?? { version: 0, state: undefined as never, events: [], moves: [] }
    for (const event of decided.right) {
      next.version += 1
      const stored = { id: `${name}@${next.version}`, stream: name, version: next.version, event, commandId: `c-${n}`, at: `t-${n}` }
      next.events.push(stored)
      if (event._tag !== "WalletOpened") next.moves.push(event._tag === "WalletCredited" ? event.amount : -event.amount)
      views.apply(project(walletProjectors, stored), stored.version)
    }
    next.state = fold(stream?.state, decided.right)!
    check(next.state.balance >= 0 && next.state.balance <= maxBalance, () => `balance ${next.state.balance} out of 0..${maxBalance}`)
    streams.set(name, next)
  })
  return { streams, views }
}

describe("wallet properties", () => {
  it("given random commands over three wallets, when the accepted ones are folded, then each balance is credits minus debits, within 0..2147483647", () => {
    fc.assert(
      fc.property(walletCommands(80), (commands) => {
        const { streams } = runWallets(commands)
        for (const stream of streams.values()) {
          expect(stream.state.balance).toBe(stream.moves.reduce((sum, move) => sum + move, 0))
          // Replay: the snapshot is what the log folds to.
          expect(
            fold(
              undefined,
              stream.events.map((e) => e.event)
            )
          ).toStrictEqual(stream.state)
        }
      }),
      { numRuns: 100 }
    )
  })

  it("given random commands, when every event is projected, then the views equal the folded state: balance, version and the transactions in order", () => {
    fc.assert(
      fc.property(walletCommands(80), (commands) => {
        const { streams, views } = runWallets(commands)
        expect(views.size(walletsView)).toBe(streams.size)
        for (const [name, stream] of streams) {
          const { walletId, owner, balance } = stream.state
          expect(views.doc(walletsView, walletId)).toStrictEqual({ id: walletId, owner, balance, version: stream.events.length })
          let running = 0
          const expected = stream.events.flatMap(({ event, version, commandId, at }) => {
            if (event._tag === "WalletOpened") return []
            running += event._tag === "WalletCredited" ? event.amount : -event.amount
            const kind = event._tag === "WalletCredited" ? "CREDIT" : "DEBIT"
            return [
              [
                version,
                { id: `${name}@${version}`, kind, amount: event.amount, balanceAfter: running, commandId, at, transferId: null }
              ] as const
            ]
          })
          expect(views.items(transactionsView, walletId)).toStrictEqual(expected)
        }
      }),
      { numRuns: 100 }
    )
  })

  it("given projected views, when every event is delivered again in any order, then the views do not change", () => {
    fc.assert(
      fc.property(walletCommands(60), fc.integer(), (commands, seed) => {
        const { streams, views } = runWallets(commands)
        const before = views.snapshot()
        const all = [...streams.values()].flatMap((s) => s.events)
        // A seeded Fisher-Yates shuffle, so the order is part of the counterexample.
        let s = seed
        for (let i = all.length - 1; i > 0; i--) {
          s = (Math.imul(s, 1103515245) + 12345) | 0
          const j = (s >>> 0) % (i + 1)
          ;[all[i], all[j]] = [all[j]!, all[i]!]
        }
        for (const stored of all) views.apply(project(walletProjectors, stored), stored.version)
        expect(views.snapshot()).toBe(before)
      }),
      { numRuns: 50 }
    )
  })
})

// ---------------------------------------------------------------------------------------------------------------
// Invite customer

const mailboxes = ["ann@example.com", "bob@example.org", "cy.lee@mail.example.net"] as const
/** One mailbox spelled with random capitals and padding. */
const spelling = fc
  .record({
    mailbox: fc.constantFrom(...mailboxes),
    capitals: fc.array(fc.boolean(), { minLength: 32, maxLength: 32 }),
    left: fc.constantFrom("", " ", "  \t"),
    right: fc.constantFrom("", " ", "\n ")
  })
  .map(({ mailbox, capitals, left, right }) => `${left}${[...mailbox].map((c, i) => (capitals[i] ? c.toUpperCase() : c)).join("")}${right}`)

describe("invite-customer properties", () => {
  it("given random spellings of a few emails, when invited one by one, then each normalized email is invited once, as its first invitation's customer", () => {
    fc.assert(
      fc.property(fc.array(spelling, { maxLength: 40 }), (spellings) => {
        const index = new Map<string, string>()
        const views = makeViews()
        const invited: Array<string> = []
        spellings.forEach((raw, n) => {
          const command = Schema.decodeUnknownSync(InviteCustomer)({ _tag: "InviteCustomer", email: raw })
          const envelope = { commandId: `c-${n}`, at: `t-${n}`, freshId: `cust-${n}` }
          const decided = operateInvite(command, Option.fromNullable(index.get(command.email)), envelope)
          const holder = index.get(command.email)
          if (holder !== undefined) {
            expect(Equal.equals(decided, Either.left(new AlreadyInvited({ email: command.email, customerId: holder })))).toBe(true)
            return
          }
          for (const event of Either.getOrThrow(decided)) {
            index.set(event.email, event.customerId)
            invited.push(event.email)
            const stream = `customer-${event.customerId}`
            views.apply(
              project([customerProjector], {
                id: `${stream}@1`,
                stream,
                version: 1,
                event,
                commandId: envelope.commandId,
                at: envelope.at
              }),
              1
            )
          }
        })
        const distinct = new Set(spellings.map((raw) => raw.trim().toLowerCase()))
        expect([...invited].sort()).toStrictEqual([...distinct].sort())
        for (const email of distinct) {
          const first = spellings.findIndex((raw) => raw.trim().toLowerCase() === email)
          const doc = { id: `cust-${first}`, email, invited: true, invitedAt: `t-${first}` }
          expect(index.get(email)).toBe(`cust-${first}`)
          expect(views.doc(customersByEmailView, email)).toStrictEqual(doc)
          expect(views.doc(customersView, `cust-${first}`)).toStrictEqual(doc)
        }
        expect(views.size(customersView)).toBe(distinct.size)
      }),
      { numRuns: 100 }
    )
  })
})
