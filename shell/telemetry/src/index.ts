export {
  spanOfTraceparent,
  traceparentOf,
  tracingConfig,
  tracingFromEnv,
  tracingTo,
  type OtlpProtocol,
  type TracingConfig
} from "./tracing"
