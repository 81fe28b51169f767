// Privacy mode: one switch that masks emails and names in every view, for screen sharing. The
// state is kept in the page's local storage; views re-render when it changes.

const KEY = 'syncdesk.privacy';
const listeners = new Set();
let on = localStorage.getItem(KEY) === 'on';

export const isOn = () => on;

export function set(value) {
  on = Boolean(value);
  localStorage.setItem(KEY, on ? 'on' : 'off');
  for (const listener of listeners) listener(on);
}

export function onChange(listener) {
  listeners.add(listener);
}

/** `ada.lovelace@example.com` → `a•••@e•••.com` while privacy mode is on. */
export function email(value) {
  if (!on || !value) return value;
  const [local, domain = ''] = String(value).split('@');
  const dot = domain.lastIndexOf('.');
  const host = dot > 0 ? domain.slice(0, dot) : domain;
  const tld = dot > 0 ? domain.slice(dot) : '';
  return `${local.slice(0, 1)}•••@${host.slice(0, 1)}•••${tld}`;
}

/** `Ada Lovelace` → `A••• L•••` while privacy mode is on. */
export function name(value) {
  if (!on || !value) return value;
  return String(value).split(/\s+/).map((part) => `${part.slice(0, 1)}•••`).join(' ');
}
