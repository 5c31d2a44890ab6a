import { Schema } from "effect"
import { defineDomain, Inputs, mutation, query } from "@low/functions"
import { counterHandler, counterProjector, countersView, Increment } from "./counter"

/** The counter's slice of the GraphQL schema: its fields of Query and Mutation, and its types. */
const schema = `
type Query {
  "The counter with this id; null when it was never incremented."
  counter(id: ID!): Counter
}

type Mutation {
  "Adds by (1..1000) to the counter, which starts at 0; COUNTER_LIMIT when it would pass 1000000."
  increment(counterId: ID!, by: Int!, commandId: ID): Counter!
}

type Counter {
  id: ID!
  value: Int!
}
`

const COUNTER = "query ($id: ID!) { counter(id: $id) { id value } }"
const INCREMENT = "mutation ($id: ID!, $by: Int!, $c: ID) { increment(counterId: $id, by: $by, commandId: $c) { value } }"

/** A counter that only goes up: the example domain of the guide "Add a domain". */
export const counter = defineDomain({
  name: "counter",
  handlers: [counterHandler],
  projectors: [counterProjector],
  views: [countersView],
  api: {
    schema,
    mutations: {
      increment: mutation({
        handler: counterHandler,
        command: Increment,
        input: ({ counterId, by }) => ({ _tag: "Increment", counterId, by }),
        view: countersView,
        key: (command) => command.counterId
      })
    },
    queries: {
      counter: query({ args: Schema.Struct({ id: Inputs.Id }), view: countersView, key: ({ id }) => id })
    }
  },
  // One answer per rejection: leaving one out does not compile.
  errors: {
    CounterLimit: (e) => ({
      code: "COUNTER_LIMIT",
      message: `The counter stands at ${e.value}; ${e.by} more would pass the limit.`,
      extensions: { value: e.value }
    })
  },
  examples: [
    {
      name: "a counter goes up, once per commandId, and never past its limit",
      steps: (run) => [
        { query: COUNTER, variables: { id: run }, data: { counter: null } },
        { query: INCREMENT, variables: { id: run, by: 2, c: "first" }, data: { increment: { value: 2 } } },
        { query: INCREMENT, variables: { id: run, by: 2, c: "first" }, data: { increment: { value: 2 } } },
        { query: INCREMENT, variables: { id: run, by: 1000 }, data: { increment: { value: 1002 } } },
        { query: INCREMENT, variables: { id: run, by: 0 }, code: "BAD_USER_INPUT" },
        { query: COUNTER, variables: { id: run }, data: { counter: { id: run, value: 1002 } } }
      ]
    }
  ],
  // GraphiQL opens it in a tab of its own.
  playground: `mutation Increment {
  increment(counterId: "c1", by: 2, commandId: "first") {
    id
    value
  }
}

query Counter {
  counter(id: "c1") {
    id
    value
  }
}
`
})
