/**
 * The contract of the storage ports (EntityStates, UniqueIndex, EventStore, Views), written once and run unchanged
 * against every adapter, the memory store being the reference:
 *
 * ```ts
 * // shell/postgres/src/store.integration.test.ts
 * describePortContract("postgres", () => PostgresStore.layer(options))
 * ```
 *
 * The layer is built once per suite, lazily (so it may read what a `beforeAll` set up) and shared by every test.
 * Each test writes only under names with a random prefix, so the suite may run against a long-lived database,
 * twice in a row, or beside another run. An adapter whose projectors also apply changes outside a commit passes
 * `applyChanges`, and the same view rules are checked for that path.
 */
import { randomUUID } from "node:crypto"
import { Effect, Either, Layer, Option, Schema } from "effect"
import { describe, expect, layer } from "@effect/vitest"
import { EntityStates, UniqueIndex, View, type PortFailure, type StoredEvent, type ViewChange, type WriteOp } from "@low/functions"
import { EventStore, type Commit } from "@low/core"
import { Views } from "@low/core"

/** The ports an adapter provides. */
export type ContractPorts = EntityStates | UniqueIndex | EventStore | Views

export interface PortContractOptions<R> {
  /** Applies one event's view changes outside a commit, as an asynchronous projector does. */
  readonly applyChanges?: (changes: ReadonlyArray<ViewChange>, version: number) => Effect.Effect<void, PortFailure, R>
  /** Whether the adapter's views tell readers of the changes its commits make (`Views.onChange`). */
  readonly tellsChanges?: boolean
}

// A state whose encoded form differs from its type, so an adapter must store it through the schema it is given.
const Counter = Schema.Struct({ count: Schema.Int, label: Schema.String, since: Schema.DateFromString })
type Counter = typeof Counter.Type
const counter = (count: number): Counter => ({ count, label: `count ${count}`, since: new Date(Date.UTC(2026, 0, count + 1)) })

const at = "2026-01-02T03:04:05.000Z"
const docs = "port-contract-docs"
const lists = "port-contract-items"
const index = "port-contract-index"
type Project = Commit["project"]

const append = (stream: string, expectedVersion: number, ...ns: ReadonlyArray<number>): WriteOp => ({
  _tag: "Append",
  stream,
  expectedVersion,
  events: ns.map((n) => ({ _tag: "Ticked", n }))
})
const save = (stream: string, version: number, state: Counter): WriteOp => ({ _tag: "SaveState", stream, version, schema: Counter, state })
const claim = (key: string, owner: string): WriteOp => ({ _tag: "Claim", index, key, owner })

/** Fresh names for one test. */
const makeNames = () => {
  const run = `pc-${randomUUID().slice(0, 8)}`
  const name = (what: string) => `${run}-${what}`
  const commit = (c: {
    entity?: string
    commandId: string
    fingerprint?: string
    ops: ReadonlyArray<WriteOp>
    project?: Project
  }): Commit => ({
    entity: c.entity ?? name("entity"),
    commandId: c.commandId,
    fingerprint: c.fingerprint ?? JSON.stringify({ command: c.commandId }),
    at,
    ops: c.ops,
    project: c.project ?? (() => [])
  })
  return { name, commit }
}

const ports = Effect.all({ states: EntityStates, unique: UniqueIndex, events: EventStore, views: Views })

const commitOk = (commit: Commit) => Effect.flatMap(EventStore, (store) => store.commit(commit))
/** Commits, expecting a WriteConflict. */
const commitConflict = (commit: Commit) =>
  Effect.flatMap(EventStore, (store) => Effect.flip(store.commit(commit))).pipe(
    Effect.map((error) => expect(error._tag).toBe("WriteConflict"))
  )

/** Commits `count` commits at once; each one's result. */
const race = (count: number, commitOf: (i: number) => Commit) =>
  Effect.flatMap(EventStore, (store) =>
    Effect.all(
      Array.from({ length: count }, (_, i) => Effect.either(store.commit(commitOf(i)))),
      { concurrency: "unbounded" }
    )
  )

