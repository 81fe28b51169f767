// The Users view's detail pane: the Clerk record and the database document side by side, the
// fields that differ marked, every reason in words, a copy button beside ids and emails.
// Values go in with textContent only; privacy mode masks emails and names.

import { byId, clear, el } from '../dom.js';
import * as privacy from '../privacy.js';

/** Fills the pane with `detail` under its category's `label`. */
export function renderDetail(detail, label) {
  byId('detail-title').textContent = label;
  byId('detail-title').className = `cat cat-${detail.category}`;
  const fields = byId('detail-fields');
  clear(fields);
  fields.append(el('div', { class: 'pair head' }, el('span', {}, ''), el('span', {}, detail.in_clerk ? 'Clerk' : 'Clerk (none)'),
    el('span', {}, detail.in_database ? 'Database' : 'Database (none)')));
  for (const pair of detail.fields) fields.append(pairRow(pair));
  const reasons = byId('detail-reasons');
  clear(reasons);
  for (const reason of [...detail.reasons, ...detail.problems]) reasons.append(el('li', {}, reason));
}

function pairRow(pair) {
  const mask = pair.label === 'Email' || pair.label === 'Other emails' ? privacy.email
    : pair.label === 'Name' ? privacy.name : (v) => v;
  const value = (v) => {
    const shown = mask(v);
    const cell = el('span', { class: v ? 'value' : 'value empty' }, shown ?? '—');
    if (v && !privacy.isOn() && /id|email/i.test(pair.label)) {
      const copy = el('button', { type: 'button', class: 'copy', title: `Copy the ${pair.label.toLowerCase()}`, 'aria-label': `Copy ${pair.label}` }, 'copy');
      copy.addEventListener('click', () => copyText(v, copy));
      cell.append(copy);
    }
    return cell;
  };
  return el('div', { class: pair.differs ? 'pair differs' : 'pair', dataset: { testid: 'detail-pair', label: pair.label } },
    el('span', { class: 'pair-label' }, pair.label), value(pair.clerk), value(pair.db));
}

async function copyText(text, button) {
  try {
    await navigator.clipboard.writeText(text);
    button.textContent = 'copied';
  } catch {
    button.textContent = 'cannot copy';
  }
  setTimeout(() => { button.textContent = 'copy'; }, 1200);
}
