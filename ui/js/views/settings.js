// The Settings view: the profiles (add, edit, remove, the default, colour, environment), each
// profile's secrets (write-only: set, replaced or cleared, only ever shown as "set" / "not set"),
// its field mapping and listener, and "Test profile" with each step's verdict and the fix. The
// view keeps its state in one object.

import {
  clearSecret, getProfile, getSettings, listProfiles, removeProfile, saveProfile, secretStatus,
  sessionOverrides, setSecret, testProfile,
} from '../api.js';
import { byId, clear, el, show } from '../dom.js';

const SECRETS = [
  ['clerk_secret_key', 'secret-input-clerk_secret_key'],
  ['mongodb_uri', 'settings-mongodb-uri'],
  ['webhook_secret', 'secret-input-webhook_secret'],
];
const MAPPING = ['collection', 'clerk_id', 'email', 'name', 'username'];
const ENV_VARS = {
  clerk_secret_key: 'SYNCDESK_CLERK_SECRET_KEY',
  mongodb_uri: 'SYNCDESK_MONGODB_URI',
  webhook_secret: 'SYNCDESK_WEBHOOK_SECRET',
};
/** Each environment's colour (the core's `Environment::default_color`), kept while it is unchanged. */
const ENV_COLORS = { development: '#2f855a', staging: '#b7791f', production: '#c53030' };
const VERDICTS = { pass: 'pass', warn: 'check', fail: 'fail', skipped: 'not run' };

/** The view's one state object. */
const view = {
  profiles: [],
  active: null,
  /** The profile as loaded (what a save compares with), or null for a new one. */
  loaded: null,
  /** A profile with every default, the start of a new one. */
  template: null,
  overrides: { database: null, mongodb_uri: false },
  suggestion: null,
  removing: false,
  /** The form was edited since the profile was loaded or saved. */
  dirty: false,
  onProfilesChanged: () => {},
};

export function init(context) {
  view.onProfilesChanged = context.onProfilesChanged ?? (() => {});
  byId('settings-form').addEventListener('input', () => { view.dirty = true; });
  byId('settings-form').addEventListener('submit', (event) => {
    event.preventDefault();
    save();
  });
  byId('settings-test').addEventListener('click', test);
  byId('profile-add').addEventListener('click', () => edit(null));
  byId('profile-remove').addEventListener('click', remove);
  byId('check-use-suggestion').addEventListener('click', useSuggestion);
  for (const button of document.querySelectorAll('[data-clear]')) {
    button.addEventListener('click', () => clearOne(button.dataset.clear));
  }
  byId('secret-input-clerk_secret_key').addEventListener('input', (event) => {
    const live = event.target.value.trim().startsWith('sk_live_');
    byId('environment-hint').textContent = live
      ? 'A live key (sk_live_): this profile will be treated as production, whatever its label.'
      : 'A live Clerk key (sk_live_) always counts as production.';
    byId('environment-hint').classList.toggle('warn', live);
  });
  byId('profile-environment').addEventListener('change', (event) => {
    // A colour still at an environment's own follows the environment (production turns red).
    const color = byId('profile-color');
    if (Object.values(ENV_COLORS).includes(color.value)) color.value = ENV_COLORS[event.target.value];
  });
  byId('profile-name').addEventListener('input', validate);
  for (const id of ['settings-database', 'profile-clerk-url', 'listener-port', 'profile-forward', 'profile-watch']) {
    byId(id).addEventListener('input', validate);
  }
}

/** Shown: reads the profiles again (the CLI may have changed them). */
export async function activate() {
  message('', '');
  try {
    const [list, overrides, template] = await Promise.all([listProfiles(), sessionOverrides(), getSettings()]);
    view.profiles = list.profiles;
    view.active = list.active;
    view.overrides = overrides;
    // A new profile starts from every default, not from the profile in use.
    view.template = {
      ...template, name: '', database: '', environment: 'development', color: ENV_COLORS.development,
      clerkApiUrl: 'https://api.clerk.com/v1', forwardUrl: null, watchMinutes: null, listener: { port: 8787, path: '/api/webhooks/clerk' },
    };
    showOverrides(overrides);
    renderList();
    const first = list.active ?? list.profiles.find((p) => p.default)?.name ?? list.profiles[0]?.name ?? null;
    await edit(first, first ? null : template);
  } catch (error) {
    message(error.message, 'error');
  }
}

function renderList() {
  const list = byId('profile-list');
  clear(list);
  for (const p of view.profiles) {
    const item = el('button', {
      type: 'button', class: 'profile-item', dataset: { testid: 'profile-item', name: p.name },
      'aria-current': view.loaded?.name === p.name ? 'true' : 'false',
    }, el('span', { class: 'dot' }), el('span', { class: 'profile-name' }, p.name),
    el('span', { class: `env env-${p.environment}` }, p.environment), p.default ? el('span', { class: 'star', title: 'The default profile' }, 'default') : null);
    item.querySelector('.dot').style.background = p.color;
    item.addEventListener('click', () => edit(p.name));
    list.append(item);
  }
  if (!view.profiles.length) {
    list.append(el('p', { class: 'hint' }, 'No profile yet: fill in the form to create the first one.'));
  }
}

