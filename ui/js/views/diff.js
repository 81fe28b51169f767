// The Users view: the diff of Clerk and the database. The rows stay in Rust; this view keeps
// its state in one object and asks for the rows it shows (grid.js). Values go in with
// textContent only; privacy mode masks emails and names.

import { diffDetail, diffRows, leaveOutUser, missingByDay, readDiff } from '../api.js';
import { renderDetail } from './detail-pane.js';
import { renderFix } from './row-fix.js';
import { byId, el, show } from '../dom.js';
import * as privacy from '../privacy.js';
import { LOAD_ERRORS, button, showPanel } from '../panel.js';
import { createGrid } from './grid.js';
import { drawChart } from './chart.js';

export const LABELS = {
  missing: 'Missing', orphaned: 'Orphaned', drift: 'Drift', link: 'Link',
  suspicious: 'Suspicious', local_only: 'Local only', in_sync: 'In sync',
};
const HINTS = {
  missing: 'In Clerk, not in the database',
  orphaned: 'In the database, deleted in Clerk',
  drift: 'Matched, but Clerk-owned fields differ',
  link: 'Same email, no real Clerk id in the database',
  suspicious: 'Placeholders and duplicates: look before syncing',
  local_only: 'Never came from Clerk: left alone',
  in_sync: 'Matched, every field agrees',
};
const ERRORS = { ...LOAD_ERRORS, server: { title: 'Could not read both sides', retry: true } };

/** The view's one state object. */
const view = {
  query: { categories: [], search: '', sort: 'category', descending: false },
  summary: null,
  matches: null,
  selected: null,
  reading: false,
  /** Bumped by every reload: a read that a newer reload overtook reads again when it ends. */
  generation: 0,
  /** Bumped by every detail asked for: only the latest one is shown. */
  detailSeq: 0,
  /** An apply is running: no new read until it ends. */
  busy: false,
  grid: null,
  navigate: () => {},
  onRead: () => {},
  reviewUser: () => {},
};

export function init(context) {
  view.navigate = context.navigate;
  view.onRead = context.onRead ?? (() => {});
  view.reviewUser = context.reviewUser ?? (() => {});
  view.grid = createGrid({
    viewport: byId('diff-viewport'),
    spacer: byId('diff-spacer'),
    layer: byId('diff-rows'),
    make: makeRow,
    paint: paintRow,
    fetch: (offset, limit) => diffRows(view.query, offset, limit),
    onPage: (page) => {
      view.matches = page.matches;
      renderChips();
      renderCount(page);
    },
    onPainted: (info) => {
      byId('diff-viewport').dataset.painted = `${info.first}:${info.rows}:${info.matching}`;
      mark('syncdesk:rows-painted');
    },
  });
  byId('diff-refresh').addEventListener('click', read);
  byId('diff-banner-retry').addEventListener('click', read);
  byId('diff-search').addEventListener('input', (event) => {
    mark('syncdesk:search-input');
    view.query.search = event.target.value;
    closeDetail(); // the row shown may not be among the new matches
    view.grid.reset();
  });
  for (const button of document.querySelectorAll('#diff-head [data-sort]')) {
    button.addEventListener('click', () => sortBy(button.dataset.sort));
  }
  byId('diff-rows').addEventListener('click', (event) => {
    const element = event.target.closest('.grid-row');
    const row = element && view.grid.rowAt(element);
    if (row) openDetail(row.row);
  });
  byId('diff-rows').addEventListener('keydown', (event) => {
    const element = event.target.closest('.grid-row');
    const row = element && view.grid.rowAt(element);
    if (row && (event.key === 'Enter' || event.key === ' ')) {
      event.preventDefault();
      openDetail(row.row);
    }
  });
  byId('detail-close').addEventListener('click', closeDetail);
  privacy.onChange(() => {
    view.grid.refresh();
    if (view.selected !== null) openDetail(view.selected);
  });
}

/** Shown: reads both sides the first time. */
export function activate() {
  if (!view.summary && !view.reading) read();
}

/** Forgets what was read (another profile was chosen) and reads again. */
export function reload() {
  view.generation += 1;
  view.summary = null;
  show(byId('diff-banner'), false);
  byId('diff-body').classList.remove('stale');
  closeDetail();
  view.grid.clear();
  read();
}

/**
 * The listener applied events: the table in Rust was patched with them. Shows its new counts and
 * the rows where the list is (a rebuilt table numbers its rows anew, so an open detail closes).
 */
