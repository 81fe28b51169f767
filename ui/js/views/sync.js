// The Sync view: review the plan (every operation, a screenful at a time, each one or a whole
// kind can be left out), then apply it with a progress bar and Cancel, and end with the report
// (failures first) and a fresh diff. Production asks for the profile's name typed, staging asks
// once, development applies after the review. The view keeps its state in one object.

import { applySync, cancelSync, chooseKind, chooseOps, previewSync, reviewRows } from '../api.js';
import { byId, clear, el, show } from '../dom.js';
import { showPanel } from '../panel.js';
import * as privacy from '../privacy.js';
import { createGrid } from './grid.js';

const SKIP_WORDS = {
  already_applied: 'already applied',
  newer_in_database: 'the database already holds newer Clerk data',
  created_by_another_writer: 'already created by another writer',
  already_deactivated: 'already deactivated',
  already_deleted: 'already deleted',
  deleted_in_clerk: 'deleted in Clerk',
};
const KIND_LABELS = { create: 'Create', update: 'Update', link: 'Link', deactivate: 'Deactivate', delete: 'Delete' };

/** The view's one state object. */
const view = {
  summary: null,
  /** The user a row asked the fix for (`{subject, who}`), until the next plain review. */
  focus: null,
  /** Bumped by every review asked for: only the latest one's answer is shown. */
  reviewSeq: 0,
  kind: null,
  page: null,
  applying: false,
  /** The id of the review being applied (what Cancel names). */
  applyingReview: null,
  grid: null,
  onApplied: () => {},
  onBusy: () => {},
  navigate: () => {},
};

export function init(context) {
  view.onApplied = context.onApplied;
  view.onBusy = context.onBusy ?? (() => {});
  view.navigate = context.navigate;
  view.grid = createGrid({
    viewport: byId('review-viewport'),
    spacer: byId('review-spacer'),
    layer: byId('review-rows'),
    make: makeRow,
    paint: paintRow,
    fetch: (offset, limit) => reviewRows(view.summary.review, view.kind, offset, limit),
    onPage: (page) => {
      view.page = page;
      renderHead(page);
    },
  });
  privacy.onChange(() => {
    if (!view.summary) return;
    renderNotes(view.summary); // the focus note names the user
    view.grid.refresh();
  });
  // The options changed after a review: that review no longer shows what they would plan.
  byId('review-options').addEventListener('change', () => {
    if (view.summary && !view.applying) showState('The options changed: press Review to see the plan they make.');
    view.summary = null;
  });
  byId('review-start').addEventListener('click', review);
  byId('review-apply').addEventListener('click', confirmThenApply);
  byId('apply-cancel').addEventListener('click', async () => {
    byId('apply-cancel').disabled = true;
    byId('apply-title').textContent = 'Cancelling at the next batch…';
    try {
      await cancelSync(view.applyingReview);
    } catch (error) {
      byId('apply-title').textContent = `Cannot cancel: ${error.message}`;
    }
  });
  byId('report-users').addEventListener('click', () => view.navigate('users'));
  byId('review-rows').addEventListener('change', async (event) => {
    const element = event.target.closest('.grid-row');
    const row = element && view.grid.rowAt(element);
    if (!row || !view.summary) return;
    try {
      await chooseOps(view.summary.review, [row.index], event.target.checked);
    } catch (error) {
      showState(error.message, false, true);
    }
    view.grid.refresh();
  });
}

/** Shown: a review is made on request, never silently. */
export function activate() {
  if (!view.summary && !view.applying) {
    showState('Press Review to see what a sync would write. Nothing is written without it.');
  }
}

function options(focus) {
  // A row's fix plans for every category: its user's own is what it asks about.
  const only = focus ? [] : [...document.querySelectorAll('#review-options input[name="only"]:checked')].map((i) => i.value);
  return { only, deleteOrphans: byId('review-delete-orphans').checked, focus: focus?.subject ?? null };
}

