import { testSettings } from "@low/kafka/testing"
import { describeAbuse } from "@low/testing/abuse"
import { describeConformance } from "@low/testing/conformance"
import { describeExamples } from "@low/testing/examples"
import { describeMetrics } from "@low/testing/metrics"
import { testDomains } from "./testing/domains"
import { serveDuringTests } from "./testing/test-server"

const settings = testSettings("conformance")
const url = serveDuringTests(settings)
describeConformance("graphql-kafka", url)
describeAbuse("graphql-kafka", url)
describeExamples("graphql-kafka", url, testDomains)
describeMetrics("graphql-kafka", url, {
  series: [
    {
      name: "low_kafka_consumer_lag_messages",
      labels: { group: `${settings.groupPrefix}handlers`, topic: `${settings.topicPrefix}wallet-commands` }
    },
    {
      name: "low_kafka_consumer_lag_messages",
      labels: { group: `${settings.groupPrefix}projectors`, topic: `${settings.topicPrefix}wallet-events` }
    },
    { name: "low_projection_lag_events", labels: { projector: "wallet-balance" } },
    { name: "low_dependency_up", labels: { dependency: "kafka" }, value: 1 },
    { name: "low_dependency_up", labels: { dependency: "redis" }, value: 1 }
  ]
})
