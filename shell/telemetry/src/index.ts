export { metricsPortConfig, operationsRoutes, serveOperations, withOperationsServer } from "./http"
export { PrometheusMetrics, prometheusContentType, ScrapeFailed, scrapeTimeout } from "./prometheus"
