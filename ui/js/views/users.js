// The Users view: the database's users in a filterable table, with clear loading, empty and
// error states. Every value is set with textContent (through dom.js).

import { listDbUsers } from '../api.js';
import { byId, clear, el, show } from '../dom.js';
import { LOAD_ERRORS, button, showPanel } from '../panel.js';

let navigate = () => {};
let page = null;
let loading = false;

/** Titles and actions per error code; the message itself comes from Rust. */
const ERRORS = LOAD_ERRORS;

export function init(context) {
  navigate = context.navigate;
  byId('users-refresh').addEventListener('click', load);
  byId('users-search').addEventListener('input', render);
}

/** Called each time the view is shown: reloads, so saved settings take effect. */
export function activate() {
  load();
}

async function load() {
  if (loading) return;
  loading = true;
  byId('users-refresh').disabled = true;
  if (!page) showState({ title: 'Loading users…', busy: true });
  try {
    page = await listDbUsers();
    render();
  } catch (error) {
    page = null;
    showError(error);
  } finally {
    loading = false;
    byId('users-refresh').disabled = false;
  }
}

function render() {
  if (!page) return;
  const query = byId('users-search').value.trim().toLowerCase();
  const users = query ? page.users.filter((user) => matches(user, query)) : page.users;
  const total = page.users.length;
  const noun = total === 1 ? 'user' : 'users';
  byId('users-count').textContent = query
    ? `${users.length} of ${total} ${noun} · ${page.location}`
    : `${total} ${noun} · ${page.location}`;
  byId('users-search').disabled = total === 0;
  const problems = byId('users-problems');
  problems.textContent = page.problems === 1
    ? '1 user has a document problem; hover the ⚠ mark for details.'
    : `${page.problems} users have document problems; hover the ⚠ marks for details.`;
  show(problems, page.problems > 0);
  if (total === 0) {
    showState({ title: 'The users collection is empty', detail: `No documents in ${page.location}.` });
    return;
  }
  show(byId('users-state'), false);
  show(byId('users-table-wrap'), true);
  const rows = byId('users-rows');
  clear(rows);
  rows.append(...users.map(row));
  if (users.length === 0) {
    rows.append(el('tr', { class: 'no-match' }, el('td', { colspan: 8, text: `No users match “${query}”.` })));
  }
}

function matches(user, query) {
  const fields = [user.user_id, user.username, user.name, user.email, user.clerk_id, user.auth_provider,
    user.status, user.app_fields?.role];
  return fields.some((value) => value !== null && value !== undefined && String(value).toLowerCase().includes(query));
}

function row(user) {
  const problems = user.problems ?? [];
  const flag = problems.length
    ? el('span', { class: 'flag', title: problems.join('\n'), dataset: { testid: 'problem-flag' } }, '⚠')
    : null;
  return el('tr', {
    class: problems.length ? 'has-problems' : null,
    dataset: { testid: 'user-row', userId: user.user_id ?? '', problems: problems.length },
  },
  el('td', { class: 'num', dataset: { col: 'user_id' } }, flag, user.user_id ?? '—'),
  text('username', user.username),
  text('name', user.name),
  text('email', user.email),
  text('role', user.app_fields?.role),
  el('td', { dataset: { col: 'provider' } }, badge(user.auth_provider, user.auth_provider === 'clerk' ? 'clerk' : '')),
  text('clerk_id', user.clerk_id, 'mono'),
  el('td', { dataset: { col: 'status' } }, status(user)));
}

function text(col, value, extra = '') {
  const empty = value === null || value === undefined || value === '';
  return el('td', {
    class: [extra, empty ? 'empty' : ''].join(' ').trim() || null,
    title: empty ? null : String(value),
    dataset: { col },
  }, empty ? '—' : String(value));
}

function badge(value, kind) {
  if (value === null || value === undefined || value === '') return el('span', { class: 'empty' }, '—');
  return el('span', { class: `badge ${kind}`.trim() }, String(value));
}

function status(user) {
  if (user.active === false) return badge('inactive', 'off');
  const label = user.status || (user.active ? 'active' : null);
  return badge(label, label === 'active' ? 'ok' : '');
}

function showState(state) {
  showPanel(byId('users-state'), { ...state, testid: 'users-state-detail' }, [byId('users-table-wrap'), byId('users-problems')]);
}

function showError(error) {
  const known = ERRORS[error.code] ?? { title: 'Could not load the users', retry: true };
  const actions = [];
  if (known.settings) actions.push(button('Open Settings', () => navigate('settings'), { primary: true, id: 'users-open-settings' }));
  if (known.retry) actions.push(button('Try again', load, { id: 'users-retry' }));
  byId('users-search').disabled = true;
  byId('users-count').textContent = 'Not loaded';
  showState({ title: known.title, detail: error.message, actions, error: error.code !== 'not_configured' });
  byId('users-state').dataset.code = error.code;
}
