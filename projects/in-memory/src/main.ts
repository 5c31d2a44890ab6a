import { Effect, Layer } from "effect"
import { Executor, Health, InProcessEventSystem, MemoryStore, partsOf } from "@low/core"
import { runServer, serve, serverConfig, type ServerOptions } from "@low/graphql"
import { domains } from "./domains"

/** Everything in one process: memory ports, the in-process event system, the GraphQL server. */
export const InMemory = (server: ServerOptions) =>
  serve(server).pipe(
    Layer.provide(InProcessEventSystem(partsOf(server.domains))),
    Layer.provide(Executor.layer()),
    Layer.provideMerge(MemoryStore.layer),
    Layer.provide(Health.none)
  )

export const main = () =>
  runServer(Layer.unwrapEffect(Effect.map(serverConfig, (server) => InMemory({ ...server, domains }))), { name: "in-memory" })
