// The Settings view: the database name (saved in the settings file) and the MongoDB URI
// (write-only, kept in the OS keychain; the view only ever learns "set" or "not set").

import { clearSecret, getSettings, saveSettings, secretStatus, sessionOverrides, setSecret, testConnection }
  from '../api.js';
import { byId, show } from '../dom.js';

let saved = null;

export function init() {
  byId('settings-form').addEventListener('submit', (event) => {
    event.preventDefault();
    save();
  });
  byId('settings-test').addEventListener('click', test);
  byId('settings-clear-uri').addEventListener('click', removeUri);
}

/** Called each time the view is shown: reads the saved values again. */
export async function activate() {
  message('', '');
  try {
    const [settings, overrides] = await Promise.all([getSettings(), sessionOverrides()]);
    saved = settings;
    byId('settings-database').value = settings.database ?? '';
    showOverrides(overrides);
  } catch (error) {
    message(error.message, 'error');
  }
  await refreshStatus();
}

async function refreshStatus() {
  const badge = byId('secret-mongodb_uri');
  try {
    const status = await secretStatus();
    const set = status.mongodb_uri === 'set';
    badge.textContent = set ? 'set' : 'not set';
    badge.className = set ? 'badge ok' : 'badge missing';
  } catch (error) {
    badge.textContent = 'keychain unavailable';
    badge.className = 'badge missing';
    message(error.message, 'error');
  }
}

function showOverrides(overrides) {
  const parts = [];
  if (overrides.database) parts.push(`the database name “${overrides.database}”`);
  if (overrides.mongodb_uri) parts.push('SYNCDESK_MONGODB_URI');
  const note = byId('settings-overrides');
  note.textContent = parts.length
    ? `This session was started with ${parts.join(' and ')}; they take precedence over the saved values below.`
    : '';
  show(note, parts.length > 0);
}

async function save() {
  const button = byId('settings-save');
  button.disabled = true;
  message('Saving…', '');
  try {
    const database = byId('settings-database').value.trim();
    await saveSettings({ ...(saved ?? {}), database });
    saved = { ...(saved ?? {}), database };
    const uri = byId('settings-mongodb-uri');
    if (uri.value.trim()) {
      await setSecret('mongodb_uri', uri.value);
      uri.value = '';
    }
    message('Saved.', 'ok');
  } catch (error) {
    message(error.message, 'error');
  } finally {
    button.disabled = false;
    await refreshStatus();
  }
}

async function test() {
  const button = byId('settings-test');
  button.disabled = true;
  message('Connecting…', '');
  try {
    const report = await testConnection();
    const noun = report.documents === 1 ? 'document' : 'documents';
    message(`Connected to ${report.location}: ${report.documents} ${noun} in the users collection.`, 'ok');
  } catch (error) {
    message(error.message, 'error');
  } finally {
    button.disabled = false;
  }
}

async function removeUri() {
  try {
    await clearSecret('mongodb_uri');
    message('The saved MongoDB URI was removed from the keychain.', 'ok');
  } catch (error) {
    message(error.message, 'error');
  }
  await refreshStatus();
}

function message(text, kind) {
  const node = byId('settings-message');
  node.textContent = text;
  node.className = `message ${kind}`.trim();
}
