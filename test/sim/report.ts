import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The p-th percentile (nearest rank) of `xs`; 0 for none. */
export function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? 0;
}

export interface Series {
  name: string;
  color: string;
  values: number[];
}

export interface Chart {
  title: string;
  /** Labels of the x buckets (simulated time). */
  labels: string[];
  unit: string;
  series: Series[];
  /** Bars stacked per bucket instead of lines. */
  stacked?: boolean;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** One chart as inline SVG: lines, or stacked bars; axes, a few ticks, a legend. */
export function svgChart(chart: Chart, width = 720, height = 260): string {
  const left = 56;
  const right = 12;
  const top = 28;
  const bottom = 44;
  const w = width - left - right;
  const h = height - top - bottom;
  const n = Math.max(1, chart.labels.length);
  const totals = chart.labels.map((_, i) =>
    chart.stacked
      ? chart.series.reduce((a, s) => a + (s.values[i] ?? 0), 0)
      : Math.max(0, ...chart.series.map((s) => s.values[i] ?? 0)),
  );
  const max = Math.max(1, ...totals) * 1.05;
  const x = (i: number) => left + (chart.stacked ? (i + 0.5) * (w / n) : n === 1 ? w / 2 : (i * w) / (n - 1));
  const y = (v: number) => top + h - (v / max) * h;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<text x="${left}" y="16" font-size="13" font-weight="bold">${esc(chart.title)}</text>`,
    `<line x1="${left}" y1="${top + h}" x2="${left + w}" y2="${top + h}" stroke="#888"/>`,
    `<line x1="${left}" y1="${top}" x2="${left}" y2="${top + h}" stroke="#888"/>`,
  ];
  for (let k = 0; k <= 4; k++) {
    const v = (max / 4) * k;
    parts.push(
      `<line x1="${left}" y1="${y(v)}" x2="${left + w}" y2="${y(v)}" stroke="#eee"/>`,
      `<text x="${left - 4}" y="${y(v) + 4}" text-anchor="end">${v >= 100 ? Math.round(v) : v.toFixed(1)}</text>`,
    );
  }
  parts.push(`<text x="8" y="${top - 8}">${esc(chart.unit)}</text>`);
  const every = Math.max(1, Math.ceil(n / 12));
  chart.labels.forEach((label, i) => {
    if (i % every === 0)
      parts.push(`<text x="${x(i)}" y="${top + h + 14}" text-anchor="middle">${esc(label)}</text>`);
  });
  if (chart.stacked) {
    const bw = Math.max(1, (w / n) * 0.8);
    chart.labels.forEach((_, i) => {
      let base = 0;
      for (const s of chart.series) {
        const v = s.values[i] ?? 0;
        if (v > 0)
          parts.push(
            `<rect x="${x(i) - bw / 2}" y="${y(base + v)}" width="${bw}" height="${y(base) - y(base + v)}" fill="${s.color}"><title>${esc(s.name)}: ${v}</title></rect>`,
          );
        base += v;
      }
    });
  } else {
    for (const s of chart.series) {
      const points = s.values.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
      parts.push(`<polyline fill="none" stroke="${s.color}" stroke-width="2" points="${points}"/>`);
    }
  }
  let lx = left;
  for (const s of chart.series) {
    parts.push(
      `<rect x="${lx}" y="${height - 14}" width="10" height="10" fill="${s.color}"/>`,
      `<text x="${lx + 14}" y="${height - 5}">${esc(s.name)}</text>`,
    );
    lx += 24 + s.name.length * 6.5;
  }
  parts.push('</svg>');
  return parts.join('');
}

/** Writes report.md and report.html (the same tables, and the charts as inline SVG) into `dir`. */
export function writeReport(dir: string, title: string, markdown: string, charts: Chart[]): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'report.md'), `${markdown.trimEnd()}\n`);
  const html = [
    '<!doctype html><html lang="en"><head><meta charset="utf-8">',
    `<title>${esc(title)}</title>`,
    '<style>body{font-family:sans-serif;max-width:900px;margin:2em auto;padding:0 1em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 8px;text-align:left}pre{white-space:pre-wrap}.fail{color:#b00;font-weight:bold}.ok{color:#080;font-weight:bold}</style>',
    '</head><body>',
    markdownToHtml(markdown),
    ...charts.map((c) => `<figure>${svgChart(c)}</figure>`),
    '</body></html>',
  ].join('\n');
  writeFileSync(join(dir, 'report.html'), html);
}

/** The small markdown subset the report uses: headings, tables, bullets, paragraphs, **bold**, `code`. */
function markdownToHtml(md: string): string {
  const inline = (s: string) =>
    esc(s)
      .replace(/\*\*(.+?)\*\*/g, '<strong>$1</strong>')
      .replace(/`([^`]+)`/g, '<code>$1</code>');
  const out: string[] = [];
  const lines = md.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (line.startsWith('#')) {
      const level = /^#+/.exec(line)?.[0].length ?? 1;
      out.push(`<h${level}>${inline(line.slice(level).trim())}</h${level}>`);
    } else if (line.startsWith('|')) {
      const rows: string[][] = [];
      while (i < lines.length && (lines[i] ?? '').startsWith('|')) {
        const cells = (lines[i] ?? '')
          .slice(1, -1)
          .split('|')
          .map((c) => c.trim());
        if (!cells.every((c) => /^-+$/.test(c))) rows.push(cells);
        i++;
      }
      i--;
      out.push(
        `<table>${rows
          .map(
            (r, k) =>
              `<tr>${r.map((c) => (k === 0 ? `<th>${inline(c)}</th>` : `<td>${inline(c)}</td>`)).join('')}</tr>`,
          )
          .join('')}</table>`,
      );
    } else if (line.startsWith('- ')) {
      const items: string[] = [];
      while (i < lines.length && (lines[i] ?? '').startsWith('- '))
        items.push(inline((lines[i++] ?? '').slice(2)));
      i--;
      out.push(`<ul>${items.map((t) => `<li>${t}</li>`).join('')}</ul>`);
    } else if (line.trim()) out.push(`<p>${inline(line)}</p>`);
  }
  return out.join('\n');
}
