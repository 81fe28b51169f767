// "When did sync break?": the missing users by sign-up day as a small bar chart (SVG built with
// createElementNS, text through textContent), so the day webhooks stopped shows at a glance.

import { clear, show } from '../dom.js';

const SVG = 'http://www.w3.org/2000/svg';
const HEIGHT = 56;

function node(tag, attributes) {
  const element = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, String(value));
  return element;
}

/** Draws `days` (`[{day, count}]`, oldest first) into the figure; hides it when nobody is missing. */
export function drawChart(figure, days) {
  const svg = figure.querySelector('svg');
  clear(svg);
  const total = days.reduce((sum, d) => sum + d.count, 0);
  show(figure, total > 0);
  if (!total) return;
  const step = Math.min(14, 900 / days.length);
  const width = Math.max(160, days.length * step);
  svg.setAttribute('viewBox', `0 0 ${width} ${HEIGHT + 14}`);
  svg.setAttribute('width', String(width));
  svg.setAttribute('height', String(HEIGHT + 14));
  const max = Math.max(...days.map((d) => d.count));
  const left = width - days.length * step; // a short chart sits at the right, under its caption
  days.forEach((d, i) => {
    const h = d.count ? Math.max(2, (d.count / max) * HEIGHT) : 0;
    const bar = node('rect', {
      x: (left + i * step + 1).toFixed(1), y: (HEIGHT - h).toFixed(1),
      width: Math.max(1, step - 2).toFixed(1), height: h.toFixed(1), class: 'bar',
    });
    const title = node('title', {});
    title.textContent = `${d.day}: ${d.count} missing`;
    bar.append(title);
    svg.append(bar);
  });
  const label = (x, text, anchor) => {
    const t = node('text', { x, y: HEIGHT + 12, 'text-anchor': anchor, class: 'axis' });
    t.textContent = text;
    svg.append(t);
  };
  if (days.length > 1) label(left, days[0].day, 'start');
  label(width, days[days.length - 1].day, 'end');
  figure.querySelector('figcaption').textContent =
    `${total.toLocaleString()} missing, by the day they signed up (UTC)`;
}
