import { Config, ConfigError, Effect, Either, Layer, Logger, LogLevel } from "effect"

/** A log level by name, in any case: Debug, info, WARNING, warn… */
const levelNamed = (name: string) =>
  LogLevel.allLevels.find((level) => [level._tag, level.label].some((n) => n.toLowerCase() === name.toLowerCase()))

const logLevel = Config.string("LOG_LEVEL").pipe(
  Config.withDefault("Info"),
  Config.mapOrFail((name) => {
    const level = levelNamed(name)
    return level === undefined
      ? Either.left(ConfigError.InvalidData([], `"${name}" is not a log level (Debug, Info, Warning, Error, None…)`))
      : Either.right(level)
  })
)

/** Structured log lines (one JSON object each), at the level named by LOG_LEVEL (default Info). */
export const Logging = Layer.unwrapEffect(Effect.map(logLevel, (level) => Layer.merge(Logger.json, Logger.minimumLogLevel(level)))).pipe(
  Layer.orDie
)
