import { testSettings } from "@low/kafka/testing"
import { describeAbuse } from "@low/testing/abuse"
import { describeConformance } from "@low/testing/conformance"
import { describeExamples } from "@low/testing/examples"
import { testDomains } from "./testing/domains"
import { serveDuringTests } from "./testing/test-server"

const url = serveDuringTests(testSettings("conformance"))
describeConformance("graphql-kafka", url)
describeAbuse("graphql-kafka", url)
describeExamples("graphql-kafka", url, testDomains)
