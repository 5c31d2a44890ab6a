export { routes, serve, type ServerOptions } from "./server"
export { portConfig, runServer, startServer, type RunningServer } from "./run"
