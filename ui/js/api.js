// The only module that touches window.__TAURI__: one async function per Rust command.
// Every failure is thrown as an ApiError {code, message}; views branch on `code` only.

/** A failed command: `code` is one of the Rust `Code` values (or `no_backend`). */
export class ApiError extends Error {
  constructor(code, message) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
  }
}

function normalise(error) {
  if (error instanceof ApiError) return error;
  if (error && typeof error === 'object' && typeof error.code === 'string') {
    return new ApiError(error.code, String(error.message ?? error.code));
  }
  return new ApiError('unexpected', typeof error === 'string' ? error : String(error?.message ?? error));
}

async function call(command, args = {}) {
  const core = window.__TAURI__?.core;
  if (!core) {
    throw new ApiError('no_backend', 'This page runs outside the Syncdesk app, so it cannot reach the database.');
  }
  try {
    return await core.invoke(command, args);
  } catch (error) {
    throw normalise(error);
  }
}

/** `{location, users: [DbUser…], problems}` from the configured users collection. */
export const listDbUsers = () => call('list_db_users');

/** The saved settings (`{database, mapping}`); secrets are not part of them. */
export const getSettings = () => call('get_settings');

export const saveSettings = (settings) => call('save_settings', { settings });

/** `{database, mongodb_uri}`: what this session was started with, overriding the saved values. */
export const sessionOverrides = () => call('session_overrides');

/** `{location, documents}` after a fresh connection with the saved settings. */
export const testConnection = () => call('test_connection');

/**
 * Writes a secret of `profile` (the one in use when absent) to the OS keychain; `name` is
 * `mongodb_uri`, `clerk_secret_key` or `webhook_secret`.
 */
export const setSecret = (name, value, profile = null) => call('set_secret', { name, value, profile });

export const clearSecret = (name, profile = null) => call('clear_secret', { name, profile });

/** `{mongodb_uri: "set" | "not set", …}` of `profile`: never the values. */
export const secretStatus = (profile = null) => call('secret_status', { profile });

/** One profile, every field (no secrets). */
export const getProfile = (name) => call('get_profile', { name });

/** Adds (`previous` null) or replaces a profile; `loaded` refuses to undo a change made elsewhere. */
export const saveProfile = (profile, previous, loaded, makeDefault) =>
  call('save_profile', { profile, previous, loaded, makeDefault });

/** Removes a profile and its secrets. */
export const removeProfile = (name) => call('remove_profile', { name });

/** `{steps: [{kind, verdict, detail, fix}], suggested_mapping}` for profile `name`. */
export const testProfile = (name) => call('test_profile', { name });

/** Reads both sides and diffs them; `onProgress({pages, users, total})` hears of Clerk's pages. */
export function readDiff(onProgress) {
  const Channel = window.__TAURI__?.core?.Channel;
  if (!Channel) return call('read_diff');
  const channel = new Channel();
  channel.onmessage = onProgress;
  return call('read_diff', { onProgress: channel });
}

/** `{total, matching, matches, offset, rows}`: `limit` rows of the diff as `query` selects them. */
export const diffRows = (query, offset, limit) => call('diff_rows', { query, offset, limit });

/** One row in full: `{category, fields: [{label, clerk, db, differs}], reasons, problems}`. */
export const diffDetail = (row) => call('diff_detail', { row });

/** Leaves a row's user (`{clerk_id, doc_id}`) out of syncs in this session, or brings them back. */
export const leaveOutUser = (subject, leftOut) => call('leave_out_user', { subject, leftOut });

/** `[{day, count}]`: the missing users by the day they signed up. */
export const missingByDay = () => call('missing_by_day');

/** `{profiles: [{name, environment, color, database, default}], active}`. */
export const listProfiles = () => call('list_profiles');

/** Uses another profile in this window (`null`: the default, or the environment variables). */
export const chooseProfile = (name) => call('choose_profile', { name });

/** Reads both sides and plans: `{label, counts, operations, confirmation: {kind, expected?}, …}`. */
export const previewSync = (options) => call('preview_sync', { options });

/** `{matching, kinds: [{op, planned, included}], included, rows}` of the reviewed plan. */
export const reviewRows = (review, kind, offset, limit) => call('review_rows', { review, kind, offset, limit });

export const chooseOps = (review, indices, included) => call('choose_ops', { review, indices, included });

export const chooseKind = (review, kind, included) => call('choose_kind', { review, kind, included });

/** Applies review `review`; `onProgress({completed, total})`; `confirmation` the typed name. */
export function applySync(review, confirmation, onProgress) {
  const Channel = window.__TAURI__?.core?.Channel;
  if (!Channel) return call('apply_sync', { review, confirmation });
  const channel = new Channel();
  channel.onmessage = onProgress;
  return call('apply_sync', { review, confirmation, onProgress: channel });
}

/** Asks review `review`'s apply to stop at the next batch (also before it reached Rust). */
export const cancelSync = (review) => call('cancel_sync', { review });

/** `{label, fields, confirmation}`: the creation form's app-owned fields (the mapping's). */
export const userForm = () => call('user_form');

/** `[{field, problem}]` of what is typed: empty when it can be created. */
export const checkUser = (input) => call('check_user', { input });

/** `{clerk: {id, name}?, existing: {user_id, doc_id, name}?}` for an email. */
export const lookupEmail = (email) => call('lookup_email', { email });

/** Creates a user by hand: `{clerk_id, created_in_clerk, user_id, doc_id, email, username}`. */
export const createUser = (input, inClerk, confirmation) => call('create_user', { input, inClerk, confirmation });

/** `{running, url, port, path, apply, location, forward, relays, log}` of the webhook listener. */
export const listenerStatus = () => call('listener_status');

/**
 * Starts the listener for the profile in use; `onEvent({kind: 'delivery', delivery} |
 * {kind: 'table_changed', summary})` hears of each request and of each live table update.
 */
export function startListener(port, apply, onEvent) {
  const Channel = window.__TAURI__?.core?.Channel;
  if (!Channel) return call('start_listener', { port, apply });
  const channel = new Channel();
  channel.onmessage = onEvent;
  return call('start_listener', { port, apply, onEvent: channel });
}

export const stopListener = () => call('stop_listener');

/** One delivery with its request: `{…delivery, request: {headers: [[name, value]…], body}}`. */
export const deliveryDetail = (seq) => call('delivery_detail', { seq });

/** Sends a signed test event; `from` is `{kind: 'example'|'clerk_user'|'db_user'|'file', value}`. */
export const sendTestEvent = (to, eventType, from) => call('send_test_event', { to, eventType, from });

/** The doctor against `url`: `onStep({step, number, title, verdict, detail, fix})` as each ends. */
export function checkBackend(url, timeoutSecs, onStep) {
  const Channel = window.__TAURI__?.core?.Channel;
  if (!Channel) return call('check_backend', { url, timeoutSecs });
  const channel = new Channel();
  channel.onmessage = onStep;
  return call('check_backend', { url, timeoutSecs, onStep: channel });
}

/** `{interval_secs}` of the watch (null: off): the profile's setting, or SYNCDESK_WATCH_SECONDS. */
export const watchSettings = () => call('watch_settings');

/** Reads both sides again: `{summary, newly: {missing, orphaned}, notified}`. */
export const watchCheck = () => call('watch_check');
