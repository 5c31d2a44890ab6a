export { metricsPortConfig, operationsRoutes, serveOperations, withOperationsServer } from "./http"
export { PrometheusMetrics, prometheusContentType, ScrapeFailed, scrapeTimeout } from "./prometheus"
export { tracingConfig, tracingFromEnv, type OtlpProtocol, type Service, type TracingConfig } from "./tracing"