/** A row's "Review the fix": the plan with only that user's operations in (`who` names them). */
export function reviewUser(subject, who) {
  if (view.applying) {
    showState('A sync is being applied: review this user\'s fix when it ends.', false, true);
    return Promise.resolve();
  }
  return review({ focus: { subject, who } });
}

async function review(request) {
  if (view.applying) return;
  // Review pressed in this view is the whole plan again; a row's fix asks with its `focus`.
  const focus = request?.focus ?? null;
  const seq = ++view.reviewSeq;
  byId('review-start').disabled = true;
  show(byId('apply-report'), false);
  showState('Reading Clerk and the database, then planning…', true);
  try {
    const summary = await previewSync(options(focus));
    if (seq !== view.reviewSeq) return; // a newer review was asked for meanwhile
    view.focus = focus;
    view.summary = summary;
    view.kind = null;
    byId('review-target').textContent =
      `${view.summary.label} · ${view.summary.clerk_users.toLocaleString()} in Clerk, ${view.summary.db_users.toLocaleString()} in ${view.summary.location}`;
    renderNotes(view.summary);
    show(byId('review-state'), false);
    show(byId('review-body'), true);
    await view.grid.reset();
  } catch (error) {
    if (seq !== view.reviewSeq) return;
    view.summary = null;
    showState(error.message, false, true);
  } finally {
    if (seq === view.reviewSeq) byId('review-start').disabled = false;
  }
}

function renderNotes(summary) {
  const notes = byId('review-notes');
  clear(notes);
  if (summary.new_collection) notes.append(el('li', {}, 'The users collection does not exist yet: it is created first, with its indexes.'));
  if (summary.missing_indexes.length) {
    notes.append(el('li', {}, `The unique indexes on ${summary.missing_indexes.join(', ')} are created first: without them two writers could create the same user twice.`));
  }
  if (byId('review-delete-orphans').checked) notes.append(el('li', { class: 'danger' }, 'Orphaned documents will be deleted, not deactivated.'));
  const focus = summary.focus;
  if (focus) {
    const who = privacy.isOn() ? 'this user' : view.focus?.who ?? 'this user';
    notes.append(el('li', { class: 'focus', dataset: { testid: 'review-focus' } }, focus.operations
      ? `Only the fix for ${who} is in (${focus.operations === 1 ? 'one operation' : `${focus.operations} operations`}); everything else is left out. Tick operations to add them, or press Review for the whole plan.`
      : `The plan has nothing to write for ${who}.`));
    for (const why of focus.skipped) notes.append(el('li', { class: 'danger', dataset: { testid: 'review-focus-skipped' } }, `Left to a person: ${why}`));
  } else if (summary.left_out) {
    notes.append(el('li', { dataset: { testid: 'review-left-out' } },
      `${summary.left_out === 1 ? 'One operation starts' : `${summary.left_out.toLocaleString()} operations start`} left out: users you chose to leave out of syncs from their row. Tick them to bring them back.`));
  }
  show(notes, notes.childElementCount > 0);
  const policy = byId('review-policy');
  policy.textContent = {
    typed: `Production: you will be asked to type “${summary.confirmation.expected}”.`,
    ask: 'Staging: you will be asked once.',
    none: 'Development: applies at once.',
  }[summary.confirmation.kind];
}

