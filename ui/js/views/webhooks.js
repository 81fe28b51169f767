// The Webhooks view: the bundled listener (start, stop, the lines to copy), its live event log
// (newest first, the last 1,000; a row opens its request), signed test events, and "Check my
// backend" (the doctor). One state object; every value goes in with textContent.

import { checkBackend, deliveryDetail, listenerStatus, sendTestEvent, startListener, stopListener } from '../api.js';
import { byId, clear, el, show } from '../dom.js';

const KEPT = 1000;
const HOUR = 60 * 60 * 1000;

const PROBLEMS = {
  missing_header: 'Missing signature headers', bad_timestamp: 'Malformed timestamp',
  stale_timestamp: 'Stale timestamp', future_timestamp: 'Timestamp in the future',
  no_signature: 'No v1 signature', bad_signature: 'Bad signature', invalid_secret: 'The secret is not valid',
};
const OPS = { create: 'created', update: 'updated', link: 'linked', deactivate: 'deactivated', delete: 'deleted' };
const OUTCOMES = {
  rejected: 'rejected', not_applied: 'not applied', unchanged: 'unchanged', stale: 'stale',
  duplicate: 'duplicate', ignored: 'ignored', unavailable: 'failed: database unavailable', failed: 'failed',
};
const VERDICTS = { passed: 'pass', warning: 'warn', failed: 'fail', security_hole: 'hole', skipped: 'skipped' };
const VERDICT_WORDS = { passed: 'pass', warning: 'warn', failed: 'fail', security_hole: 'hole', skipped: 'skip' };
const FROM_LABELS = { clerk_user: 'Clerk id', db_user: 'Clerk id or email', file: 'Path of the JSON file' };

/** The view's one state object. */
const view = {
  status: null,
  /** Deliveries, newest first. */
  log: [],
  /** The `seq` of the delivery shown in the detail (the log is paused on it). */
  selected: null,
  detailSeq: 0,
  busy: false,
  onTableChanged: () => {},
};

export function init(context) {
  view.onTableChanged = context.onTableChanged ?? (() => {});
  byId('hook-toggle').addEventListener('click', toggle);
  for (const button of document.querySelectorAll('#view-webhooks [data-copy]')) {
    button.addEventListener('click', () => copy(byId(button.dataset.copy), button));
  }
  byId('hook-rows').addEventListener('click', (event) => {
    const row = event.target.closest('tr');
    if (row) select(Number(row.dataset.seq));
  });
  byId('hook-detail-close').addEventListener('click', deselect);
  document.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && !byId('view-webhooks').hidden) deselect();
  });
  byId('send-from').addEventListener('change', renderFrom);
  byId('hook-send').addEventListener('submit', (event) => { event.preventDefault(); send(); });
  byId('hook-doctor').addEventListener('submit', (event) => { event.preventDefault(); doctor(); });
  renderFrom();
}

/** Shown: the listener's state (it may have been stopped by a profile change). */
export async function activate() {
  try {
    renderStatus(await listenerStatus());
  } catch (error) {
    showError(error);
  }
}

function showError(error) {
  const banner = byId('hook-error');
  banner.textContent = error ? error.message : '';
  show(banner, Boolean(error));
}

async function toggle() {
  if (view.busy) return;
  view.busy = true;
  byId('hook-toggle').disabled = true;
  showError(null);
  try {
    if (view.status?.running) {
      await stopListener();
      renderStatus(await listenerStatus());
    } else {
      const typed = byId('hook-port').value.trim();
      const port = typed === '' ? null : Number(typed);
      view.log = [];
      renderLog();
      renderStatus(await startListener(port, byId('hook-apply').checked, onEvent));
    }
  } catch (error) {
    showError(error);
  } finally {
    view.busy = false;
    byId('hook-toggle').disabled = false;
  }
}

function onEvent(message) {
  if (message.kind === 'delivery') add(message.delivery);
  else if (message.kind === 'table_changed') view.onTableChanged(message.summary, message.through_seq);
}