export async function live(summary, throughSeq = null, note = 'kept up to date by the listener') {
  if (!view.summary || view.reading) return;
  view.summary = summary;
  if (view.selected !== null) closeDetail();
  renderSummary();
  byId('diff-status').textContent += ` · ${note}`;
  await view.grid.refresh();
  drawChart(byId('diff-chart'), await missingByDay());
  // The bench times each event from its POST to the first paint that includes it.
  if (throughSeq === null) return;
  if (performance.getEntriesByName('syncdesk:live-painted', 'mark').length >= 1000) performance.clearMarks('syncdesk:live-painted');
  performance.mark('syncdesk:live-painted', { detail: { seq: throughSeq } });
}

/** Whether an apply or a read is running (the watch waits). */
export function isBusy() {
  return view.busy || view.reading;
}

/** Shows only `categories` (the watch's notification named them). */
export function showCategories(categories) {
  view.query.categories = [...categories];
  closeDetail();
  renderChips();
  if (view.summary) view.grid.reset();
}

/** While an apply runs, Refresh waits (a read would show a half-applied state). */
export function setBusy(busy) {
  view.busy = busy;
  // A row's fix waits too: its review would be refused while the apply runs.
  for (const id of ['detail-review-fix', 'detail-leave-out']) {
    const action = document.getElementById(id);
    if (action) action.disabled = busy;
  }
  byId('diff-refresh').disabled = busy || view.reading;
  byId('diff-review').disabled = busy;
}

async function read() {
  if (view.reading || view.busy) return;
  view.reading = true;
  const generation = view.generation;
  byId('diff-refresh').disabled = true;
  if (!view.summary) showState({ title: 'Reading Clerk and the database…', busy: true });
  showProgress({ users: 0, total: null });
  try {
    view.summary = await readDiff(showProgress);
    mark('syncdesk:diff-ready');
    closeDetail(); // row numbers name rows of the table before: a new read renumbers them
    show(byId('diff-banner'), false);
    byId('diff-body').classList.remove('stale');
    show(byId('diff-state'), false);
    show(byId('diff-body'), true);
    renderSummary();
    // The rows first, then the chart: a support person reads the table before the trend.
    await view.grid.reset();
    drawChart(byId('diff-chart'), await missingByDay());
    view.onRead(view.summary);
  } catch (error) {
    if (view.summary) {
      // The last read stays on screen, marked stale, under a banner that says why.
      showBanner(error);
    } else {
      showError(error);
    }
  } finally {
    view.reading = false;
    byId('diff-refresh').disabled = view.busy;
    show(byId('diff-progress'), false);
  }
  // Another profile was chosen (or an apply ended) while this read ran: read again.
  if (generation !== view.generation) reload();
}

/**
 * A User Timing mark: `cargo xtask bench window` reads them to time a read, a keystroke and a
 * scroll. At most 100 of a name are kept, so a long session does not keep one per frame.
 */
function mark(name) {
  if (performance.getEntriesByName(name, 'mark').length >= 100) performance.clearMarks(name);
  performance.mark(name);
}

