import { Config, ConfigError, Context, Effect, Either, FiberRef, FiberRefs, HashMap, Layer, Logger, LogLevel, Option, Tracer } from "effect"

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

/**
 * Effect's JSON lines, with the `traceId` and `spanId` of the span the line was logged in among its annotations,
 * so that a line leads to its trace and a trace to its lines.
 */
export const tracedJsonLogger = Logger.mapInputOptions(Logger.jsonLogger, (options) => {
  const span = Context.getOption(FiberRefs.getOrDefault(options.context, FiberRef.currentContext), Tracer.ParentSpan)
  if (Option.isNone(span)) return options
  const { traceId, spanId } = span.value
  return { ...options, annotations: HashMap.set(HashMap.set(options.annotations, "traceId", traceId), "spanId", spanId) }
})

/** Structured log lines (one JSON object each, with the trace they belong to), at the level LOG_LEVEL names (Info). */
export const Logging = Layer.unwrapEffect(
  Effect.map(logLevel, (level) =>
    Layer.merge(Logger.replace(Logger.defaultLogger, Logger.withConsoleLog(tracedJsonLogger)), Logger.minimumLogLevel(level))
  )
).pipe(Layer.orDie)