/** Loads profile `name` into the form, or a new profile (from `start` or the template). */
async function edit(name, start = null) {
  view.suggestion = null;
  view.removing = false;
  byId('profile-remove').textContent = 'Remove profile';
  show(byId('check-steps'), false);
  show(byId('check-suggestion'), false);
  message('', '');
  const profile = name ? await getProfile(name) : structuredClone(start ?? view.template);
  view.loaded = name ? profile : null;
  fill(profile);
  view.dirty = false;
  byId('profile-heading').textContent = name ? `Profile ${name}` : 'New profile';
  show(byId('profile-remove'), Boolean(name));
  byId('profile-default').checked = name ? Boolean(view.profiles.find((p) => p.name === name)?.default) : !view.profiles.length;
  view.loadedDefault = byId('profile-default').checked;
  renderList();
  validate();
  await refreshStatus();
}

function fill(p) {
  byId('profile-name').value = p.name ?? '';
  byId('profile-environment').value = p.environment ?? 'development';
  byId('profile-color').value = p.color ?? '#059669';
  byId('settings-database').value = p.database ?? '';
  byId('profile-clerk-url').value = p.clerkApiUrl ?? '';
  for (const key of MAPPING) byId(`map-${key}`).value = p.mapping?.[key] ?? '';
  byId('listener-port').value = p.listener?.port ?? '';
  byId('listener-path').value = p.listener?.path ?? '';
  byId('profile-forward').value = p.forwardUrl ?? '';
  byId('profile-watch').value = p.watchMinutes ?? '';
  for (const [, input] of SECRETS) byId(input).value = '';
}

/** The form as a profile, keeping what the form does not show (the rest of the mapping). */
function read() {
  const base = structuredClone(view.loaded ?? view.template ?? {});
  const mapping = { ...(base.mapping ?? {}) };
  for (const key of MAPPING) mapping[key] = byId(`map-${key}`).value.trim();
  const forward = byId('profile-forward').value.trim();
  const watch = byId('profile-watch').value.trim();
  return {
    ...base,
    name: byId('profile-name').value.trim(),
    environment: byId('profile-environment').value,
    color: byId('profile-color').value,
    database: byId('settings-database').value.trim(),
    clerkApiUrl: byId('profile-clerk-url').value.trim(),
    mapping,
    listener: { port: Number(byId('listener-port').value), path: byId('listener-path').value.trim() || '/api/webhooks/clerk' },
    forwardUrl: forward || null,
    watchMinutes: watch === '' ? null : Number(watch),
  };
}

