import { readFileSync } from "node:fs"
import { Effect, Exit, Option, Runtime } from "effect"
import { GraphQLScalarType } from "graphql"
import { createSchema, createYoga } from "graphql-yoga"
import { customersByEmailView, customersView, transactionsView, walletsView } from "@low/functions"
import type { CommandBus } from "@low/core"
import { Views, type Doc } from "@low/core"
import { decodeArgs, decodeCursor, encodeCursor, PageArgs } from "./arguments"
import { useBodyLimit } from "./body-limit"
import { useDocumentCache } from "./document-cache"
import { answerFailure } from "./errors"
import { EmailArg, mutations, WalletIdArg } from "./routes"

/** The contract every project serves, verbatim. */
export const typeDefs = readFileSync(new URL("./schema.graphql", import.meta.url), "utf8")

const DateTime = new GraphQLScalarType<string, string>({
  name: "DateTime",
  description: "ISO-8601 in UTC",
  serialize: (value) => new Date(value as string).toISOString()
})

const doc = (name: string, key: string) =>
  Effect.flatMap(Views, (views) => views.doc(name, key)).pipe(Effect.map(Option.getOrNull))

/** The largest request body served; the contract's requests are a few hundred bytes. */
export const maxBodyBytes = 1_000_000

/** A graphql-yoga server for the contract, resolving through the command bus and the views. */
export const makeYoga = (runtime: Runtime.Runtime<CommandBus | Views>) => {
  const exitOf = Runtime.runPromiseExit(runtime)
  const runFailure = Runtime.runPromise(runtime)
  const run = <A>(effect: Effect.Effect<A, unknown, CommandBus | Views>, commandId?: string | null): Promise<A> =>
    exitOf(effect).then((exit) =>
      Exit.isSuccess(exit)
        ? exit.value
        : runFailure(answerFailure(exit.cause, commandId ?? undefined)).then((error) => Promise.reject(error))
    )

  const resolvers = {
    DateTime,
    Query: {
      wallet: (_: unknown, args: { id: string }) =>
        run(Effect.flatMap(decodeArgs(WalletIdArg, args), ({ id }) => doc(walletsView, id))),
      customer: (_: unknown, args: { id: string }) => run(doc(customersView, args.id)),
      customerByEmail: (_: unknown, args: { email: string }) =>
        run(Effect.flatMap(decodeArgs(EmailArg, args), ({ email }) => doc(customersByEmailView, email)))
    },
    Mutation: {
      openWallet: (_: unknown, args: Parameters<typeof mutations.openWallet>[0]) => run(mutations.openWallet(args), args.commandId),
      credit: (_: unknown, args: Parameters<typeof mutations.credit>[0]) => run(mutations.credit(args), args.commandId),
      debit: (_: unknown, args: Parameters<typeof mutations.debit>[0]) => run(mutations.debit(args), args.commandId),
      inviteCustomer: (_: unknown, args: Parameters<typeof mutations.inviteCustomer>[0]) =>
        run(mutations.inviteCustomer(args), args.commandId)
    },
    Wallet: {
      transactions: (wallet: Doc & { id: string }, args: { first: number; after?: string | null }) =>
        run(
          Effect.gen(function* () {
            const { first, after } = yield* decodeArgs(PageArgs, args)
            const before = after == null ? undefined : yield* decodeCursor(wallet.id, after)
            const views = yield* Views
            const page = yield* views.items(transactionsView, wallet.id, { first, before })
            const last = page.items.at(-1)
            return {
              items: page.items.map(({ item }) => item),
              nextCursor: page.more && last !== undefined ? encodeCursor(wallet.id, last.order) : null
            }
          })
        )
    }
  }

  return createYoga({
    schema: createSchema({ typeDefs, resolvers }),
    graphqlEndpoint: "/graphql",
    landingPage: false,
    logging: "error",
    // yoga's own limit re-streams every body; this one reads a Content-Length and streams only chunked bodies.
    maxRequestBodySize: false,
    parserAndValidationCache: false,
    plugins: [useBodyLimit(maxBodyBytes), useDocumentCache()]
  })
}