function renderHead(page) {
  const kinds = byId('review-kinds');
  const signature = `${view.summary.review}:${page.kinds.map((k) => k.op).join(',')}:${view.kind}`;
  if (kinds.dataset.signature !== signature) {
    kinds.dataset.signature = signature;
    clear(kinds);
    const all = el('button', { type: 'button', class: 'chip', dataset: { testid: 'kind-all' }, 'aria-pressed': view.kind === null ? 'true' : 'false' },
      el('span', { class: 'chip-label' }, 'All'), el('span', { class: 'chip-count' }));
    all.addEventListener('click', () => { view.kind = null; view.grid.reset(); });
    kinds.append(all);
    for (const k of page.kinds) {
      const chip = el('span', { class: `chip op-${k.op}`, dataset: { testid: `kind-${k.op}`, op: k.op } });
      const box = el('input', { type: 'checkbox', 'aria-label': `Apply every ${k.op}` });
      // Ticking a kind that is partly left out includes all of it; unticking leaves all out.
      box.addEventListener('change', async () => {
        try {
          await chooseKind(view.summary.review, k.op, box.checked);
        } catch (error) {
          showState(error.message, false, true);
        }
        view.grid.refresh();
      });
      const label = el('button', { type: 'button', class: 'chip-label link', 'aria-pressed': view.kind === k.op ? 'true' : 'false' },
        KIND_LABELS[k.op]);
      label.addEventListener('click', () => { view.kind = view.kind === k.op ? null : k.op; view.grid.reset(); });
      chip.append(box, label, el('span', { class: 'chip-count' }));
      kinds.append(chip);
    }
  }
  kinds.querySelector('[data-testid="kind-all"] .chip-count').textContent = page.included.toLocaleString();
  for (const k of page.kinds) {
    const chip = kinds.querySelector(`[data-op="${k.op}"]`);
    const box = chip.querySelector('input');
    box.checked = k.included === k.planned;
    box.indeterminate = k.included > 0 && k.included < k.planned;
    chip.querySelector('.chip-count').textContent =
      k.included === k.planned ? k.planned.toLocaleString() : `${k.included.toLocaleString()} of ${k.planned.toLocaleString()}`;
  }
  const apply = byId('review-apply');
  apply.disabled = page.included === 0 || view.applying;
  apply.textContent = page.included === 1 ? 'Apply 1 operation' : `Apply ${page.included.toLocaleString()} operations`;
  show(byId('review-empty'), page.matching === 0);
}

function makeRow() {
  return el('div', { class: 'grid-row review-cols', role: 'row', dataset: { testid: 'review-row' } },
    el('span', { class: 'cell' }, el('input', { type: 'checkbox', 'aria-label': 'Apply this operation' })),
    el('span', { class: 'cell' }, el('span', { class: 'op' })),
    el('span', { class: 'cell mono' }), el('span', { class: 'cell mono' }), el('span', { class: 'cell' }));
}

function paintRow(element, row) {
  const [apply, op, clerkId, docId, what] = element.children;
  apply.firstChild.checked = row.included;
  element.classList.toggle('left-out', !row.included);
  op.firstChild.className = `op op-${row.op}`;
  op.firstChild.textContent = KIND_LABELS[row.op];
  clerkId.textContent = row.clerk_id;
  clerkId.title = row.clerk_id;
  docId.textContent = row.doc_id ?? 'new';
  const shown = masked(row.what);
  what.textContent = shown;
  what.title = shown;
}

/** Privacy mode: the emails and names a change writes, masked. */
function masked(text) {
  if (!privacy.isOn()) return text;
  return text
    .replace(/"([^"\s]+@[^"\s]+)"/g, (_, e) => `"${privacy.email(e)}"`)
    .replace(/\bname "([^"]*)"/g, (_, n) => `name "${privacy.name(n)}"`);
}

