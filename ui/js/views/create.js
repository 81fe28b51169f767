// The Create user view: the email, a name, and the app-owned fields the profile's mapping names;
// checked as you type (in Rust, each problem beside its field); the Clerk lookup by email says
// which Clerk user will be linked, or offers to create one there; the result says exactly what
// was written. The view keeps its state in one object.

import { checkUser, createUser, lookupEmail, userForm } from '../api.js';
import { byId, clear, el, show } from '../dom.js';

/** The view's one state object. */
const view = {
  form: null,
  lookup: null,
  lookupSeq: 0,
  checkSeq: 0,
  busy: false,
  checkTimer: 0,
  /** Staging: the person was asked once for this creation. */
  asked: false,
  lookupTimer: 0,
  onCreated: () => {},
};

export function init(context) {
  view.onCreated = context.onCreated ?? (() => {});
  byId('create-form').addEventListener('submit', (event) => {
    event.preventDefault();
    submit();
  });
  byId('create-form').addEventListener('input', (event) => {
    // Checked and looked up once typing pauses, not on every key.
    clearTimeout(view.checkTimer);
    view.checkTimer = setTimeout(check, 150);
    if (event.target.id === 'create-email') {
      byId('create-in-clerk').checked = false; // asked again for each email
      show(byId('create-in-clerk-field'), false);
      clearTimeout(view.lookupTimer);
      view.lookupTimer = setTimeout(lookup, 300);
    }
  });
}

/** Shown: the fields follow the profile in use. */
export async function activate() {
  message('', '');
  try {
    view.form = await userForm();
  } catch (error) {
    view.form = null;
    message(error.message, 'error');
    byId('create-submit').disabled = true;
    return;
  }
  byId('create-submit').disabled = false;
  byId('create-target').textContent =
    `One database user by hand with ${view.form.label}, always linked to its real Clerk user.`;
  const fields = byId('create-fields');
  const keep = Object.fromEntries([...fields.querySelectorAll('input')].map((i) => [i.dataset.field, i.value]));
  clear(fields);
  for (const name of view.form.fields) {
    const input = el('input', { type: 'text', id: `create-field-${name}`, dataset: { field: name, testid: `create-field-${name}` } });
    input.value = keep[name] ?? '';
    fields.append(el('label', { class: 'field' }, el('span', { class: 'label' }, label(name)), input,
      el('span', { class: 'field-error', id: `create-error-${name}` })));
  }
  const policy = view.form.confirmation;
  show(byId('create-typed-field'), policy.kind === 'typed');
  if (policy.kind === 'typed') byId('create-typed-label').textContent = `Production: type ${policy.expected} to confirm`;
}

function label(name) {
  return name.replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase());
}

function input() {
  const fields = {};
  for (const i of byId('create-fields').querySelectorAll('input')) fields[i.dataset.field] = i.value;
  return { email: byId('create-email').value, name: byId('create-name').value || null, fields };
}

/** Asks Rust for every problem of what is typed; shows each beside its field. */
async function check() {
  const seq = ++view.checkSeq;
  let problems;
  try {
    problems = await checkUser(input());
  } catch {
    return;
  }
  if (seq !== view.checkSeq) return;
  const email = byId('create-email').value.trim();
  for (const node of byId('create-form').querySelectorAll('.field-error')) node.textContent = '';
  for (const p of problems) {
    // An empty email is not an error until something was typed there.
    if (p.field === 'email' && !email) continue;
    const node = document.getElementById(`create-error-${p.field}`);
    if (node) node.textContent = p.problem;
  }
  return problems;
}

async function lookup() {
  const seq = ++view.lookupSeq;
  const email = byId('create-email').value.trim();
  const out = byId('create-lookup');
  view.lookup = null;
  show(byId('create-in-clerk-field'), false);
  if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email)) {
    out.textContent = '';
    return;
  }
  out.textContent = 'Looking the email up in Clerk and the database…';
  let found;
  try {
    found = await lookupEmail(email);
  } catch (error) {
    if (seq === view.lookupSeq) {
      out.className = 'lookup bad';
      out.textContent = error.message;
    }
    return;
  }
  if (seq !== view.lookupSeq) return;
  view.lookup = found;
  out.className = 'lookup';
  if (found.existing) {
    out.textContent = `Already in the database: user_id ${found.existing.user_id ?? '—'} (_id ${found.existing.doc_id}). Edit that one instead.`;
    out.classList.add('bad');
  } else if (found.clerk) {
    out.textContent = `Clerk has this user: ${found.clerk.id}${found.clerk.name ? ` (${found.clerk.name})` : ''}. It will be linked.`;
    out.classList.add('good');
  } else {
    out.textContent = 'No Clerk user has this email.';
    show(byId('create-in-clerk-field'), true);
  }
}

async function submit() {
  if (view.busy || !view.form) return;
  if (!byId('create-email').value.trim()) {
    message('Type the email of the user to create: nothing was written.', 'error');
    return;
  }
  const problems = await check();
  if (problems?.length) {
    message('Fix the fields marked in red first: nothing was written.', 'error');
    return;
  }
  const policy = view.form.confirmation;
  // Staging asks once: the first press says where it goes, the second creates.
  if (policy.kind === 'ask' && !view.asked) {
    view.asked = true;
    message(`This creates the user in ${view.form.label}: press Create user again to go ahead.`, 'error');
    return;
  }
  view.asked = false;
  view.busy = true;
  byId('create-submit').disabled = true;
  message('Creating…', '');
  const typed = policy.kind === 'typed' ? byId('create-typed').value : null;
  try {
    const created = await createUser(input(), byId('create-in-clerk').checked, typed);
    const where = created.created_in_clerk ? 'created in Clerk now' : 'the existing Clerk user';
    message(`Created user_id ${created.user_id ?? '—'} (_id ${created.doc_id ?? '—'}, username ${created.username ?? '—'}), linked to ${created.clerk_id} (${where}).`, 'ok');
    for (const i of byId('create-form').querySelectorAll('input[type="text"], input[type="email"]')) i.value = '';
    byId('create-in-clerk').checked = false;
    byId('create-lookup').textContent = '';
    show(byId('create-in-clerk-field'), false);
    view.onCreated();
  } catch (error) {
    message(error.message, 'error');
    if (error.code === 'not_in_clerk') show(byId('create-in-clerk-field'), true);
  } finally {
    view.busy = false;
    byId('create-submit').disabled = false;
  }
}

function message(text, kind) {
  const node = byId('create-message');
  node.textContent = text;
  node.className = `message ${kind}`.trim();
}
