// The latency-versus-throughput chart as SVG (log-log: the offered rate of
// each step on x, which is also the answered rate wherever a step kept up;
// latency from intended send time on y; p99 solid, p50 dashed, failed steps
// hollow; the SLO as a red line), and a PNG of it when rsvg-convert (Debian:
// librsvg2-bin) or ImageMagick is installed.
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";

export interface ChartPoint {
  x: number;
  p50: number;
  p99: number;
  pass: boolean;
}

export interface ChartSeries {
  label: string;
  points: ChartPoint[];
}

const COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#7f7f7f"];
const W = 1000;
const H = 700;
const M = { left: 80, right: 30, top: 50, bottom: 170 };

function ticks(lo: number, hi: number): number[] {
  const out: number[] = [];
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) {
    for (const m of [1, 2, 5]) {
      const v = m * 10 ** e;
      if (v >= lo * 0.999 && v <= hi * 1.001) out.push(v);
    }
  }
  return out;
}

const label = (v: number) => (v >= 1000 ? `${v / 1000}k` : v >= 1 ? String(v) : v.toString());
const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

export function renderChart(title: string, subtitle: string, series: ChartSeries[], sloMs: number): string {
  const pts = series.flatMap((s) => s.points).filter((p) => p.x > 0 && p.p50 > 0);
  const xs = pts.map((p) => p.x);
  const ys = pts.flatMap((p) => [p.p50, p.p99]).concat(sloMs);
  const xlo = 10 ** Math.floor(Math.log10(Math.min(...xs, 100)));
  const xhi = 10 ** Math.ceil(Math.log10(Math.max(...xs, 1000)));
  const ylo = 10 ** Math.floor(Math.log10(Math.max(0.1, Math.min(...ys))));
  const yhi = 10 ** Math.ceil(Math.log10(Math.max(...ys, 100)));
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  const X = (v: number) => M.left + ((Math.log10(v) - Math.log10(xlo)) / (Math.log10(xhi) - Math.log10(xlo))) * pw;
  const Y = (v: number) => M.top + ph - ((Math.log10(v) - Math.log10(ylo)) / (Math.log10(yhi) - Math.log10(ylo))) * ph;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="DejaVu Sans, Arial, sans-serif" font-size="13">`);
  out.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  out.push(`<text x="${M.left}" y="22" font-size="17" font-weight="bold">${esc(title)}</text>`);
  out.push(`<text x="${M.left}" y="40" font-size="12" fill="#444">${esc(subtitle)}</text>`);
  for (const t of ticks(xlo, xhi)) {
    out.push(`<line x1="${X(t)}" y1="${M.top}" x2="${X(t)}" y2="${M.top + ph}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${X(t)}" y="${M.top + ph + 18}" text-anchor="middle">${label(t)}</text>`);
  }
  for (const t of ticks(ylo, yhi)) {
    out.push(`<line x1="${M.left}" y1="${Y(t)}" x2="${M.left + pw}" y2="${Y(t)}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${M.left - 8}" y="${Y(t) + 4}" text-anchor="end">${label(t)}</text>`);
  }
  out.push(`<rect x="${M.left}" y="${M.top}" width="${pw}" height="${ph}" fill="none" stroke="#333"/>`);
  out.push(`<text x="${M.left + pw / 2}" y="${M.top + ph + 40}" text-anchor="middle">offered rate = throughput where the step kept up (requests/s, log scale)</text>`);
  out.push(`<text transform="translate(20 ${M.top + ph / 2}) rotate(-90)" text-anchor="middle">latency from intended send (ms, log scale)</text>`);
  out.push(`<line x1="${M.left}" y1="${Y(sloMs)}" x2="${M.left + pw}" y2="${Y(sloMs)}" stroke="#d62728" stroke-width="1.5" stroke-dasharray="6 4"/>`);
  out.push(`<text x="${M.left + pw - 4}" y="${Y(sloMs) - 5}" text-anchor="end" fill="#d62728">SLO: p99 ${sloMs} ms</text>`);

  series.forEach((s, k) => {
    const c = COLORS[k % COLORS.length]!;
    const ps = s.points.filter((p) => p.x > 0 && p.p50 > 0).sort((a, b) => a.x - b.x);
    const lx = M.left + (k % 2) * (pw / 2);
    const ly = M.top + ph + 68 + Math.floor(k / 2) * 22;
    out.push(`<line x1="${lx}" y1="${ly}" x2="${lx + 25}" y2="${ly}" stroke="${c}" stroke-width="2.2"/>`);
    out.push(`<text x="${lx + 32}" y="${ly + 4}">${esc(s.label)}${ps.length ? "" : " (no successful step)"}</text>`);
    if (ps.length === 0) return;
    const path = (f: (p: ChartPoint) => number) => ps.map((p, i) => `${i ? "L" : "M"}${X(p.x).toFixed(1)},${Y(f(p)).toFixed(1)}`).join(" ");
    out.push(`<path d="${path((p) => p.p99)}" fill="none" stroke="${c}" stroke-width="2.2"/>`);
    out.push(`<path d="${path((p) => p.p50)}" fill="none" stroke="${c}" stroke-width="1.4" stroke-dasharray="5 4"/>`);
    for (const p of ps) {
      out.push(`<circle cx="${X(p.x).toFixed(1)}" cy="${Y(p.p99).toFixed(1)}" r="4" fill="${p.pass ? c : "white"}" stroke="${c}" stroke-width="1.8"/>`);
      out.push(`<circle cx="${X(p.x).toFixed(1)}" cy="${Y(p.p50).toFixed(1)}" r="2.5" fill="${c}"/>`);
    }
  });
  out.push(`<text x="${M.left}" y="${H - 12}" font-size="11" fill="#444">solid line: p99, dashed: p50; filled dot: step within the SLO, hollow: step failed</text>`);
  out.push("</svg>");
  return out.join("\n");
}

/** Writes the SVG and, if a converter is installed, the PNG; returns the PNG path or why there is none. */
export function writeChart(svg: string, svgPath: string, pngPath: string): { png?: string; note?: string } {
  writeFileSync(svgPath, svg);
  const tries: Array<[string, string[]]> = [
    ["rsvg-convert", ["-w", String(W * 1.5), "-o", pngPath, svgPath]],
    ["convert", ["-density", "144", svgPath, pngPath]],
  ];
  for (const [cmd, args] of tries) {
    try {
      execFileSync(cmd, args, { stdio: "ignore", timeout: 30_000 });
      return { png: pngPath };
    } catch {
      /* next */
    }
  }
  return { note: "no SVG converter found (apt-get install librsvg2-bin gives rsvg-convert): the chart is SVG only" };
}