function confirmThenApply() {
  const summary = view.summary;
  if (!summary || view.applying) return;
  const count = view.page?.included ?? 0;
  const policy = summary.confirmation;
  if (policy.kind === 'none') return apply(null);
  const modal = byId('confirm-modal');
  byId('confirm-title').textContent = policy.kind === 'typed' ? 'Write to PRODUCTION?' : `Write to ${summary.label}?`;
  byId('confirm-text').textContent =
    `${count.toLocaleString()} operations will be written to ${summary.location} (${summary.label}).`;
  const typedField = byId('confirm-typed-field');
  const typed = byId('confirm-typed');
  typed.value = '';
  byId('confirm-error').textContent = '';
  show(typedField, policy.kind === 'typed');
  byId('confirm-typed-label').textContent = `Type ${policy.expected} to confirm`;
  show(modal, true);
  (policy.kind === 'typed' ? typed : byId('confirm-cancel')).focus();
  const close = () => {
    show(modal, false);
    byId('confirm-apply').onclick = null;
    modal.onkeydown = null;
    byId('review-apply').focus();
  };
  byId('confirm-cancel').onclick = close;
  // Escape cancels; Enter in the name field confirms (the default button stays Cancel).
  modal.onkeydown = (event) => {
    if (event.key === 'Escape') close();
    if (event.key === 'Enter' && event.target === typed) byId('confirm-apply').click();
  };
  byId('confirm-apply').onclick = () => {
    if (policy.kind === 'typed' && typed.value.trim() !== policy.expected) {
      byId('confirm-error').textContent = `That is not “${policy.expected}”: nothing was written.`;
      return;
    }
    close();
    apply(policy.kind === 'typed' ? typed.value : null);
  };
}

async function apply(confirmation) {
  view.applying = true;
  view.applyingReview = view.summary.review;
  view.onBusy(true);
  byId('review-start').disabled = true;
  show(byId('review-body'), false);
  show(byId('review-options'), false);
  show(byId('apply-panel'), true);
  byId('apply-cancel').disabled = false;
  byId('apply-title').textContent = 'Applying…';
  onProgress({ completed: 0, total: view.page?.included ?? 0 });
  try {
    const report = await applySync(view.summary.review, confirmation, onProgress);
    showReport(report);
  } catch (error) {
    show(byId('review-body'), true);
    showState(error.message, false, true);
  } finally {
    view.applying = false;
    view.summary = null;
    byId('review-start').disabled = false;
    show(byId('apply-panel'), false);
    show(byId('review-options'), true);
    view.onBusy(false);
    view.onApplied();
  }
}

function onProgress(p) {
  byId('apply-bar').style.width = p.total ? `${(100 * p.completed) / p.total}%` : '0';
  byId('apply-text').textContent = `${p.completed.toLocaleString()} of ${p.total.toLocaleString()} operations`;
}

function showReport(report) {
  show(byId('review-body'), false);
  show(byId('apply-report'), true);
  byId('report-title').textContent = report.cancelled
    ? 'Cancelled: what was done is kept'
    : report.failed ? 'Applied, with failures' : 'Applied';
  byId('report-counts').textContent = [
    `${report.done} done`, `${report.skipped} skipped (nothing to write)`, `${report.failed} failed`,
    report.cancelled ? `${report.not_attempted} not attempted (a new review finishes them)` : null,
  ].filter(Boolean).join(' · ');
  const list = byId('report-list');
  clear(list);
  const failures = report.results.filter((r) => r.outcome === 'failed');
  const rest = report.results.filter((r) => r.outcome !== 'failed');
  const shown = [...failures, ...rest].slice(0, 200);
  for (const r of shown) {
    const why = r.outcome === 'failed'
      ? `${r.detail.reason}${r.detail.transient ? ' (temporary: a new review and apply retries it)' : ''}`
      : r.outcome === 'skipped' ? (SKIP_WORDS[r.detail] ?? r.detail) : '';
    list.append(el('li', { class: `result ${r.outcome}` },
      el('span', { class: `op op-${r.op}` }, KIND_LABELS[r.op] ?? r.op), ` ${r.clerk_id} `,
      el('strong', {}, r.outcome), why ? ` — ${why}` : ''));
  }
  if (report.results.length > shown.length) {
    list.append(el('li', { class: 'more' }, `… and ${(report.results.length - shown.length).toLocaleString()} more (the failures are all above).`));
  }
}

function showState(text, busy = false, error = false) {
  showPanel(byId('review-state'), { detail: text, busy, error }, [byId('review-body')]);
}
