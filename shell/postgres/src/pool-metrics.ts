import { Effect } from "effect"
import type pg from "pg"
import { levels, sampledOnScrape } from "@low/core"

const connections = levels("low_postgres_pool_connections", "Connections the pool holds, by state: busy (checked out) or idle.")
const waiting = levels("low_postgres_pool_waiting_requests", "Requests waiting for a connection of the pool, all of it being busy.")
const capacity = levels("low_postgres_pool_max_connections", "The most connections the pool opens.")

/** The pool's use, read on every scrape while the scope lives. */
export const poolMetrics = (pool: pg.Pool) => {
  const busy = connections({ state: "busy" })
  const idle = connections({ state: "idle" })
  const queued = waiting({})
  const max = capacity({})
  return sampledOnScrape(
    Effect.sync(() => {
      busy.set(pool.totalCount - pool.idleCount)
      idle.set(pool.idleCount)
      queued.set(pool.waitingCount)
      max.set(pool.options.max ?? 10)
    })
  )
}
