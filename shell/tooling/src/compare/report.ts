import { mkdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { latencyChart, stagesChart, throughputChart } from "./charts"
import type { CompareOptions } from "./options"
import { type Stage, stages } from "./stages"
import type { ProjectResult } from "./summary"

const verdictOf = (r: ProjectResult) =>
  r.error !== undefined ? `FAILED TO RUN: ${r.error}` : r.correctness.ok ? "correct" : `WRONG (${r.correctness.failures.length})`

/** The terminal table. */
export const table = (results: ReadonlyArray<ProjectResult>) => {
  const rows = [
    ["project", "mutations/s", "p50 ms", "p95 ms", "p99 ms", "answers by code", "final state"],
    ...results.map((r) => [
      r.project,
      String(r.mutationsPerSecond),
      String(r.latencyMs.p50),
      String(r.latencyMs.p95),
      String(r.latencyMs.p99),
      Object.entries(r.codes)
        .map(([c, n]) => `${c} ${n}`)
        .join(", "),
      verdictOf(r)
    ])
  ]
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)))
  return rows.map((row) => row.map((cell, i) => cell.padEnd(widths[i]!)).join("  ")).join("\n")
}

const escapeHtml = (s: string) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`)

/** The stage breakdown for the terminal: one row per project that has one, mean ms per mutation in each stage. */
export const stageTable = (results: ReadonlyArray<ProjectResult>) => {
  const traced = results.filter((r) => r.stages !== undefined)
  if (traced.length === 0) return "no traced mutations: no stage breakdown"
  const rows = [
    ["where the time goes (ms)", "traced", "mean", "in server", ...stages],
    ...traced.map((r) => {
      const ms = new Map(r.stages!.stages.map(({ stage, ms }) => [stage, ms]))
      return [
        r.project,
        String(r.stages!.traces),
        r.stages!.meanMs.toFixed(2),
        r.stages!.serverMs.toFixed(2),
        ...stages.map((s) => (ms.has(s) ? ms.get(s)!.toFixed(2) : "-"))
      ]
    })
  ]
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)))
  return rows.map((row) => row.map((cell, i) => cell.padEnd(widths[i]!)).join("  ")).join("\n")
}

/** A row of the stage table, when some project met `stage`. */
const stageRow = (traced: ReadonlyArray<ProjectResult>, stage: Stage, indent: string) =>
  traced.some((r) => r.stages!.stages.some((s) => s.stage === stage))
    ? `<tr><td>${indent}${escapeHtml(stage)}</td>${traced.map((r) => `<td>${r.stages!.stages.find((s) => s.stage === stage)?.ms.toFixed(2) ?? ""}</td>`).join("")}</tr>\n`
    : ""

const stagesSection = async (options: CompareOptions, results: ReadonlyArray<ProjectResult>) => {
  const traced = results.filter((r) => r.stages !== undefined)
  if (traced.length === 0) return `<h2>Where the time goes</h2><p>No mutation was traced (--trace-ratio ${options.traceRatio}).</p>`
  return `<h2>Where the time goes</h2>
<p>${Math.round(options.traceRatio * 100)} % of the mutations traced, in every process of the deployment, and timed by the load: each instant of the server's HTTP span is the stage of the most specific span running then, and what the load measured beyond it is "client &amp; sockets" (the load generator, the sockets, and the requests a busy server has not read yet). Mean milliseconds per mutation.</p>
<h3>From the load's side</h3>${await stagesChart(results, true)}
<h3>In the server</h3>${await stagesChart(results, false)}
<table><tr><th>ms per mutation</th>${traced.map((r) => `<th>${escapeHtml(r.project)}</th>`).join("")}</tr>
<tr><td>mean, as the load measured it</td>${traced.map((r) => `<td>${r.stages!.meanMs.toFixed(2)}</td>`).join("")}</tr>
${stageRow(traced, "client & sockets", "&nbsp; ")}
<tr><td>&nbsp; in the server</td>${traced.map((r) => `<td>${r.stages!.serverMs.toFixed(2)}</td>`).join("")}</tr>
${stages
  .filter((stage) => stage !== "client & sockets")
  .map((stage) => stageRow(traced, stage, "&nbsp; &nbsp; &nbsp; "))
  .join("")}
<tr><td>mutations traced</td>${traced.map((r) => `<td>${r.stages!.traces}</td>`).join("")}</tr>
</table>`
}

const html = async (options: CompareOptions, results: ReadonlyArray<ProjectResult>, when: string) => `<!doctype html>
<html><head><meta charset="utf-8"><title>Deployment comparison ${escapeHtml(when)}</title>
<style>body{font-family:system-ui,sans-serif;margin:2em;max-width:980px}td,th{padding:4px 10px;text-align:left;border-bottom:1px solid #ddd}.ok{color:#2ca02c}.bad{color:#d62728;font-weight:bold}</style></head>
<body><h1>Deployment comparison</h1>
<p>${escapeHtml(when)} · ${options.wallets} wallets · ${options.seconds} s per project · ${options.rate === undefined ? `${options.connections} connections` : `${options.rate} requests/s offered`} · mix credit:debit:invite:transfer ${options.mix.credit}:${options.mix.debit}:${options.mix.invite}:${options.mix.transfer}</p>
<table><tr><th>project</th><th>mutations/s</th><th>p50</th><th>p95</th><th>p99</th><th>answers by code</th><th>final state</th></tr>
${results
  .map(
    (r) =>
      `<tr><td>${escapeHtml(r.project)}</td><td>${r.mutationsPerSecond}</td><td>${r.latencyMs.p50} ms</td><td>${r.latencyMs.p95} ms</td><td>${r.latencyMs.p99} ms</td><td>${escapeHtml(
        Object.entries(r.codes)
          .map(([c, n]) => `${c} ${n}`)
          .join(", ")
      )}</td><td class="${r.correctness.ok && r.error === undefined ? "ok" : "bad"}">${escapeHtml(verdictOf(r))}</td></tr>`
  )
  .join("\n")}
</table>
<h2>Throughput</h2>${await throughputChart(results)}
<h2>Latency by percentile</h2>${await latencyChart(results)}
${await stagesSection(options, results)}
${results
  .filter((r) => !r.correctness.ok)
  .map(
    (r) =>
      `<h2 class="bad">${escapeHtml(r.project)}: what is wrong</h2><ul>${r.correctness.failures
        .slice(0, 50)
        .map((f) => `<li>${escapeHtml(f)}</li>`)
        .join("")}</ul>`
  )
  .join("")}
</body></html>
`

/** Writes the JSON of every figure and the HTML report; returns their paths. */
export const writeReports = async (options: CompareOptions, results: ReadonlyArray<ProjectResult>) => {
  const when = new Date().toISOString()
  const stamp = when.replace(/[:.]/g, "-")
  mkdirSync(options.out, { recursive: true })
  const json = join(options.out, `compare-${stamp}.json`)
  const page = join(options.out, `compare-${stamp}.html`)
  writeFileSync(json, JSON.stringify({ when, options, results }, null, 2))
  writeFileSync(page, await html(options, results, when))
  return { json, html: page }
}
