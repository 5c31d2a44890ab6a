export { metricsPortConfig, operationsRoutes, serveOperations, withOperationsServer } from "./http"
export { exposition, PrometheusMetrics, prometheusContentType, scrapeTimeout } from "./prometheus"
export { tracingConfig, tracingFromEnv, type OtlpProtocol, type Service, type TracingConfig } from "./tracing"
