import type { ViewChange } from "@low/functions"
import type { Doc } from "@low/core"

/** A document change at an event's version: `put` replaces the stored document, otherwise fields merge into it. */
export interface DocRow {
  readonly view: string
  readonly key: string
  readonly version: number
  readonly put: boolean
  readonly data: Doc
}

export interface ItemRow {
  readonly view: string
  readonly key: string
  readonly ord: number
  readonly data: Doc
}

/** View changes as rows for one statement: document changes in log order, items once each. */
export interface ViewRows {
  readonly docs: ReadonlyArray<DocRow>
  readonly items: ReadonlyArray<ItemRow>
}

const k = (...parts: ReadonlyArray<string | number>) => parts.join("\u0000")

/**
 * Rows for the changes of events in log order. A Put of a newer event makes every earlier change to its document
 * moot whatever the stored version, so those are dropped; Patches are kept in order, because which of them apply
 * depends on the stored version, which only the database knows. An item is added once: the first one wins.
 */
export const viewRows = (changes: Iterable<{ readonly change: ViewChange; readonly version: number }>): ViewRows => {
  const docs: Array<DocRow | undefined> = []
  const rowsOf = new Map<string, Array<number>>()
  const items = new Map<string, ItemRow>()
  for (const { change, version } of changes) {
    if (change._tag === "Add") {
      const id = k(change.view, change.key, change.order)
      if (!items.has(id)) items.set(id, { view: change.view, key: change.key, ord: change.order, data: change.item })
      continue
    }
    const id = k(change.view, change.key)
    const earlier = rowsOf.get(id) ?? []
    if (change._tag === "Put") for (const i of earlier) if (docs[i]!.version < version) docs[i] = undefined
    rowsOf.set(id, [...earlier.filter((i) => docs[i] !== undefined), docs.length])
    docs.push(
      change._tag === "Put"
        ? { view: change.view, key: change.key, version, put: true, data: change.doc }
        : { view: change.view, key: change.key, version, put: false, data: change.fields }
    )
  }
  return { docs: docs.filter((row) => row !== undefined), items: [...items.values()] }
}

/**
 * The four row sets `viewStatements` takes: documents changed once in the statement go to set-based upserts (the
 * common case, cheapest for the database); documents changed more than once go, in order, to `low_apply_docs`.
 */
export const viewSets = (rows: ViewRows) => {
  const count = new Map<string, number>()
  for (const d of rows.docs) count.set(k(d.view, d.key), (count.get(k(d.view, d.key)) ?? 0) + 1)
  const once = rows.docs.filter((d) => count.get(k(d.view, d.key)) === 1)
  const strip = ({ put: _, ...row }: DocRow) => row
  return {
    puts: once.filter((d) => d.put).map(strip),
    patches: once.filter((d) => !d.put).map(strip),
    ordered: rows.docs.filter((d) => count.get(k(d.view, d.key))! > 1),
    items: rows.items
  }
}

/** The parameters of `viewStatements`. */
export const viewParams = (rows: ViewRows) => {
  const { puts, patches, ordered, items } = viewSets(rows)
  return [JSON.stringify(puts), JSON.stringify(patches), JSON.stringify(ordered), JSON.stringify(items)]
}

const docsOf = (p: string) => `jsonb_to_recordset(${p}::jsonb) as d(view text, key text, version integer, data jsonb)`

/** Each CTE of `viewStatements`, given the placeholder of its parameter. */
export const viewCtes = {
  puts: (p: string) => `
  put_docs as (
    insert into view_docs as v (view, key, version, data) select d.view, d.key, d.version, d.data from ${docsOf(p)}
    on conflict (view, key) do update set version = excluded.version, data = excluded.data
    where v.version < excluded.version
  )`,
  patches: (p: string) => `
  patch_docs as (
    insert into view_docs as v (view, key, version, data) select d.view, d.key, d.version, d.data from ${docsOf(p)}
    on conflict (view, key) do update set version = excluded.version, data = v.data || excluded.data
    where v.version < excluded.version
  )`,
  /** A plain select, so it runs only when the statement reads `applied_docs`. */
  ordered: (p: string) => `
  applied_docs as (
    select case when jsonb_array_length(${p}::jsonb) > 0 then low_apply_docs(${p}::jsonb) else 0 end as n
  )`,
  items: (p: string) => `
  added_items as (
    insert into view_items (view, key, ord, data)
    select i.view, i.key, i.ord, i.data from jsonb_to_recordset(${p}::jsonb) as i(view text, key text, ord integer, data jsonb)
    on conflict do nothing
  )`
}

/**
 * CTEs that apply ViewRows given as the four parameters from $p: a document row applies only when newer than
 * the stored document, as `nextDoc` does; an item only when absent. The statement must read `applied_docs`
 * for the ordered changes to run.
 */
export const viewStatements = (p: number) =>
  [viewCtes.puts(`$${p}`), viewCtes.patches(`$${p + 1}`), viewCtes.ordered(`$${p + 2}`), viewCtes.items(`$${p + 3}`)].join(",")

/** The function behind `viewStatements`, created by a migration. */
export const applyDocsFunction = `
  create function low_apply_docs(changes jsonb) returns integer language plpgsql as $$
  declare
    c record;
    n integer := 0;
  begin
    for c in select * from jsonb_to_recordset(changes) as x(view text, key text, version integer, put boolean, data jsonb) loop
      insert into view_docs as d (view, key, version, data) values (c.view, c.key, c.version, c.data)
      on conflict (view, key) do update
        set version = excluded.version, data = case when c.put then excluded.data else d.data || excluded.data end
        where d.version < excluded.version;
      n := n + 1;
    end loop;
    return n;
  end $$;`
