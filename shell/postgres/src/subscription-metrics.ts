import { Effect } from "effect"
import { levels, sampledOnScrape } from "@low/core"
import type { PgClient } from "./pool"
import type { Checkpoint } from "./subscription"

/** Beyond this many, the lag reads as this many: counting further would make a scrape slow when it matters most. */
export const countedUpTo = 1_000_000

const subscriptionLag = levels(
  "low_postgres_subscription_lag_events",
  `Committed events after a subscription's checkpoint, by subscription (counted up to ${countedUpTo}).`
)

const behindStatement = `
  select count(*)::int as behind from (select from events where (tx, position) > ($1::xid8, $2::bigint) limit ${countedUpTo}) after`

/** The lag of the subscription `name`, counted on every scrape from where `checkpoint()` says it is, while the scope lives. */
export const subscriptionMetrics = (pg: PgClient, name: string, checkpoint: () => Checkpoint | undefined) => {
  const lag = subscriptionLag({ subscription: name })
  return sampledOnScrape(
    Effect.suspend(() => {
      const at = checkpoint()
      if (at === undefined) return Effect.void
      return pg.query<{ behind: number }>({ name: "low_subscription_lag", text: behindStatement, values: [at.tx, at.position] }).pipe(
        Effect.map(({ rows }) => lag.set(rows[0]?.behind ?? 0)),
        Effect.ignore
      )
    })
  )
}
