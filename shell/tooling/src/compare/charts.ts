import * as vega from "vega"
import { compile, type TopLevelSpec } from "vega-lite"
import { stages } from "./stages"
import { percentiles, type ProjectResult } from "./summary"

/** A Vega-Lite chart as static SVG, rendered here: the report needs no script, no network and no browser to draw. */
const svgOf = (spec: TopLevelSpec) => new vega.View(vega.parse(compile(spec).spec), { renderer: "none" }).toSVG()

const width = 720
// One colour per stage, the same in every chart: Tableau 10, and a grey for "other".
const palette = ["#bab0ac", "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#79706e"]
const config = { font: "system-ui, sans-serif", view: { stroke: null } } as const
const projectAxis = { title: null, labelLimit: 160 } as const
const projectOrder = (results: ReadonlyArray<ProjectResult>) => results.map((r) => r.project)

/** Mutations per second, one bar per project. */
export const throughputChart = (results: ReadonlyArray<ProjectResult>) =>
  svgOf({
    width,
    config,
    data: { values: results.map((r) => ({ project: r.project, rate: r.mutationsPerSecond })) },
    encoding: {
      y: { field: "project", type: "nominal", sort: projectOrder(results), axis: projectAxis },
      x: { field: "rate", type: "quantitative", title: "mutations/s" }
    },
    layer: [
      { mark: "bar", encoding: { color: { field: "project", type: "nominal", sort: projectOrder(results), legend: null } } },
      { mark: { type: "text", align: "left", dx: 4 }, encoding: { text: { field: "rate", type: "quantitative", format: "," } } }
    ]
  })

/** Latency by percentile, one line per project, on a log scale of milliseconds. */
export const latencyChart = (results: ReadonlyArray<ProjectResult>) =>
  svgOf({
    width,
    height: 300,
    config,
    data: {
      values: results.flatMap((r) =>
        r.curve.map((ms, i) => ({ project: r.project, percentile: `p${percentiles[i]}`, ms: Math.max(ms, 0.1) }))
      )
    },
    mark: { type: "line", point: true },
    encoding: {
      x: { field: "percentile", type: "ordinal", sort: percentiles.map((p) => `p${p}`), title: null },
      y: { field: "ms", type: "quantitative", scale: { type: "log" }, title: "latency, ms" },
      color: { field: "project", type: "nominal", sort: projectOrder(results), title: null, legend: { orient: "top" } }
    }
  })

/**
 * Where the time of a traced mutation goes, one stacked bar per project: the mean milliseconds of each stage, in
 * the order a mutation meets them; from the load's side, or only the server's part (without "client & sockets").
 */
export const stagesChart = (results: ReadonlyArray<ProjectResult>, loadSide: boolean) => {
  const values = results.flatMap((r) =>
    (r.stages?.stages ?? [])
      .filter(({ stage }) => loadSide || stage !== "client & sockets")
      .map(({ stage, ms }) => ({ project: r.project, stage, ms, order: stages.indexOf(stage) }))
  )
  return svgOf({
    width,
    config,
    data: { values },
    encoding: {
      y: { field: "project", type: "nominal", sort: projectOrder(results), axis: projectAxis }
    },
    layer: [
      {
        mark: "bar",
        encoding: {
          x: {
            field: "ms",
            type: "quantitative",
            aggregate: "sum",
            title: loadSide ? "ms per mutation, as the load measured it" : "ms per mutation in the server"
          },
          color: {
            field: "stage",
            type: "nominal",
            scale: { domain: [...stages], range: palette },
            title: null,
            legend: { orient: "bottom", columns: 6, values: stages.filter((stage) => values.some((v) => v.stage === stage)) }
          },
          order: { field: "order", type: "quantitative" }
        }
      },
      {
        mark: { type: "text", align: "left", dx: 4 },
        encoding: {
          x: { field: "ms", type: "quantitative", aggregate: "sum" },
          text: { field: "ms", type: "quantitative", aggregate: "sum", format: ".1f" }
        }
      }
    ]
  })
}
