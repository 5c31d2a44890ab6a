import { counter } from "@low/functions/test/counter"
import { domains } from "../domains"

/** The domains the tests serve: the project's, and the example domains of the guides. */
export const testDomains = [...domains, counter]
