// The watch: every few minutes (the profile's setting, off by default) the window reads both
// sides again; Rust raises a desktop notification when users newly go missing or orphaned.
// The notification plugin reports no clicks on desktop, so the next time the window is
// focused after one, it opens the Users view on the categories that grew.

import { watchCheck, watchSettings } from './api.js';

const watch = {
  timer: 0,
  checking: false,
  /** The categories a notification named, shown when the window is next focused. */
  pending: null,
  /** The window lost the focus since the notification: the next focus is the person's answer. */
  armed: false,
  checks: 0,
  /** Bumped by every restart: only the latest one sets the timer. */
  generation: 0,
  /** Whether a check must wait (an apply is running). */
  isBusy: () => false,
  onChecked: () => {},
  onOpen: () => {},
};

export function init(context) {
  watch.onChecked = context.onChecked;
  watch.onOpen = context.onOpen;
  watch.isBusy = context.isBusy ?? (() => false);
  // Armed once the person is away (now or later): a focus they already had must not move them.
  window.addEventListener('blur', () => { if (watch.pending) watch.armed = true; });
  window.addEventListener('focus', () => {
    if (!watch.pending || !watch.armed) return;
    const categories = watch.pending;
    watch.pending = null;
    watch.armed = false;
    watch.onOpen(categories);
  });
  restart();
}

/** Reads the interval again (after a profile change) and starts over. */
export async function restart() {
  const asked = ++watch.generation;
  let settings = { interval_secs: null };
  try {
    settings = await watchSettings();
  } catch {
    // no profile yet: nothing to watch
  }
  if (asked !== watch.generation) return; // a later restart decides
  clearInterval(watch.timer);
  watch.timer = 0;
  document.body.dataset.watchInterval = String(settings.interval_secs ?? 'off');
  if (settings.interval_secs) watch.timer = setInterval(check, settings.interval_secs * 1000);
}

async function check() {
  if (watch.checking || watch.isBusy()) return; // a read during an apply would show half of it
  watch.checking = true;
  try {
    const report = await watchCheck();
    watch.checks += 1;
    document.body.dataset.watchChecks = String(watch.checks);
    watch.onChecked(report.summary);
    if (report.notified) {
      watch.armed = !document.hasFocus();
      const categories = [];
      if (report.newly.missing.length) categories.push('missing');
      if (report.newly.orphaned.length) categories.push('orphaned');
      watch.pending = categories;
    }
  } catch {
    // A failed check (the network, the database) is shown by the next read the person asks for.
  } finally {
    watch.checking = false;
  }
}
