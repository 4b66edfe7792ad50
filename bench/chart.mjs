// Writes the benchmark ratios as an SVG bar chart (log scale, target marks) a person can read.

const WIDTH = 1040;
const ROW = 26;
const LEFT = 360;
const RIGHT = 230;
const MIN = 0.1;
const MAX = 1000;

const x = (v) =>
  LEFT + ((Math.log10(Math.min(Math.max(v, MIN), MAX)) - Math.log10(MIN)) / (Math.log10(MAX) - Math.log10(MIN))) * (WIDTH - LEFT - RIGHT);
// The absolute ns behind a row; reports from before they were recorded have none, and show none.
const absolute = (row, op) => (row.numNs === undefined ? '' : ` (${row.numNs.toFixed(1)} ${op} ${row.denNs.toFixed(1)} ns)`);
const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** @returns {string} the SVG document for a bench report */
export function renderChart(report) {
  const rows = report.groups.flatMap((g) => [{ heading: g.title }, ...(g.notes ?? []).map((note) => ({ note })), ...g.ratios]);
  const height = 70 + rows.length * ROW + 30;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="12" y="22" font-size="15" font-weight="bold">ffikit benchmark ratios (${esc(report.date.slice(0, 10))}, Node ${esc(report.node)}, ${esc(report.cpu ?? '')})</text>`,
    `<text x="12" y="40" fill="#555">Bars: measured ratio (log scale). Black tick: target. Green: target met, red: missed, grey: reported only. In brackets: ns per call.</text>`,
  ];
  for (const tick of [0.1, 0.5, 1, 2, 5, 10, 100, 1000]) {
    parts.push(`<line x1="${x(tick)}" y1="52" x2="${x(tick)}" y2="${height - 26}" stroke="#eee"/>`);
    parts.push(`<text x="${x(tick)}" y="${height - 12}" text-anchor="middle" fill="#777">${tick}×</text>`);
  }
  let y = 60;
  for (const row of rows) {
    if (row.heading) {
      parts.push(`<text x="12" y="${y + 16}" font-weight="bold">${esc(row.heading)}</text>`);
    } else if (row.note) {
      parts.push(
        `<text x="24" y="${y + 16}" fill="#757575">${esc(row.note.length > 150 ? `${row.note.slice(0, 147)}...` : row.note)}</text>`,
      );
    } else {
      const color = row.target === undefined ? '#9e9e9e' : row.ok ? '#2e7d32' : '#c62828';
      parts.push(`<text x="24" y="${y + 16}">${esc(row.label)}</text>`);
      if (row.skip !== undefined) {
        // A row that could not be measured on this machine (a peer missing) keeps its place and says why.
        parts.push(`<text x="${x(MIN) + 4}" y="${y + 16}" fill="#757575" font-style="italic">skipped: ${esc(row.skip)}</text>`);
        y += ROW;
        continue;
      }
      if (row.kind === 'diff') {
        // Absolute costs (ns added per call) have no place on a ratio axis: printed, coloured by the target.
        parts.push(
          `<text x="${x(MIN) + 4}" y="${y + 16}" fill="${color}" font-weight="bold">${row.value >= 0 ? '+' : ''}${row.value.toFixed(1)} ns per call${absolute(row, '-')} (target ≤ ${row.target} ns)</text>`,
        );
        y += ROW;
        continue;
      }
      parts.push(`<rect x="${x(MIN)}" y="${y + 5}" width="${Math.max(1, x(row.value) - x(MIN))}" height="14" fill="${color}"/>`);
      const labelX = Math.max(x(row.value), row.target === undefined ? 0 : x(row.target)) + 5;
      parts.push(`<text x="${labelX}" y="${y + 16}" fill="#333">${row.value.toFixed(2)}×${absolute(row, '/')}</text>`);
      if (row.target !== undefined) {
        parts.push(`<line x1="${x(row.target)}" y1="${y + 2}" x2="${x(row.target)}" y2="${y + 22}" stroke="black" stroke-width="2"/>`);
        parts.push(
          `<text x="${WIDTH - 8}" y="${y + 16}" text-anchor="end" fill="#555">${row.higherIsBetter ? '≥' : '≤'} ${row.target}</text>`,
        );
      }
    }
    y += ROW;
  }
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
