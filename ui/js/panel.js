// The state panel every view shows in place of its content: loading, empty, or an error with
// what to do (buttons). Text goes in with textContent, like everywhere else.

import { clear, el, show } from './dom.js';

/** What a view that reads the database says per error code (the message comes from Rust). */
export const LOAD_ERRORS = {
  not_configured: { title: 'Not configured yet', settings: true },
  connect: { title: 'Cannot reach the database', settings: true, retry: true },
  auth: { title: 'The database refused the credentials', settings: true },
  collection_missing: { title: 'No users collection there', settings: true, retry: true },
  invalid_input: { title: 'The settings cannot be used', settings: true },
  keychain: { title: 'The OS keychain is not available', retry: true },
  no_backend: { title: 'Not running inside Syncdesk' },
};

/**
 * Fills `panel` and shows it, hiding `content` (the elements it stands in for).
 * `actions` are ready-made buttons; `error` colours the title.
 */
export function showPanel(panel, { title, detail, busy = false, actions = [], error = false, testid }, content = []) {
  clear(panel);
  panel.className = error ? 'state error' : 'state';
  panel.setAttribute('aria-busy', busy ? 'true' : 'false');
  if (title) panel.append(el('h2', {}, title));
  if (detail) panel.append(el('p', { class: 'detail', dataset: testid ? { testid } : {} }, detail));
  if (actions.length) panel.append(el('div', { class: 'actions' }, ...actions));
  show(panel, true);
  for (const node of content) show(node, false);
}

/** A button for a panel: `button('Open Settings', handler, {primary: true, id})`. */
export function button(label, onClick, { primary = false, id } = {}) {
  const node = el('button', { type: 'button', class: primary ? 'button primary' : 'button', id }, label);
  node.addEventListener('click', onClick);
  return node;
}
