export {
  Executor,
  type AnyHandler,
  type AnyProjector,
  type ExecutorOptions,
  type ExecutorPorts,
  type Outcome,
  type RunError
} from "./executor"
export { EventStore, eventEncoderOf, eventsOf, type Commit, type Committed } from "./event-store"
export { docsChangedBy, makeDocWatch, nextDoc, Views, type Doc, type DocId, type ItemsPage, type VersionedDoc } from "./views"
export { BadInput, IdempotencyConflict, Timeout, Unavailable, WriteConflict } from "./errors"
export { CommandBus } from "./command-bus"
export { dependencies, failing, Health, readings, type HealthCheck } from "./health"
export { Logging } from "./logging"
export { decodedBy, encodedBy, perSchema } from "./schema-cache"
export { withStateCache } from "./state-cache"
export { makeMemoryStore, MemoryStore } from "./memory/store"
export { InProcessEventSystem, type InProcessOptions } from "./event-system/in-process"
export { makeDeadlines, type Deadline } from "./event-system/deadlines"
export { continueTraceWithinMs, continuing, endSpans, spanOfTraceparent, spanOptions, traceparentOf, Tracing } from "./tracing"
export {
  histograms,
  levels,
  projectionLag,
  sampledOnScrape,
  sampleMetrics,
  totals,
  type Labels,
  type Level,
  type Observed,
  type Total
} from "./metrics"
export { commandIdCausedBy, dispatcherOf, envelopeOf, partsOf, sendDispatch, type Dispatch } from "./process-manager"
