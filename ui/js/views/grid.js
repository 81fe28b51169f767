// A virtual list for tables of any length: fixed row height, a pool of recycled row elements
// moved with one transform, scroll handling coalesced into requestAnimationFrame. The rows live
// in Rust; the grid asks `fetch(offset, limit)` for the ones it shows. Past a few million pixels
// the scroll range is scaled, since engines cap an element's height.

import { clear } from '../dom.js';

export const ROW_HEIGHT = 30;
const MAX_PX = 8_000_000;
const EXTRA = 8;

/**
 * `viewport` scrolls; `fetch(offset, limit)` resolves to `{matching, rows}`; `paint(element, row)`
 * fills a pooled element; `onPainted(info)` hears of every frame whose rows arrived, once drawn.
 */
export function createGrid({ viewport, spacer, layer, fetch, paint, make, onPage = () => {}, onPainted = () => {} }) {
  const grid = { total: 0, first: 0, seq: 0, pool: [], frame: 0, rows: [], live: false };

  function visibleCount() {
    return Math.max(1, Math.ceil(viewport.clientHeight / ROW_HEIGHT) + 1);
  }

  function spacerHeight() {
    return Math.min(grid.total * ROW_HEIGHT, MAX_PX);
  }

  /** The first row shown for the current scroll position, and where the layer sits. */
  function position() {
    const full = grid.total * ROW_HEIGHT;
    const top = viewport.scrollTop;
    if (full <= MAX_PX) {
      const first = Math.floor(top / ROW_HEIGHT);
      return { first, shift: first * ROW_HEIGHT };
    }
    const range = Math.max(1, MAX_PX - viewport.clientHeight);
    const last = Math.max(0, grid.total - Math.floor(viewport.clientHeight / ROW_HEIGHT));
    return { first: Math.min(last, Math.round((top / range) * last)), shift: top };
  }

  async function refresh() {
    grid.frame = 0;
    if (!grid.live) return; // nothing to show before the first reset
    const { first, shift } = position();
    const count = visibleCount() + EXTRA;
    const seq = ++grid.seq;
    let page;
    try {
      page = await fetch(first, count);
    } catch {
      return; // the view shows the error when it next reads; a scroll frame has no one to tell
    }
    if (seq !== grid.seq) return; // a newer scroll or query asked meanwhile
    onPage(page);
    grid.total = page.matching;
    spacer.style.height = `${spacerHeight()}px`;
    grid.first = first;
    grid.rows = page.rows;
    while (grid.pool.length < page.rows.length) {
      const element = make();
      grid.pool.push(element);
      layer.append(element);
    }
    grid.pool.forEach((element, i) => {
      const row = page.rows[i];
      element.hidden = !row;
      if (row) paint(element, row, first + i);
    });
    layer.style.transform = `translateY(${shift}px)`;
    // After the frame that shows the rows: a task queued from its animation callback runs
    // once that frame is drawn.
    requestAnimationFrame(() => setTimeout(() => onPainted({ first, rows: page.rows.length, matching: page.matching }), 0));
  }

  viewport.addEventListener('scroll', () => {
    if (!grid.frame) grid.frame = requestAnimationFrame(refresh);
  });
  new ResizeObserver(() => {
    if (!grid.frame) grid.frame = requestAnimationFrame(refresh);
  }).observe(viewport);

  return {
    /** Asks again from the top (a new query or a fresh read). */
    reset() {
      grid.live = true;
      viewport.scrollTop = 0;
      return refresh();
    },
    /** Asks again where the list is (privacy toggled, a row selected). */
    refresh,
    /** Scrolls so that row `n` of the selection is in view. */
    scrollTo(n) {
      const full = grid.total * ROW_HEIGHT;
      viewport.scrollTop = full <= MAX_PX
        ? n * ROW_HEIGHT
        : (n / Math.max(1, grid.total - visibleCount() + 1)) * (MAX_PX - viewport.clientHeight);
      return refresh();
    },
    rowAt(element) {
      const i = grid.pool.indexOf(element);
      return i >= 0 ? grid.rows[i] : undefined;
    },
    clear() {
      grid.live = false;
      grid.seq += 1;
      grid.total = 0;
      grid.rows = [];
      spacer.style.height = '0px';
      clear(layer);
      grid.pool = [];
    },
  };
}
