import { testSettings } from "@low/kafka/testing"
import { describeConformance } from "@low/testing/conformance"
import { serveDuringTests } from "./testing/test-server"

describeConformance("graphql-kafka", serveDuringTests(testSettings("conformance")))
