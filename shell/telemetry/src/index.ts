export { tracingConfig, tracingFromEnv, type OtlpProtocol, type Service, type TracingConfig } from "./tracing"