function renderStatus(status) {
  view.status = status;
  byId('hook-toggle').textContent = status.running ? 'Stop listener' : 'Start listener';
  byId('hook-toggle').classList.toggle('primary', !status.running);
  byId('hook-port').value = String(status.port);
  byId('hook-port').disabled = status.running;
  byId('hook-apply').disabled = status.running;
  if (status.running) byId('hook-apply').checked = status.apply;
  byId('hook-status').textContent = status.running
    ? `Listening on ${status.url} · ${status.apply ? `applying user.* events to ${status.location}` : 'verifying only, nothing written'}`
    : 'The listener is stopped.';
  byId('hook-url').value = status.url;
  const [svix, ngrok, cloudflared] = status.relays;
  byId('hook-svix').value = svix;
  byId('hook-ngrok').value = ngrok;
  byId('hook-cloudflared').value = cloudflared;
  byId('hook-forward').textContent = status.forward
    ? `Verified requests are also relayed to ${status.forward} (the profile's forward URL).`
    : 'Clerk cannot reach 127.0.0.1: relay its events with Svix or a tunnel, then put the public URL (with the path) in the Clerk dashboard.';
  if (status.running && view.log.length === 0) {
    view.log = [...status.log].reverse();
    renderLog();
  }
}

async function copy(input, button) {
  input.select();
  try {
    await navigator.clipboard.writeText(input.value);
  } catch {
    document.execCommand('copy');
  }
  const was = button.textContent;
  button.textContent = 'Copied';
  setTimeout(() => { button.textContent = was; }, 1200);
}

function add(delivery) {
  view.log.unshift(delivery);
  if (view.log.length > KEPT) view.log.length = KEPT;
  const body = byId('hook-rows');
  const wrap = byId('hook-log-wrap');
  const row = makeRow(delivery);
  body.prepend(row);
  while (body.children.length > KEPT) body.lastElementChild.remove();
  if (view.selected === null) wrap.scrollTop = 0;
  else wrap.scrollTop += row.offsetHeight; // paused: the selected row stays where it was
  renderCounts();
  show(byId('hook-empty'), false);
}

function renderLog() {
  const body = byId('hook-rows');
  clear(body);
  body.append(...view.log.map(makeRow));
  show(byId('hook-empty'), view.log.length === 0);
  renderCounts();
}

function renderCounts() {
  const since = Date.now() - HOUR;
  const recent = view.log.filter((d) => d.at_ms >= since);
  const accepted = recent.filter((d) => d.status >= 200 && d.status < 300).length;
  byId('hook-counts').textContent = recent.length
    ? `Last hour: ${accepted} accepted · ${recent.length - accepted} refused or failed`
    : 'Last hour: nothing received.';
}

/** The verification verdict in words (and why, for the title). */
export function verdictWords(d) {
  const v = d.verification;
  if (v.verdict === 'valid') {
    if (d.outcome.kind === 'rejected') return 'Valid signature · malformed event';
    if (d.outcome.kind === 'duplicate') return 'Valid · duplicate message id';
    return 'Valid';
  }
  if (v.verdict === 'refused') return PROBLEMS[v.problem] ?? 'Refused';
  return 'Not checked';
}

export function outcomeWords(outcome) {
  if (outcome.kind === 'applied') return outcome.detail.split('+').map((op) => OPS[op] ?? op).join(' + ');
  if (outcome.kind === 'stale') return `stale (${outcome.detail})`;
  return OUTCOMES[outcome.kind] ?? outcome.kind;
}

