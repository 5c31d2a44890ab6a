export {
  spanOfTraceparent,
  tracingConfig,
  tracingFromEnv,
  tracingTo,
  type OtlpProtocol,
  type TracingConfig
} from "./tracing"
