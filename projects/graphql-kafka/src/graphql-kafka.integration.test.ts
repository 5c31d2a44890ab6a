import { testSettings } from "@low/shell/adapters/kafka/testing"
import { describeConformance } from "@low/shell/testing/conformance"
import { serveDuringTests } from "./test-server"

describeConformance("graphql-kafka", serveDuringTests(testSettings("conformance")))