/** Everything a test can see under one stream, index key, entity/commandId, document and collection. */
const observe = (o: { stream: string; key: string; entity: string; commandId: string; doc: string; list: string }) =>
  Effect.flatMap(ports, ({ states, unique, events, views }) =>
    Effect.all({
      state: states.get(o.stream, Counter),
      owner: unique.get(index, o.key),
      accepted: events.accepted(o.entity, o.commandId),
      doc: views.doc(docs, o.doc),
      items: views.items(lists, o.list, { first: 100 })
    })
  )

/** Declares the contract suite for the adapter `makeLayer` builds. */
export const describePortContract = <R = never>(
  adapterName: string,
  makeLayer: () => Layer.Layer<ContractPorts | R, unknown>,
  options: PortContractOptions<R> = {}
): void =>
  layer(Layer.suspend(makeLayer), { excludeTestServices: true, timeout: "60 seconds" })(`port contract: ${adapterName}`, (it) => {
    describe("commit and read back", () => {
      it.effect("given nothing committed, when reading, then no state, no owner, no accepted command, no document and no items", () =>
        Effect.gen(function* () {
          const { name } = makeNames()
          const seen = yield* observe({
            stream: name("s"),
            key: name("k"),
            entity: name("e"),
            commandId: "c",
            doc: name("d"),
            list: name("l")
          })
          expect(seen).toStrictEqual({
            state: Option.none(),
            owner: Option.none(),
            accepted: Option.none(),
            doc: Option.none(),
            items: { items: [], more: false }
          })
        })
      )

      it.effect(
        "given a commit of Append + SaveState, when reading back, then the state and its version, and events numbered after the expected version",
        () =>
          Effect.gen(function* () {
            const { name, commit } = makeNames()
            const stream = name("s")
            const committed = yield* commitOk(commit({ commandId: "c-1", ops: [append(stream, 0, 1, 2), save(stream, 2, counter(2))] }))
            expect(committed.map(({ position: _, ...event }) => event)).toStrictEqual([
              { id: `${stream}@1`, stream, version: 1, event: { _tag: "Ticked", n: 1 }, commandId: "c-1", at },
              { id: `${stream}@2`, stream, version: 2, event: { _tag: "Ticked", n: 2 }, commandId: "c-1", at }
            ])
            const { states } = yield* ports
            expect(yield* states.get(stream, Counter)).toStrictEqual(Option.some({ version: 2, state: counter(2) }))
          })
      )

      it.effect(
        "given a stream at version 2, when committing at expectedVersion 2, then its events are 3 and 4 and the new state replaces the old",
        () =>
          Effect.gen(function* () {
            const { name, commit } = makeNames()
            const stream = name("s")
            yield* commitOk(commit({ commandId: "c-1", ops: [append(stream, 0, 1, 2), save(stream, 2, counter(2))] }))
            const committed = yield* commitOk(commit({ commandId: "c-2", ops: [append(stream, 2, 3, 4), save(stream, 4, counter(4))] }))
            expect(committed.map((e) => [e.id, e.version])).toStrictEqual([
              [`${stream}@3`, 3],
              [`${stream}@4`, 4]
            ])
            const { states } = yield* ports
            expect(yield* states.get(stream, Counter)).toStrictEqual(Option.some({ version: 4, state: counter(4) }))
          })
      )

      it.effect("given a commit that claims a key and appends to two streams, when reading back, then all of it is written", () =>
        Effect.gen(function* () {
          const { name, commit } = makeNames()
          const [a, b, key] = [name("a"), name("b"), name("k")]
          const committed = yield* commitOk(
            commit({ commandId: "c", ops: [claim(key, "owner-1"), append(a, 0, 1), save(a, 1, counter(1)), append(b, 0, 7)] })
          )
          expect(committed.map((e) => e.id)).toStrictEqual([`${a}@1`, `${b}@1`])
          const { states, unique } = yield* ports
          expect(yield* unique.get(index, key)).toStrictEqual(Option.some("owner-1"))
          expect(yield* states.get(a, Counter)).toStrictEqual(Option.some({ version: 1, state: counter(1) }))
        })
      )
    })

    describe("optimistic concurrency", () => {
      it.effect(
        "given a stream at version 1, when committing at a stale or future expectedVersion, then WriteConflict and nothing written",
        () =>
          Effect.gen(function* () {
            const { name, commit } = makeNames()
            const [stream, key, entity, doc, list] = [name("s"), name("k"), name("e"), name("d"), name("l")]
            const project: Project = (e) => [View.put(docs, doc, { n: e.version }), View.add(lists, list, e.version, { n: e.version })]
            yield* commitOk(commit({ entity, commandId: "c-1", ops: [append(stream, 0, 1), save(stream, 1, counter(1))], project }))
            const before = yield* observe({ stream, key, entity, commandId: "c-2", doc, list })

            const overwrite = (expectedVersion: number) =>
              commit({
                entity,
                commandId: "c-2",
                ops: [claim(key, "o"), append(stream, expectedVersion, 9), save(stream, expectedVersion + 1, counter(9))],
                project
              })
            yield* commitConflict(overwrite(0))
            yield* commitConflict(overwrite(2))
            yield* commitConflict(overwrite(5))
            expect(yield* observe({ stream, key, entity, commandId: "c-2", doc, list })).toStrictEqual(before)
            // No event was written either: the stream still stands at version 1.
            const next = yield* commitOk(commit({ entity, commandId: "c-3", ops: [append(stream, 1, 2)] }))
            expect(next.map((e) => e.id)).toStrictEqual([`${stream}@2`])
          })
      )

      it.effect(
        "given a stream at version 2, when a commit appends no events at another version, then WriteConflict and nothing written; at version 2, it commits",
        () =>
          Effect.gen(function* () {
            const { name, commit } = makeNames()
            const [stream, entity] = [name("s"), name("e")]
            yield* commitOk(commit({ entity, commandId: "c-1", ops: [append(stream, 0, 1, 2), save(stream, 2, counter(2))] }))
            // A decision to append nothing rests on the version it read as much as any other.
            for (const expectedVersion of [0, 1, 3])
              yield* commitConflict(
                commit({ entity, commandId: "c-2", ops: [append(stream, expectedVersion), save(stream, expectedVersion, counter(9))] })
              )
            const { states, events } = yield* ports
            expect(yield* events.accepted(entity, "c-2")).toStrictEqual(Option.none())
            expect(yield* states.get(stream, Counter)).toStrictEqual(Option.some({ version: 2, state: counter(2) }))
            expect(
              yield* commitOk(commit({ entity, commandId: "c-2", ops: [append(stream, 2), save(stream, 2, counter(2))] }))
            ).toStrictEqual([])
            expect(yield* events.accepted(entity, "c-2")).toStrictEqual(Option.some(JSON.stringify({ command: "c-2" })))
            const next = yield* commitOk(commit({ entity, commandId: "c-3", ops: [append(stream, 2, 3)] }))
            expect(next.map((e) => e.id)).toStrictEqual([`${stream}@3`])
          })
      )

      it.effect(
        "given a commit whose second append is stale, when committed, then WriteConflict and the first stream is not written either",
        () =>
          Effect.gen(function* () {
            const { name, commit } = makeNames()
            const [fresh, moved] = [name("fresh"), name("moved")]
            yield* commitOk(commit({ commandId: "c-1", ops: [append(moved, 0, 1)] }))
            yield* commitConflict(commit({ commandId: "c-2", ops: [append(fresh, 0, 1), save(fresh, 1, counter(1)), append(moved, 0, 2)] }))
            const { states } = yield* ports
            expect(yield* states.get(fresh, Counter)).toStrictEqual(Option.none())
            expect((yield* commitOk(commit({ commandId: "c-3", ops: [append(fresh, 0, 5)] }))).map((e) => e.id)).toStrictEqual([
              `${fresh}@1`
            ])
          })
      )

      it.effect("given 8 commits racing at expectedVersion 0 on one stream, when committed at once, then exactly one is written", () =>
        Effect.gen(function* () {
          const { name, commit } = makeNames()
          const stream = name("s")
          const results = yield* race(8, (i) =>
            commit({ entity: name(`e${i}`), commandId: "c", ops: [append(stream, 0, i), save(stream, 1, counter(i))] })
          )
          const winners = results.flatMap((r, i) => (Either.isRight(r) ? [i] : []))
          expect(winners).toHaveLength(1)
          for (const r of results) if (Either.isLeft(r)) expect(r.left._tag).toBe("WriteConflict")
          const { states } = yield* ports
          expect(yield* states.get(stream, Counter)).toStrictEqual(Option.some({ version: 1, state: counter(winners[0]!) }))
        })
      )
    })

    describe("unique index", () => {
      it.effect("given a claim of a fresh key, when committed, then the index names its owner, and only for that index and key", () =>
        Effect.gen(function* () {
          const { name, commit } = makeNames()
          const key = name("k")
          yield* commitOk(commit({ commandId: "c", ops: [claim(key, "owner-1")] }))
          const { unique } = yield* ports
          expect(yield* unique.get(index, key)).toStrictEqual(Option.some("owner-1"))
          expect(yield* unique.get(`${index}-other`, key)).toStrictEqual(Option.none())
          expect(yield* unique.get(index, name("other"))).toStrictEqual(Option.none())
        })
      )

      it.effect("given a key held by one owner, when another owner claims it, then WriteConflict and nothing written", () =>
        Effect.gen(function* () {
          const { name, commit } = makeNames()
          const [stream, key, entity, doc, list] = [name("s"), name("k"), name("e"), name("d"), name("l")]
          yield* commitOk(commit({ entity: name("first"), commandId: "c-1", ops: [claim(key, "owner-1")] }))
          const before = yield* observe({ stream, key, entity, commandId: "c-2", doc, list })
          yield* commitConflict(
            commit({
              entity,
              commandId: "c-2",
              ops: [append(stream, 0, 1), save(stream, 1, counter(1)), claim(key, "owner-2")],
              project: () => [View.put(docs, doc, { x: 1 }), View.add(lists, list, 1, { x: 1 })]
            })
          )
          expect(yield* observe({ stream, key, entity, commandId: "c-2", doc, list })).toStrictEqual(before)
          expect(before.owner).toStrictEqual(Option.some("owner-1"))
        })
      )

      it.effect(
        "given a key held by one owner, when the same owner claims it again, then the commit succeeds and the owner is unchanged",
        () =>
          Effect.gen(function* () {
            const { name, commit } = makeNames()
            const [stream, key] = [name("s"), name("k")]
            yield* commitOk(commit({ entity: name("e1"), commandId: "c-1", ops: [claim(key, "owner-1")] }))
            yield* commitOk(commit({ entity: name("e2"), commandId: "c-2", ops: [claim(key, "owner-1"), append(stream, 0, 1)] }))
            const { unique } = yield* ports
            expect(yield* unique.get(index, key)).toStrictEqual(Option.some("owner-1"))
          })
      )

      it.effect("given 8 owners claiming one key at once, when committed, then exactly one wins and the index names it", () =>
        Effect.gen(function* () {
          const { name, commit } = makeNames()
          const key = name("k")
          const results = yield* race(8, (i) =>
            commit({ entity: name(`e${i}`), commandId: "c", ops: [claim(key, `owner-${i}`), append(name(`s${i}`), 0, i)] })
          )
          const winners = results.flatMap((r, i) => (Either.isRight(r) ? [i] : []))
          expect(winners).toHaveLength(1)
          const { unique } = yield* ports
          expect(yield* unique.get(index, key)).toStrictEqual(Option.some(`owner-${winners[0]}`))
        })
      )
    })

    describe("accepted commands", () => {
      it.effect("given a commit, when asking accepted, then its fingerprint for its (entity, commandId) only, and None before", () =>
        Effect.gen(function* () {
          const { name, commit } = makeNames()
          const entity = name("e")
          const { events } = yield* ports
          expect(yield* events.accepted(entity, "c-1")).toStrictEqual(Option.none())
          yield* commitOk(commit({ entity, commandId: "c-1", fingerprint: `{"amount":1}`, ops: [append(name("s"), 0, 1)] }))
          expect(yield* events.accepted(entity, "c-1")).toStrictEqual(Option.some(`{"amount":1}`))
          expect(yield* events.accepted(entity, "c-2")).toStrictEqual(Option.none())
          expect(yield* events.accepted(name("other"), "c-1")).toStrictEqual(Option.none())
        })
      )

      it.effect(
        "given an accepted (entity, commandId), when committing it again, then WriteConflict, nothing written and the first fingerprint kept",
        () =>
          Effect.gen(function* () {
            const { name, commit } = makeNames()
            const [entity, stream, key, doc, list] = [name("e"), name("s"), name("k"), name("d"), name("l")]
            yield* commitOk(commit({ entity, commandId: "c-1", fingerprint: "first", ops: [append(name("first"), 0, 1)] }))
            const before = yield* observe({ stream, key, entity, commandId: "c-1", doc, list })
            yield* commitConflict(
              commit({
                entity,
                commandId: "c-1",
                fingerprint: "second",
                ops: [append(stream, 0, 1), save(stream, 1, counter(1)), claim(key, "o")],
                project: () => [View.put(docs, doc, { x: 1 }), View.add(lists, list, 1, { x: 1 })]
              })
            )
            const after = yield* observe({ stream, key, entity, commandId: "c-1", doc, list })
            expect(after).toStrictEqual(before)
            expect(after.accepted).toStrictEqual(Option.some("first"))
          })
      )

      it.effect("given an accepted commandId on one entity, when committing it on another entity, then it is a new command", () =>
        Effect.gen(function* () {
          const { name, commit } = makeNames()
          yield* commitOk(commit({ entity: name("e1"), commandId: "c-1", ops: [append(name("s1"), 0, 1)] }))
          yield* commitOk(commit({ entity: name("e2"), commandId: "c-1", ops: [append(name("s2"), 0, 1)] }))
          const { events } = yield* ports
          expect(Option.isSome(yield* events.accepted(name("e2"), "c-1"))).toBe(true)
        })
      )

      it.effect(
        "given an accepted commandId on one entity, when another entity appends to the same stream with it, then it is a new command",
        () =>
          Effect.gen(function* () {
            const { name, commit } = makeNames()
            const stream = name("shared")
            yield* commitOk(commit({ entity: name("e1"), commandId: "c-1", ops: [append(stream, 0, 1)] }))
            const second = yield* commitOk(commit({ entity: name("e2"), commandId: "c-1", ops: [append(stream, 1, 2)] }))
            expect(second.map((e) => e.id)).toStrictEqual([`${stream}@2`])
          })
      )
    })

    describe("inline projection", () => {
      it.effect("given a commit with projectors, when committed, then each stored event was projected and its changes are visible", () =>
        Effect.gen(function* () {
          const { name, commit } = makeNames()
          const [stream, doc, list] = [name("s"), name("d"), name("l")]
          const projected: Array<StoredEvent<unknown>> = []
          const committed = yield* commitOk(
            commit({
              commandId: "c",
              ops: [append(stream, 0, 1, 2)],
              project: (e) => {
                projected.push(e)
                return [View.patch(docs, doc, { [`v${e.version}`]: true }), View.add(lists, list, e.version, { id: e.id })]
              }
            })
          )
          // What a projector reads is the stored event; an adapter may hand it the committed one, with its position.
          const stored = (e: StoredEvent<unknown>) => {
            const { position: _, ...event } = e as StoredEvent<unknown> & { readonly position?: number }
            return event
          }
          expect(projected.map(stored)).toStrictEqual(committed.map(stored))
          const { views } = yield* ports
          expect(yield* views.doc(docs, doc)).toStrictEqual(Option.some({ v1: true, v2: true }))
          expect(yield* views.items(lists, list, { first: 10 })).toStrictEqual({
            items: [
              { order: 2, item: { id: `${stream}@2` } },
              { order: 1, item: { id: `${stream}@1` } }
            ],
            more: false
          })
        })
      )

      it.effect(
        "given a document, when a Patch and then a Put of newer events are committed, then the Patch merges and the Put replaces",
        () =>
          Effect.gen(function* () {
            const { name, commit } = makeNames()
            const [stream, doc] = [name("s"), name("d")]
            const changes: Record<number, ViewChange> = {
              1: View.put(docs, doc, { a: 1, b: 1 }),
              2: View.patch(docs, doc, { b: 2, c: 2 }),
              3: View.put(docs, doc, { z: 3 })
            }
            const project: Project = (e) => [changes[e.version]!]
            const { views } = yield* ports
            yield* commitOk(commit({ commandId: "c-1", ops: [append(stream, 0, 1)], project }))
            yield* commitOk(commit({ commandId: "c-2", ops: [append(stream, 1, 2)], project }))
            expect(yield* views.doc(docs, doc)).toStrictEqual(Option.some({ a: 1, b: 2, c: 2 }))
            yield* commitOk(commit({ commandId: "c-3", ops: [append(stream, 2, 3)], project }))
            expect(yield* views.doc(docs, doc)).toStrictEqual(Option.some({ z: 3 }))
          })
      )

      it.effect("given a document at version 2, when events 1, 2 and 3 of another stream change it, then events 1 and 2 are ignored", () =>
        Effect.gen(function* () {
          const { name, commit } = makeNames()
          const doc = name("d")
          const change =
            (putUpTo: number) =>
            (e: StoredEvent<unknown>): ReadonlyArray<ViewChange> => {
              const fields = { [e.stream.slice(-1)]: e.version }
              return [e.version <= putUpTo ? View.put(docs, doc, fields) : View.patch(docs, doc, fields)]
            }
          // Stream "a" leaves {a: 2} at version 2; "b" would replace it at its versions 1 and 2 if they were applied.
          yield* commitOk(commit({ commandId: "a", ops: [append(name("a"), 0, 1, 2)], project: change(1) }))
          yield* commitOk(commit({ commandId: "b", ops: [append(name("b"), 0, 1, 2, 3)], project: change(2) }))
          const { views } = yield* ports
          expect(yield* views.doc(docs, doc)).toStrictEqual(Option.some({ a: 2, b: 3 }))
        })
      )

      it.effect("given no document, when a Patch is committed, then the document is its fields", () =>
        Effect.gen(function* () {
          const { name, commit } = makeNames()
          const doc = name("d")
          yield* commitOk(commit({ commandId: "c", ops: [append(name("s"), 0, 1)], project: () => [View.patch(docs, doc, { p: 1 })] }))
          const { views } = yield* ports
          expect(yield* views.doc(docs, doc)).toStrictEqual(Option.some({ p: 1 }))
        })
      )

      it.effect(
        "given an item at order 1, when another Add at order 1 is committed, then the first item stays and a new order is added",
        () =>
          Effect.gen(function* () {
            const { name, commit } = makeNames()
            const list = name("l")
            const add = (order: number, who: string) => View.add(lists, list, order, { who })
            yield* commitOk(
              commit({ commandId: "a", ops: [append(name("a"), 0, 1)], project: () => [add(1, "first"), add(1, "same commit")] })
            )
            yield* commitOk(commit({ commandId: "b", ops: [append(name("b"), 0, 1)], project: () => [add(1, "second"), add(2, "second")] }))
            const { views } = yield* ports
            expect(yield* views.items(lists, list, { first: 10 })).toStrictEqual({
              items: [
                { order: 2, item: { who: "second" } },
                { order: 1, item: { who: "first" } }
              ],
              more: false
            })
          })
      )
    })

    describe("collection pages", () => {
      const collection = (orders: ReadonlyArray<number>) =>
        Effect.gen(function* () {
          const { name, commit } = makeNames()
          const list = name("l")
          // One commit per item, in the order given, so the store cannot rely on items arriving sorted.
          for (const [i, order] of orders.entries()) {
            yield* commitOk(
              commit({ commandId: `c-${i}`, ops: [append(name("s"), i, i)], project: () => [View.add(lists, list, order, { order })] })
            )
          }
          const { views } = yield* ports
          return (first: number, before?: number) =>
            Effect.map(views.items(lists, list, { first, before }), ({ items, more }) => ({ orders: items.map((i) => i.order), more }))
        })

      it.effect("given items 1..5, when paging by 2, then newest first, with more until the oldest", () =>
        Effect.gen(function* () {
          const page = yield* collection([1, 2, 3, 4, 5])
          expect(yield* page(2)).toStrictEqual({ orders: [5, 4], more: true })
          expect(yield* page(2, 4)).toStrictEqual({ orders: [3, 2], more: true })
          expect(yield* page(2, 2)).toStrictEqual({ orders: [1], more: false })
          expect(yield* page(2, 1)).toStrictEqual({ orders: [], more: false })
          expect(yield* page(5)).toStrictEqual({ orders: [5, 4, 3, 2, 1], more: false })
          expect(yield* page(100)).toStrictEqual({ orders: [5, 4, 3, 2, 1], more: false })
          expect(yield* page(4)).toStrictEqual({ orders: [5, 4, 3, 2], more: true })
        })
      )

      it.effect("given items 30, 10, 20 added in that order, when paging, then by order, and before needs not be an existing order", () =>
        Effect.gen(function* () {
          const page = yield* collection([30, 10, 20])
          expect(yield* page(10)).toStrictEqual({ orders: [30, 20, 10], more: false })
          expect(yield* page(1, 25)).toStrictEqual({ orders: [20], more: true })
          expect(yield* page(5, 11)).toStrictEqual({ orders: [10], more: false })
          expect(yield* page(1, 1000)).toStrictEqual({ orders: [30], more: true })
        })
      )
    })

    describe("positions", () => {
      it.effect(
        "given commits on one stream, interleaved with another stream's, when committed, then positions increase in commit order",
        () =>
          Effect.gen(function* () {
            const { name, commit } = makeNames()
            const [s, other] = [name("s"), name("other")]
            const first = yield* commitOk(commit({ commandId: "c-1", ops: [append(s, 0, 1, 2)] }))
            yield* commitOk(commit({ commandId: "c-x", ops: [append(other, 0, 1)] }))
            const second = yield* commitOk(commit({ commandId: "c-2", ops: [append(s, 2, 3)] }))
            const third = yield* commitOk(commit({ commandId: "c-3", ops: [append(s, 3, 4, 5, 6)] }))
            const positions = [...first, ...second, ...third].map((e) => e.position)
            expect(positions).toHaveLength(6)
            positions.slice(1).forEach((p, i) => expect(p).toBeGreaterThan(positions[i]!))
          })
      )
    })

    if (options.tellsChanges === true)
      describe("readers told of changes", () => {
        it.effect("given interest in two documents, when a commit changes one, then its reader is told once, the other's not", () =>
          Effect.gen(function* () {
            const { name, commit } = makeNames()
            const [stream, changed, unchanged] = [name("s"), name("changed"), name("unchanged")]
            const { views } = yield* ports
            const told: Array<string> = []
            views.onChange!(docs, changed, () => told.push(changed))
            const withdraw = views.onChange!(docs, unchanged, () => told.push(unchanged))
            const put = (version: number) =>
              commit({
                commandId: `c-${version}`,
                ops: [append(stream, version - 1, version)],
                project: () => [View.put(docs, changed, { version })]
              })
            yield* commitOk(put(1))
            yield* commitOk(put(2))
            withdraw()
            expect(told).toStrictEqual([changed])
          })
        )
      })

    const applyChanges = options.applyChanges
    if (applyChanges !== undefined) {
      describe("changes applied outside a commit", () => {
        it.effect("given changes applied once, when the same events' changes are delivered again, then nothing changes", () =>
          Effect.gen(function* () {
            const { name } = makeNames()
            const [doc, list] = [name("d"), name("l")]
            const event1 = [View.put(docs, doc, { a: 1 }), View.add(lists, list, 1, { n: 1 })]
            const event2 = [View.patch(docs, doc, { b: 2 }), View.add(lists, list, 2, { n: 2 })]
            yield* applyChanges(event1, 1)
            yield* applyChanges(event2, 2)
            yield* applyChanges(event1, 1)
            yield* applyChanges(event2, 2)
            yield* applyChanges([View.add(lists, list, 1, { n: "again" })], 1)
            const { views } = yield* ports
            expect(yield* views.doc(docs, doc)).toStrictEqual(Option.some({ a: 1, b: 2 }))
            expect(yield* views.items(lists, list, { first: 10 })).toStrictEqual({
              items: [
                { order: 2, item: { n: 2 } },
                { order: 1, item: { n: 1 } }
              ],
              more: false
            })
          })
        )
      })
    }
  })
