// A dependency-free SVG of hit rate (recall) against false-hit rate: the whole range on the left,
// false-hit rates up to 10% on the right (where an operating point has to be).

export interface PlotCurve {
  label: string;
  color: string;
  /** x = false-hit rate, y = recall; NaN points are skipped. */
  points: ReadonlyArray<{ x: number; y: number }>;
  dashed?: boolean;
}

export interface PlotMarker {
  label: string;
  color: string;
  x: number;
  y: number;
}

export interface PlotSpec {
  title: string;
  subtitle: string;
  curves: readonly PlotCurve[];
  markers: readonly PlotMarker[];
}

const WIDTH = 1000;
const HEIGHT = 520;
const TOP = 80;
const PLOT_H = 320;
const PLOT_W = 380;
const PANELS = [
  { left: 80, xMax: 1, ticks: [0, 0.2, 0.4, 0.6, 0.8, 1], name: 'all false-hit rates' },
  { left: 580, xMax: 0.1, ticks: [0, 0.02, 0.04, 0.06, 0.08, 0.1], name: 'false-hit rate up to 10%' },
];
const Y_TICKS = [0, 0.2, 0.4, 0.6, 0.8, 1];

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const num = (v: number): string => String(Math.round(v * 10) / 10);
const tick = (v: number): string => String(Number(v.toFixed(3)));

function panel(spec: PlotSpec, p: (typeof PANELS)[number], index: number): string[] {
  const bottom = TOP + PLOT_H;
  const sx = (x: number): number => p.left + (x / p.xMax) * PLOT_W;
  const sy = (y: number): number => bottom - y * PLOT_H;
  const clip = `plot-area-${index}`;
  const out: string[] = [
    `<clipPath id="${clip}"><rect x="${p.left}" y="${TOP}" width="${PLOT_W}" height="${PLOT_H}"/></clipPath>`,
    `<rect x="${p.left}" y="${TOP}" width="${PLOT_W}" height="${PLOT_H}" fill="#ffffff" stroke="#444444"/>`,
    `<text x="${p.left + PLOT_W / 2}" y="${TOP - 10}" text-anchor="middle" font-size="13">${esc(p.name)}</text>`,
  ];
  for (const t of p.ticks) {
    out.push(`<line x1="${num(sx(t))}" y1="${TOP}" x2="${num(sx(t))}" y2="${bottom}" stroke="#e4e4e4"/>`);
    out.push(`<text x="${num(sx(t))}" y="${bottom + 18}" text-anchor="middle" font-size="11">${tick(t)}</text>`);
  }
  for (const t of Y_TICKS) {
    out.push(`<line x1="${p.left}" y1="${num(sy(t))}" x2="${p.left + PLOT_W}" y2="${num(sy(t))}" stroke="#e4e4e4"/>`);
    out.push(`<text x="${p.left - 8}" y="${num(sy(t) + 4)}" text-anchor="end" font-size="11">${tick(t)}</text>`);
  }
  out.push(`<text x="${p.left + PLOT_W / 2}" y="${bottom + 42}" text-anchor="middle" font-size="12">false-hit rate (false hits / label-0 rows)</text>`);
  const yMid = TOP + PLOT_H / 2;
  out.push(`<text x="${p.left - 48}" y="${yMid}" text-anchor="middle" font-size="12" transform="rotate(-90 ${p.left - 48} ${yMid})">hit rate = recall (correct hits / label-1 rows)</text>`);
  out.push(`<g clip-path="url(#${clip})">`);
  for (const c of spec.curves) {
    const pts: string[] = [];
    for (const { x, y } of c.points) {
      if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
      const s = `${num(sx(x))},${num(sy(y))}`;
      if (pts[pts.length - 1] !== s) pts.push(s);
    }
    const dash = c.dashed === true ? ' stroke-dasharray="6 4"' : '';
    out.push(`<polyline fill="none" stroke="${c.color}" stroke-width="2"${dash} points="${pts.join(' ')}"><title>${esc(c.label)}</title></polyline>`);
  }
  for (const m of spec.markers) {
    if (!Number.isFinite(m.x) || !Number.isFinite(m.y)) continue;
    out.push(`<circle cx="${num(sx(m.x))}" cy="${num(sy(m.y))}" r="5" fill="${m.color}" stroke="#000000"><title>${esc(m.label)}</title></circle>`);
  }
  out.push('</g>');
  return out;
}

/** The plot as an SVG document (one polyline per curve and panel). */
export function plotSvg(spec: PlotSpec): string {
  const legendY = HEIGHT - 34;
  const legend: string[] = [];
  let x = 80;
  for (const c of spec.curves) {
    const dash = c.dashed === true ? ' stroke-dasharray="6 4"' : '';
    legend.push(`<line x1="${x}" y1="${legendY}" x2="${x + 30}" y2="${legendY}" stroke="${c.color}" stroke-width="3"${dash}/>`);
    legend.push(`<text x="${x + 38}" y="${legendY + 4}" font-size="12">${esc(c.label)}</text>`);
    x += 48 + c.label.length * 6.5;
  }
  for (const m of spec.markers) {
    legend.push(`<circle cx="${x + 15}" cy="${legendY}" r="5" fill="${m.color}" stroke="#000000"/>`);
    legend.push(`<text x="${x + 28}" y="${legendY + 4}" font-size="12">${esc(m.label)}</text>`);
    x += 40 + m.label.length * 6.5;
  }
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#fafafa"/>`,
    `<text x="${WIDTH / 2}" y="28" text-anchor="middle" font-size="16" font-weight="bold">${esc(spec.title)}</text>`,
    `<text x="${WIDTH / 2}" y="48" text-anchor="middle" font-size="12" fill="#444444">${esc(spec.subtitle)}</text>`,
    ...PANELS.flatMap((p, i) => panel(spec, p, i)),
    ...legend,
    '</svg>',
    '',
  ].join('\n');
}