function makeRow(d) {
  const ok = d.status >= 200 && d.status < 300;
  const time = new Date(d.at_ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
  return el('tr', { dataset: { seq: d.seq, testid: 'hook-row' }, 'aria-selected': d.seq === view.selected ? 'true' : 'false', tabindex: 0 },
    el('td', {}, time),
    el('td', { class: d.event_type ? null : 'empty' }, d.event_type ?? '—'),
    el('td', { class: 'mono', title: d.message_id ?? '' }, d.message_id ?? '—'),
    el('td', { class: d.verification.verdict === 'valid' ? 'good' : 'bad', title: d.verification.reason ?? '', dataset: { col: 'verdict' } }, verdictWords(d)),
    el('td', { dataset: { col: 'outcome' } }, outcomeWords(d.outcome)),
    el('td', { class: `num ${ok ? 'good' : 'bad'}`, dataset: { col: 'status' } }, String(d.status)),
    el('td', { class: 'num' }, d.latency_ms.toFixed(1)));
}

async function select(seq) {
  if (view.selected === seq) return deselect();
  view.selected = seq;
  for (const row of byId('hook-rows').children) row.setAttribute('aria-selected', Number(row.dataset.seq) === seq ? 'true' : 'false');
  show(byId('hook-paused'), true);
  const asked = ++view.detailSeq;
  try {
    const detail = await deliveryDetail(seq);
    if (asked !== view.detailSeq) return;
    byId('hook-detail-title').textContent = `${detail.event_type ?? 'Request'} · ${detail.message_id ?? 'no message id'}`;
    const reason = detail.verification.reason ? `: ${detail.verification.reason}` : '';
    byId('hook-detail-verdict').textContent =
      `${verdictWords(detail)}${reason} · ${outcomeWords(detail.outcome)} · answered ${detail.status} in ${detail.latency_ms.toFixed(1)} ms`;
    const request = detail.request;
    byId('hook-detail-headers').textContent = request ? request.headers.map(([n, v]) => `${n}: ${v}`).join('\n') : '(not kept)';
    byId('hook-detail-body').textContent = request ? pretty(request.body) : '(not kept)';
  } catch (error) {
    if (asked !== view.detailSeq) return;
    byId('hook-detail-title').textContent = 'Not available';
    byId('hook-detail-verdict').textContent = error.message;
    byId('hook-detail-headers').textContent = '';
    byId('hook-detail-body').textContent = '';
  }
  show(byId('hook-detail'), true);
}

function deselect() {
  view.selected = null;
  view.detailSeq += 1;
  for (const row of byId('hook-rows').children) row.setAttribute('aria-selected', 'false');
  show(byId('hook-detail'), false);
  show(byId('hook-paused'), false);
  byId('hook-log-wrap').scrollTop = 0;
}

function pretty(body) {
  try {
    return JSON.stringify(JSON.parse(body), null, 2);
  } catch {
    return body;
  }
}

function renderFrom() {
  const kind = byId('send-from').value;
  show(byId('send-value-field'), kind !== 'example');
  byId('send-value-label').textContent = FROM_LABELS[kind] ?? '';
}

async function send() {
  const result = byId('send-result');
  const kind = byId('send-from').value;
  const value = byId('send-value').value.trim();
  if (kind !== 'example' && !value) {
    result.className = 'message error';
    result.textContent = `Give the ${FROM_LABELS[kind].toLowerCase()} of the user.`;
    return;
  }
  const type = byId('send-type').value;
  byId('send-submit').disabled = true;
  result.className = 'message';
  result.textContent = `Sending ${type}…`;
  try {
    const from = kind === 'example' ? { kind } : { kind, value };
    const report = await sendTestEvent(byId('send-to').value.trim() || null, type, from);
    const ok = report.status >= 200 && report.status < 300;
    result.className = `message ${ok ? 'ok' : 'error'}`;
    result.textContent = `Sent ${type} ${report.message_id}: answered ${report.status}${report.body ? ` ${report.body}` : ''}`;
  } catch (error) {
    result.className = 'message error';
    result.textContent = error.message;
  } finally {
    byId('send-submit').disabled = false;
  }
}

async function doctor() {
  const url = byId('doctor-url').value.trim();
  const summary = byId('doctor-summary');
  const steps = byId('doctor-steps');
  if (!url) {
    summary.textContent = 'Give your backend\'s webhook URL, e.g. http://localhost:3000/api/webhooks/clerk.';
    return;
  }
  clear(steps);
  byId('doctor-run').disabled = true;
  summary.textContent = 'Checking…';
  try {
    const report = await checkBackend(url, Number(byId('doctor-timeout').value) || 10, (step) => steps.append(stepItem(step)));
    // The steps already shown came over the channel; a page without one shows them all here.
    if (steps.children.length === 0) steps.append(...report.steps.map(stepItem));
    const passed = report.steps.filter((s) => s.verdict === 'passed' || s.verdict === 'warning').length;
    summary.textContent = `${passed} of ${report.steps.length} steps passed${passed === report.steps.length ? ': your backend handles Clerk webhooks end to end.' : '.'}`;
  } catch (error) {
    summary.textContent = error.message;
  } finally {
    byId('doctor-run').disabled = false;
  }
}

function stepItem(step) {
  return el('li', { class: `step ${VERDICTS[step.verdict] ?? ''}`, dataset: { testid: 'doctor-step', verdict: step.verdict } },
    el('span', { class: 'verdict' }, VERDICT_WORDS[step.verdict] ?? step.verdict),
    el('span', { class: 'step-kind' }, `${step.number}. ${step.title}`),
    el('span', {}, step.detail),
    step.fix ? el('span', { class: 'step-fix' }, `Fix: ${step.fix}`) : null);
}
