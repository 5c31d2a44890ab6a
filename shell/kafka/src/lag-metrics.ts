import { Effect, Layer } from "effect"
import { levels, projectionLag, sampledOnScrape, type AnyHandler, type AnyProjector } from "@low/core"
import { KafkaClient } from "./client"
import { namesOf } from "./config"
import { groupLag } from "./lag"

const consumerLag = levels(
  "low_kafka_consumer_lag_messages",
  "Messages of a topic that a consumer group has not committed yet, by group and topic, read from the brokers at scrape."
)

/**
 * Sets, on every scrape, the lag of the handlers' group on the commands topics and of the projectors' group on the
 * events topics, and each projector's lag (its group's on the topic it reads). Every process of the deployment
 * reports the same groups, as the brokers see them; when they do not answer, the gauges keep their last reading.
 */
export const lagMetrics = (handlers: ReadonlyArray<AnyHandler>, projectors: ReadonlyArray<AnyProjector>) =>
  Layer.scopedDiscard(
    Effect.gen(function* () {
      const { admin, settings } = yield* KafkaClient
      const names = namesOf(settings)
      const groups = [
        { group: names.handlersGroup, topics: [...new Set(handlers.map((h) => names.topic(h.reads)))] },
        { group: names.projectorsGroup, topics: [...new Set(projectors.map((p) => names.topic(p.reads)))] }
      ]
      const sample = Effect.forEach(
        groups,
        ({ group, topics }) =>
          Effect.map(groupLag(admin, group, topics), (lags) => {
            for (const { topic, lag } of lags) consumerLag({ group, topic }).set(lag)
            if (group !== names.projectorsGroup) return
            for (const projector of projectors)
              projectionLag({ projector: projector.name }).set(lags.find((l) => l.topic === names.topic(projector.reads))?.lag ?? 0)
          }),
        { concurrency: "unbounded", discard: true }
      )
      yield* sampledOnScrape(Effect.ignore(sample))
    })
  )
