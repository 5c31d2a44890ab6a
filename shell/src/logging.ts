import { Config, Effect, Layer, Logger, LogLevel } from "effect"

/** Structured log lines (logfmt), at the level named by LOG_LEVEL (default Info). */
export const Logging = Layer.unwrapEffect(
  Effect.map(
    Config.logLevel("LOG_LEVEL").pipe(Config.withDefault(LogLevel.Info)),
    (level) => Layer.merge(Logger.replace(Logger.defaultLogger, Logger.logfmtLogger), Logger.minimumLogLevel(level))
  )
).pipe(Layer.orDie)
