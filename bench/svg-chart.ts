// Line charts as standalone SVG, for BENCHMARKS.md: one line per series, labelled axes, a
// legend. No dependency: the benchmark writes them on any machine that runs it.

/** One line: its name and points (x, y); points with a non-finite y are left out. */
export interface Series {
  readonly name: string;
  readonly points: readonly (readonly [number, number])[];
}

/** What to draw. */
export interface LineChart {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly series: readonly Series[];
  /** Logarithmic x axis (viewer counts spanning orders of magnitude). */
  readonly logX?: boolean;
  /** Logarithmic y axis (latencies from milliseconds to seconds). */
  readonly logY?: boolean;
}

const WIDTH = 720;
const HEIGHT = 420;
const MARGIN = { left: 80, right: 190, top: 50, bottom: 60 };
const COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"];

function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** Round tick values covering [min, max]. */
function ticks(min: number, max: number, count: number): number[] {
  const span = max - min || 1;
  const step = 10 ** Math.floor(Math.log10(span / count));
  const nice = [1, 2, 5, 10].map((m) => m * step).find((s) => span / s <= count) ?? 10 * step;
  const first = Math.ceil(min / nice) * nice;
  const values: number[] = [];
  for (let v = first; v <= max + nice * 1e-9; v += nice) values.push(Number(v.toPrecision(12)));
  return values;
}

function formatTick(value: number): string {
  if (Math.abs(value) >= 1_000_000) return `${value / 1_000_000}M`;
  if (Math.abs(value) >= 1_000) return `${value / 1_000}k`;
  return String(Number(value.toPrecision(4)));
}

/** Renders the chart as an SVG document. */
export function renderLineChart(chart: LineChart): string {
  const points = chart.series.flatMap((s) => s.points.filter(([, y]) => Number.isFinite(y)));
  const xs = points.map(([x]) => x);
  const ys = points.map(([, y]) => y);
  const fx = chart.logX ? (x: number) => Math.log10(Math.max(x, 1)) : (x: number) => x;
  const [xMin, xMax] = xs.length ? [Math.min(...xs.map(fx)), Math.max(...xs.map(fx))] : [0, 1];
  const fy = chart.logY ? (y: number) => Math.log10(Math.max(y, 1)) : (y: number) => y;
  const yMax = ys.length ? Math.max(...ys.map(fy)) * 1.1 || 1 : 1;
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const sx = (x: number) => MARGIN.left + ((fx(x) - xMin) / (xMax - xMin || 1)) * plotW;
  const sy = (y: number) => MARGIN.top + plotH - (fy(y) / yMax) * plotH;

  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${WIDTH / 2 - MARGIN.right / 2}" y="24" text-anchor="middle" font-size="15" font-weight="bold">${escapeXml(chart.title)}</text>`,
  ];
  const yTicks = chart.logY ? Array.from({ length: Math.floor(yMax) + 1 }, (_, i) => 10 ** i) : ticks(0, yMax, 6);
  for (const y of yTicks) {
    parts.push(`<line x1="${MARGIN.left}" x2="${MARGIN.left + plotW}" y1="${sy(y)}" y2="${sy(y)}" stroke="#e5e5e5"/>`);
    parts.push(`<text x="${MARGIN.left - 8}" y="${sy(y) + 4}" text-anchor="end">${formatTick(y)}</text>`);
  }
  const xTicks = chart.logX ? [...new Set(xs)].sort((a, b) => a - b) : ticks(xMin, xMax, 6);
  for (const x of xTicks) parts.push(`<text x="${sx(x)}" y="${MARGIN.top + plotH + 18}" text-anchor="middle">${formatTick(x)}</text>`);
  parts.push(
    `<line x1="${MARGIN.left}" x2="${MARGIN.left}" y1="${MARGIN.top}" y2="${MARGIN.top + plotH}" stroke="#333"/>`,
    `<line x1="${MARGIN.left}" x2="${MARGIN.left + plotW}" y1="${MARGIN.top + plotH}" y2="${MARGIN.top + plotH}" stroke="#333"/>`,
    `<text x="${MARGIN.left + plotW / 2}" y="${HEIGHT - 16}" text-anchor="middle">${escapeXml(chart.xLabel)}</text>`,
    `<text transform="translate(18 ${MARGIN.top + plotH / 2}) rotate(-90)" text-anchor="middle">${escapeXml(chart.yLabel)}</text>`,
  );
  chart.series.forEach((series, i) => {
    const colour = COLOURS[i % COLOURS.length]!;
    const drawn = series.points.filter(([, y]) => Number.isFinite(y));
    if (drawn.length > 1)
      parts.push(
        `<polyline fill="none" stroke="${colour}" stroke-width="2" points="${drawn.map(([x, y]) => `${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join(" ")}"/>`,
      );
    for (const [x, y] of drawn) parts.push(`<circle cx="${sx(x).toFixed(1)}" cy="${sy(y).toFixed(1)}" r="3.5" fill="${colour}"/>`);
    const legendY = MARGIN.top + 10 + i * 20;
    parts.push(`<rect x="${WIDTH - MARGIN.right + 16}" y="${legendY - 9}" width="14" height="4" fill="${colour}"/>`);
    parts.push(`<text x="${WIDTH - MARGIN.right + 36}" y="${legendY - 3}">${escapeXml(series.name)}</text>`);
  });
  parts.push("</svg>");
  return `${parts.join("\n")}\n`;
}
