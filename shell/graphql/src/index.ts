export {
  type CorsOptions,
  type DocumentLimits,
  defaultCors,
  defaultDocumentLimits,
  defaultHttpLimits,
  type HttpLimits,
  type ServerOptions,
  serverConfig
} from "./config"
export { routes, serve } from "./server"
export { runServer, startServer, type RunningServer } from "./run"
