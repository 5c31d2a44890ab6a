import { mkdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import type { CompareOptions } from "./options"
import { percentiles, type ProjectResult } from "./summary"

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

const colors = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"]
const escapeHtml = (s: string) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`)

/** Latency by percentile, one line per project, on a log scale of milliseconds. */
const latencySvg = (results: ReadonlyArray<ProjectResult>) => {
  const w = 720,
    h = 320,
    left = 60,
    bottom = 40
  const max = Math.max(1, ...results.flatMap((r) => r.curve))
  const y = (ms: number) => h - bottom - (Math.log10(1 + ms) / Math.log10(1 + max)) * (h - bottom - 20)
  const x = (i: number) => left + (i / (percentiles.length - 1)) * (w - left - 20)
  const lines = results.map(
    (r, k) =>
      `<polyline fill="none" stroke="${colors[k % colors.length]}" stroke-width="2" points="${r.curve.map((ms, i) => `${x(i)},${y(ms)}`).join(" ")}"/>`
  )
  const ticks = percentiles.map((p, i) => `<text x="${x(i)}" y="${h - 20}" font-size="10" text-anchor="middle">p${p}</text>`)
  const yTicks = [1, 10, 100, 1000, 10000]
    .filter((ms) => ms <= max * 1.5)
    .map(
      (ms) =>
        `<text x="${left - 6}" y="${y(ms) + 3}" font-size="10" text-anchor="end">${ms} ms</text><line x1="${left}" x2="${w - 20}" y1="${y(ms)}" y2="${y(ms)}" stroke="#eee"/>`
    )
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}">${yTicks.join("")}${ticks.join("")}${lines.join("")}</svg>`
}

/** Mutations per second, one bar per project. */
const throughputSvg = (results: ReadonlyArray<ProjectResult>) => {
  const w = 720,
    bar = 28,
    h = results.length * (bar + 12) + 10
  const max = Math.max(1, ...results.map((r) => r.mutationsPerSecond))
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}">${results
    .map((r, k) => {
      const y = 10 + k * (bar + 12),
        len = (r.mutationsPerSecond / max) * (w - 260)
      return `<text x="0" y="${y + 18}" font-size="12">${escapeHtml(r.project)}</text><rect x="150" y="${y}" width="${len}" height="${bar}" fill="${colors[k % colors.length]}"/><text x="${155 + len}" y="${y + 18}" font-size="12">${r.mutationsPerSecond}/s</text>`
    })
    .join("")}</svg>`
}

const html = (options: CompareOptions, results: ReadonlyArray<ProjectResult>, when: string) => `<!doctype html>
<html><head><meta charset="utf-8"><title>Deployment comparison ${escapeHtml(when)}</title>
<style>body{font-family:system-ui,sans-serif;margin:2em;max-width:980px}td,th{padding:4px 10px;text-align:left;border-bottom:1px solid #ddd}.ok{color:#2ca02c}.bad{color:#d62728;font-weight:bold}</style></head>
<body><h1>Deployment comparison</h1>
<p>${escapeHtml(when)} · ${options.wallets} wallets · ${options.seconds} s per project · ${options.rate === undefined ? `${options.connections} connections` : `${options.rate} requests/s offered`} · mix credit:debit:invite ${options.mix.credit}:${options.mix.debit}:${options.mix.invite}</p>
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
<h2>Throughput</h2>${throughputSvg(results)}
<h2>Latency by percentile</h2>
<p>${results.map((r, k) => `<span style="color:${colors[k % colors.length]}">■ ${escapeHtml(r.project)}</span>`).join(" &nbsp; ")}</p>${latencySvg(results)}
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
export const writeReports = (options: CompareOptions, results: ReadonlyArray<ProjectResult>) => {
  const when = new Date().toISOString()
  const stamp = when.replace(/[:.]/g, "-")
  mkdirSync(options.out, { recursive: true })
  const json = join(options.out, `compare-${stamp}.json`)
  const page = join(options.out, `compare-${stamp}.html`)
  writeFileSync(json, JSON.stringify({ when, options, results }, null, 2))
  writeFileSync(page, html(options, results, when))
  return { json, html: page }
}
