// The package ships no types: what it returns is described where it is read (metrics.ts).
declare module "parse-prometheus-text-format" {
  const parsePrometheusTextFormat: (text: string) => unknown
  export default parsePrometheusTextFormat
}
