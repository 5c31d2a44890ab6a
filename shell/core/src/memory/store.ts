import { Context, Effect, Layer, Option } from "effect"
import { EntityStates, UniqueIndex, type Versioned, type ViewChange } from "@low/functions"
import { WriteConflict } from "../errors"
import { EventStore, type Commit, type Committed } from "../event-store"
import { makeDocWatch, nextDoc, Views, type Doc, type ItemsPage, type VersionedDoc } from "../views"

const k = (a: string, b: string) => `${a}\u0000${b}`

/** Items of one collection view, ascending by order. */
type Items = Array<{ readonly order: number; readonly item: Doc }>

/** Every port in process memory: the state of one process, gone when it stops. */
export const makeMemoryStore = () => {
  const versions = new Map<string, number>()
  const states = new Map<string, Versioned<unknown>>()
  const unique = new Map<string, string>()
  // By entity, then commandId: no key to build per command, and both strings are the ones the executor hashed.
  const accepted = new Map<string, Map<string, string>>()
  const log: Array<Committed> = []
  const docs = new Map<string, VersionedDoc>()
  const collections = new Map<string, Items>()

  const conflictOf = (c: Commit): string | undefined => {
    if (accepted.get(c.entity)?.has(c.commandId)) return `commandId ${c.commandId} accepted before`
    for (const op of c.ops) {
      if (op._tag === "Append" && (versions.get(op.stream) ?? 0) !== op.expectedVersion) return `${op.stream} moved`
      if (op._tag === "Claim" && (unique.get(k(op.index, op.key)) ?? op.owner) !== op.owner) return `${op.index} taken`
    }
    return undefined
  }

  const addItem = (key: string, order: number, item: Doc) => {
    let items = collections.get(key)
    if (items === undefined) collections.set(key, (items = []))
    let at = items.length
    while (at > 0 && items[at - 1]!.order >= order) at--
    if (items[at]?.order !== order) items.splice(at, 0, { order, item })
  }

  const watch = makeDocWatch()
  /** Applies an event's view changes; redelivered events change nothing. */
  const applyChanges = (changes: ReadonlyArray<ViewChange>, version: number) => {
    for (const change of changes) {
      const key = k(change.view, change.key)
      if (change._tag !== "Add" && watch.waiting()) watch.changed(change.view, change.key)
      if (change._tag === "Add") addItem(key, change.order, change.item)
      else {
        const next = nextDoc(docs.get(key), change, version)
        if (next !== undefined) docs.set(key, next)
      }
    }
  }

  const commit = (c: Commit): Array<Committed> => {
    for (const op of c.ops) {
      if (op._tag === "Append") versions.set(op.stream, op.expectedVersion + op.events.length)
      else if (op._tag === "SaveState") states.set(op.stream, { version: op.version, state: op.state })
      else unique.set(k(op.index, op.key), op.owner)
    }
    const acceptedHere = accepted.get(c.entity)
    if (acceptedHere === undefined) accepted.set(c.entity, new Map([[c.commandId, c.fingerprint]]))
    else acceptedHere.set(c.commandId, c.fingerprint)
    // Each event is built once, as the log keeps it: the log holds every event for the life of the process, and
    // what it keeps per event is most of what collecting garbage costs here.
    const committed: Array<Committed> = []
    for (const op of c.ops) {
      if (op._tag !== "Append") continue
      for (let i = 0; i < op.events.length; i++) {
        const version = op.expectedVersion + i + 1
        const entry: Committed = {
          id: `${op.stream}@${version}`,
          stream: op.stream,
          version,
          event: op.events[i]!,
          commandId: c.commandId,
          at: c.at,
          position: log.length + 1
        }
        log.push(entry)
        committed.push(entry)
        applyChanges(c.project(entry), version)
      }
    }
    return committed
  }

  const page = (view: string, key: string, first: number, before = Infinity): ItemsPage => {
    const items = collections.get(k(view, key)) ?? []
    let end = items.length
    while (end > 0 && items[end - 1]!.order >= before) end--
    const start = Math.max(0, end - first)
    return { items: items.slice(start, end).reverse(), more: start > 0 }
  }

  /** The commit without Effect: the conflict's reason, or the committed events. */
  const tryCommit = (c: Commit): string | Array<Committed> => conflictOf(c) ?? commit(c)

  return {
    log: log as ReadonlyArray<Committed>,
    applyChanges,
    /** Plain functions over the same maps the ports use (for baselines that measure Effect's cost). */
    plain: { state: (stream: string) => states.get(stream), tryCommit },
    ports: {
      states: EntityStates.of({
        get: <S>(stream: string) => Effect.sync(() => Option.fromNullable(states.get(stream) as Versioned<S> | undefined))
      }),
      unique: UniqueIndex.of({ get: (index, key) => Effect.sync(() => Option.fromNullable(unique.get(k(index, key)))) }),
      events: EventStore.of({
        commit: (c) =>
          Effect.suspend(() => {
            const result = tryCommit(c)
            return typeof result === "string" ? Effect.fail(new WriteConflict({ reason: result })) : Effect.succeed(result)
          }),
        accepted: (entity, commandId) => Effect.sync(() => Option.fromNullable(accepted.get(entity)?.get(commandId)))
      }),
      views: Views.of({
        doc: (view, key) => Effect.sync(() => Option.map(Option.fromNullable(docs.get(k(view, key))), (d) => d.doc)),
        items: (view, key, { first, before }) => Effect.sync(() => page(view, key, first, before)),
        onChange: watch.onChange
      })
    }
  }
}

export type MemoryStoreShape = ReturnType<typeof makeMemoryStore>

/** The memory store itself, for the in-process event system that projects into it. */
export class MemoryStore extends Context.Tag("low/core/MemoryStore")<MemoryStore, MemoryStoreShape>() {
  /** Every port backed by one fresh memory store. */
  static readonly layer = Layer.effectContext(
    Effect.sync(() => {
      const store = makeMemoryStore()
      return Context.make(MemoryStore, store).pipe(
        Context.add(EntityStates, store.ports.states),
        Context.add(UniqueIndex, store.ports.unique),
        Context.add(EventStore, store.ports.events),
        Context.add(Views, store.ports.views)
      )
    })
  )
}