function showBanner(error) {
  const known = ERRORS[error.code] ?? { title: 'Could not read both sides' };
  const at = new Date(view.summary.read_at_ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  byId('diff-banner-text').textContent = `${known.title}: ${error.message} The table below is the read at ${at}.`;
  show(byId('diff-banner'), true);
  byId('diff-body').classList.add('stale');
}

function showProgress(progress) {
  show(byId('diff-progress'), true);
  const total = progress.total ?? 0;
  const bar = byId('diff-progress-bar');
  bar.style.width = total ? `${Math.min(100, (100 * progress.users) / total)}%` : '4%';
  byId('diff-progress-text').textContent = total
    ? `Reading Clerk: ${progress.users.toLocaleString()} of ${total.toLocaleString()} users · reading the database`
    : 'Reading Clerk and the database…';
}

function renderSummary() {
  const s = view.summary;
  const at = new Date(s.read_at_ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  byId('diff-status').textContent =
    `${s.clerk_users.toLocaleString()} in Clerk · ${s.db_users.toLocaleString()} in ${s.location} · read at ${at}`;
  const note = byId('diff-note');
  note.textContent = s.count_note ?? '';
  show(note, Boolean(s.count_note));
}

function renderCount(page) {
  const text = page.matching === page.total
    ? `${page.total.toLocaleString()} users`
    : `${page.matching.toLocaleString()} of ${page.total.toLocaleString()} users`;
  byId('diff-count').textContent = text;
  show(byId('diff-empty'), page.matching === 0);
  byId('diff-empty').textContent = page.total === 0
    ? 'Neither side holds any users yet.'
    : 'No users match this search and filter.';
}

function renderChips() {
  const chips = byId('diff-chips');
  const counts = view.matches ?? view.summary?.counts;
  if (!counts) return;
  if (!chips.childElementCount) {
    for (const category of Object.keys(LABELS)) {
      const chip = el('button', {
        type: 'button', class: `chip cat-${category}`, title: HINTS[category],
        dataset: { category, testid: `chip-${category}` },
      }, el('span', { class: 'chip-label' }, LABELS[category]), el('span', { class: 'chip-count' }, '0'));
      chip.addEventListener('click', () => toggleCategory(category));
      chips.append(chip);
    }
  }
  for (const chip of chips.children) {
    const category = chip.dataset.category;
    chip.querySelector('.chip-count').textContent = counts[category].toLocaleString();
    chip.setAttribute('aria-pressed', view.query.categories.includes(category) ? 'true' : 'false');
    chip.classList.toggle('zero', counts[category] === 0);
  }
}

function toggleCategory(category) {
  const chosen = view.query.categories;
  view.query.categories = chosen.includes(category) ? chosen.filter((c) => c !== category) : [...chosen, category];
  closeDetail();
  view.grid.reset();
}

function sortBy(key) {
  view.query.descending = view.query.sort === key ? !view.query.descending : false;
  view.query.sort = key;
  for (const button of document.querySelectorAll('#diff-head [data-sort]')) {
    const active = button.dataset.sort === key;
    // aria-sort belongs on the column header, the button's parent.
    button.parentElement.setAttribute('aria-sort', active ? (view.query.descending ? 'descending' : 'ascending') : 'none');
  }
  view.grid.reset();
}

function makeRow() {
  const cell = (col, extra = '') => el('span', { class: `cell ${extra}`.trim(), dataset: { col } });
  const category = el('span', { class: 'cell', dataset: { col: 'category' } }, el('span', { class: 'cat' }));
  return el('div', { class: 'grid-row', role: 'row', tabindex: '0', dataset: { testid: 'diff-row' } },
    category, cell('email'), cell('name'), cell('clerk_id', 'mono'), cell('db_id', 'mono'), cell('reason', 'reason'));
}

function paintRow(element, row) {
  element.dataset.row = row.row;
  element.dataset.category = row.category;
  element.classList.toggle('selected', row.row === view.selected);
  const [category, email, name, clerkId, dbId, reason] = element.children;
  const badge = category.firstChild;
  badge.className = `cat cat-${row.category}`;
  badge.textContent = LABELS[row.category];
  fill(email, privacy.email(row.email));
  fill(name, privacy.name(row.name));
  fill(clerkId, row.clerk_id);
  fill(dbId, row.db_id);
  fill(reason, row.reason);
}

function fill(cell, value) {
  const empty = value === null || value === undefined || value === '';
  cell.textContent = empty ? '—' : String(value);
  cell.title = empty ? '' : String(value);
  cell.classList.toggle('empty', empty);
}

async function openDetail(row) {
  view.selected = row;
  for (const element of byId('diff-rows').children) {
    element.classList.toggle('selected', Number(element.dataset.row) === row);
  }
  const seq = ++view.detailSeq;
  let detail;
  try {
    detail = await diffDetail(row);
  } catch (error) {
    if (seq === view.detailSeq) byId('detail-reasons').textContent = error.message;
    return;
  }
  if (seq !== view.detailSeq) return; // another row was picked meanwhile
  const pane = byId('diff-detail');
  renderDetail(detail, LABELS[detail.category]);
  renderFix(detail, {
    busy: view.busy,
    review: view.reviewUser,
    leaveOut: async (leftOut) => {
      await leaveOutUser(detail.subject, leftOut);
      if (view.selected === row) openDetail(row);
    },
  });
  show(pane, true);
}

function closeDetail() {
  view.selected = null;
  view.detailSeq += 1;
  show(byId('diff-detail'), false);
  for (const element of byId('diff-rows').children) element.classList.remove('selected');
}

function showState(state) {
  showPanel(byId('diff-state'), { ...state, testid: 'diff-state-detail' }, [byId('diff-body')]);
}

function showError(error) {
  const known = ERRORS[error.code] ?? { title: 'Could not read both sides', retry: true };
  const actions = [];
  if (known.settings) actions.push(button('Open Settings', () => view.navigate('settings'), { primary: true, id: 'diff-open-settings' }));
  if (known.retry) actions.push(button('Try again', read, { id: 'diff-retry' }));
  byId('diff-status').textContent = 'Not read';
  showState({ title: known.title, detail: error.message, actions, error: error.code !== 'not_configured' });
  byId('diff-state').dataset.code = error.code;
}
