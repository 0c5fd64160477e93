// A small line chart drawn as SVG: one metric against the step, a point per step. No library: the page stays a
// few files that load anywhere the silo's port does.
const SVG = 'http://www.w3.org/2000/svg';
const WIDTH = 300, HEIGHT = 150, LEFT = 44, RIGHT = 8, TOP = 20, BOTTOM = 20;

function node(name, attributes, text) {
  const element = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, value);
  if (text !== undefined) element.textContent = text;
  return element;
}

function format(value) {
  if (!Number.isFinite(value)) return '';
  const magnitude = Math.abs(value);
  return magnitude >= 1000 ? value.toFixed(0) : magnitude >= 10 ? value.toFixed(1) : value.toFixed(3);
}

// Draws (or redraws) `svg` with `points` ([{ x, y }], x ascending).
export function drawLineChart(svg, title, points) {
  svg.setAttribute('viewBox', `0 0 ${WIDTH} ${HEIGHT}`);
  svg.dataset.points = points.length;
  svg.replaceChildren(node('text', { x: 6, y: 14, class: 'title' }, title));
  if (points.length === 0) {
    svg.append(node('text', { x: LEFT, y: HEIGHT / 2 }, 'no steps yet'));
    return;
  }
  const xs = points.map(p => p.x), ys = points.map(p => p.y);
  let [xMin, xMax] = [Math.min(...xs), Math.max(...xs)];
  let [yMin, yMax] = [Math.min(...ys), Math.max(...ys)];
  if (xMax === xMin) xMax = xMin + 1;
  if (yMax === yMin) { yMin -= Math.abs(yMin) * 0.1 || 1; yMax += Math.abs(yMax) * 0.1 || 1; }
  const sx = x => LEFT + (x - xMin) / (xMax - xMin) * (WIDTH - LEFT - RIGHT);
  const sy = y => HEIGHT - BOTTOM - (y - yMin) / (yMax - yMin) * (HEIGHT - TOP - BOTTOM);
  svg.append(
    node('line', { x1: LEFT, y1: HEIGHT - BOTTOM, x2: WIDTH - RIGHT, y2: HEIGHT - BOTTOM, class: 'axis' }),
    node('line', { x1: LEFT, y1: TOP, x2: LEFT, y2: HEIGHT - BOTTOM, class: 'axis' }),
    node('text', { x: LEFT - 4, y: sy(yMax) + 4, 'text-anchor': 'end' }, format(yMax)),
    node('text', { x: LEFT - 4, y: sy(yMin), 'text-anchor': 'end' }, format(yMin)),
    node('text', { x: LEFT, y: HEIGHT - 4 }, `step ${xMin}`),
    node('text', { x: WIDTH - RIGHT, y: HEIGHT - 4, 'text-anchor': 'end' }, `step ${xMax}`),
    node('polyline', { points: points.map(p => `${sx(p.x)},${sy(p.y)}`).join(' ') }));
  for (const p of points) {
    const dot = node('circle', { cx: sx(p.x), cy: sy(p.y), r: 2.5, class: 'point' });
    dot.append(node('title', {}, `step ${p.x}: ${format(p.y)}`));
    svg.append(dot);
  }
}