/** Checks as you type; each error beside its field. Returns whether the form can be saved. */
function validate() {
  const p = read();
  const errors = {
    name: !p.name ? 'A profile needs a name.'
      : !/^[A-Za-z0-9_-]{1,40}$/.test(p.name) ? 'Letters, digits, dash and underscore only (up to 40).'
        : view.profiles.some((q) => q.name === p.name && q.name !== view.loaded?.name) ? `A profile named ${p.name} exists already.` : '',
    database: /[\s/\\."$]/.test(p.database) ? 'A database name has no spaces, slashes, dots, quotes or $.' : '',
    clerkApiUrl: !/^https?:\/\/[^\s/]+(\/\S*)?$/.test(p.clerkApiUrl) ? 'An http:// or https:// URL, e.g. https://api.clerk.com/v1.' : '',
    port: !(Number.isInteger(p.listener.port) && p.listener.port >= 1 && p.listener.port <= 65535) ? 'A port from 1 to 65535.' : '',
    forward: p.forwardUrl && !/^https?:\/\/[^\s/]+(\/\S*)?$/.test(p.forwardUrl) ? 'An http:// or https:// URL.' : '',
    watch: p.watchMinutes !== null && !(Number.isInteger(p.watchMinutes) && p.watchMinutes >= 1 && p.watchMinutes <= 1440) ? 'Whole minutes from 1 to 1440, or empty for off.' : '',
  };
  for (const [field, text] of Object.entries(errors)) byId(`error-${field}`).textContent = text;
  return Object.values(errors).every((e) => !e);
}

async function refreshStatus() {
  const name = view.loaded?.name ?? null;
  let status = {};
  if (name) {
    try {
      status = await secretStatus(name);
    } catch (error) {
      message(error.message, 'error');
    }
  }
  for (const [secret] of SECRETS) {
    const badge = byId(`secret-${secret}`);
    const fromEnv = view.overrides[secret] && name === view.active;
    const set = status[secret] === 'set';
    badge.textContent = fromEnv ? `from ${ENV_VARS[secret]}` : set ? 'set' : 'not set';
    badge.className = fromEnv || set ? 'badge ok' : 'badge missing';
  }
}

function showOverrides(overrides) {
  const parts = [];
  if (overrides.database) parts.push(`the database name “${overrides.database}”`);
  if (overrides.mongodb_uri) parts.push('SYNCDESK_MONGODB_URI');
  const note = byId('settings-overrides');
  note.textContent = parts.length
    ? `This session was started with ${parts.join(' and ')}; they take precedence over the profile below.`
    : '';
  show(note, parts.length > 0);
}

async function save() {
  if (!validate()) {
    message('Fix the fields marked in red first: nothing was saved.', 'error');
    return;
  }
  const profile = read();
  const previous = view.loaded?.name ?? null;
  const button = byId('settings-save');
  button.disabled = true;
  message('Saving…', '');
  try {
    // Only a change of the box is sent: a default the CLI set meanwhile is not undone.
    const ticked = byId('profile-default').checked;
    const saved = await saveProfile(profile, previous, view.loaded, ticked === view.loadedDefault ? null : ticked);
    const failed = [];
    for (const [secret, input] of SECRETS) {
      const value = byId(input).value;
      byId(`error-${secret}`).textContent = '';
      if (!value.trim()) continue;
      try {
        await setSecret(secret, value, profile.name);
        byId(input).value = '';
      } catch (error) {
        byId(`error-${secret}`).textContent = error.message;
        failed.push(secret);
      }
    }
    const list = await listProfiles();
    view.profiles = list.profiles;
    view.active = list.active;
    view.loaded = await getProfile(profile.name);
    // The box as saved: the next change of it is measured from here.
    byId('profile-default').checked = Boolean(view.profiles.find((p) => p.name === profile.name)?.default);
    view.loadedDefault = byId('profile-default').checked;
    view.dirty = false;
    byId('profile-heading').textContent = `Profile ${profile.name}`;
    show(byId('profile-remove'), true);
    renderList();
    view.onProfilesChanged();
    if (saved?.warning) message(`Saved. ${saved.warning}`, 'error');
    else message(failed.length ? 'The profile was saved; the secrets marked in red were not.' : 'Saved.', failed.length ? 'error' : 'ok');
  } catch (error) {
    message(error.message, 'error');
  } finally {
    button.disabled = false;
    await refreshStatus();
  }
}

async function test() {
  const name = view.loaded?.name;
  if (!name) {
    message('Save the profile first, then test it.', 'error');
    return;
  }
  if (view.dirty) {
    message('The test reads the saved profile: save your changes first.', 'error');
    return;
  }
  const button = byId('settings-test');
  button.disabled = true;
  message(`Testing ${name}…`, '');
  try {
    const report = await testProfile(name);
    const steps = byId('check-steps');
    clear(steps);
    for (const step of report.steps) {
      steps.append(el('li', { class: `step ${step.verdict}`, dataset: { testid: 'check-step', kind: step.kind } },
        el('span', { class: 'verdict' }, VERDICTS[step.verdict] ?? step.verdict),
        el('span', { class: 'step-kind' }, step.kind.replace('_', ' ')),
        el('span', { class: 'step-detail' }, step.detail),
        step.fix ? el('span', { class: 'step-fix' }, step.fix) : null));
    }
    show(steps, true);
    steps.scrollIntoView({ block: 'nearest' });
    view.suggestion = report.suggested_mapping;
    show(byId('check-suggestion'), Boolean(view.suggestion));
    if (view.suggestion) {
      byId('check-suggestion-text').textContent = `The sampled documents fit another mapping: the Clerk id in “${view.suggestion.clerk_id}”, the email in “${view.suggestion.email}”.`;
    }
    const failed = report.steps.some((s) => s.verdict === 'fail');
    message(failed ? 'Some steps failed: each says what to fix.' : 'Every step passed.', failed ? 'error' : 'ok');
  } catch (error) {
    message(error.message, 'error');
  } finally {
    button.disabled = false;
  }
}

function useSuggestion() {
  if (!view.suggestion) return;
  for (const key of MAPPING) byId(`map-${key}`).value = view.suggestion[key] ?? '';
  byId('settings-form').querySelector('details').open = true;
  message('The suggested mapping is in the form: Save to keep it.', '');
}

async function clearOne(secret) {
  const name = view.loaded?.name;
  if (!name) return;
  try {
    await clearSecret(secret, name);
    message('Removed from the keychain.', 'ok');
  } catch (error) {
    message(error.message, 'error');
  }
  await refreshStatus();
}

async function remove() {
  const name = view.loaded?.name;
  if (!name) return;
  if (!view.removing) {
    view.removing = true;
    byId('profile-remove').textContent = `Click again to remove ${name} and its secrets`;
    return;
  }
  try {
    await removeProfile(name);
    view.onProfilesChanged();
    await activate();
    message(`Profile ${name} and its secrets were removed.`, 'ok');
  } catch (error) {
    message(error.message, 'error');
  }
}

function message(text, kind) {
  const node = byId('settings-message');
  node.textContent = text;
  node.className = `message ${kind}`.trim();
}
