// Boot: wires the navigation, the profile bar and privacy mode, and shows the Users view (the diff) first.

import { byId } from './dom.js';
import * as profileBar from './profile-bar.js';
import * as privacy from './privacy.js';
import * as diff from './views/diff.js';
import * as users from './views/users.js';
import * as settings from './views/settings.js';
import * as sync from './views/sync.js';
import * as create from './views/create.js';
import * as webhooks from './views/webhooks.js';
import * as watch from './watch.js';

const VIEWS = ['users', 'database', 'sync', 'create', 'webhooks', 'settings'];
const onShow = { users: diff.activate, database: users.activate, sync: sync.activate, create: create.activate, webhooks: webhooks.activate, settings: settings.activate };

const LAST_VIEW = 'syncdesk.view';

function navigate(view) {
  localStorage.setItem(LAST_VIEW, view);
  for (const name of VIEWS) {
    const active = name === view;
    byId(`view-${name}`).hidden = !active;
    const button = byId(`nav-${name}`);
    if (active) button.setAttribute('aria-current', 'page');
    else button.removeAttribute('aria-current');
  }
  onShow[view]?.();
}

for (const button of document.querySelectorAll('.nav-item')) {
  button.addEventListener('click', () => navigate(button.dataset.view));
}
diff.init({
  navigate,
  // A row's fix goes into the same reviewed plan as a sync, with only that user in.
  reviewUser: (subject, who) => { navigate('sync'); sync.reviewUser(subject, who); },
  // With no profile, the band follows the instance the SYNCDESK_* variables name.
  onRead: (summary) => { if (!byId('profile-switcher').value) profileBar.band(null, summary.production); },
});
users.init({ navigate });
sync.init({ navigate, onApplied: diff.reload, onBusy: diff.setBusy });
create.init({ onCreated: diff.reload });
// Events the listener applies update the Users view's table where it is, without a new read.
webhooks.init({ onTableChanged: diff.live });
byId('diff-review').addEventListener('click', () => {
  navigate('sync');
  byId('review-start').click();
});
settings.init({
  navigate,
  onProfilesChanged: () => { profileBar.render(); diff.reload(); watch.restart(); },
});
const toggle = byId('privacy-toggle');
toggle.checked = privacy.isOn();
toggle.addEventListener('change', () => privacy.set(toggle.checked));
profileBar.init({ onChange: () => { diff.reload(); watch.restart(); if (!byId('view-create').hidden) create.activate(); } });
// The watch: a check's read shows in the Users view; after a notification, focusing the window
// opens the Users view on the categories that grew.
watch.init({
  onChecked: (summary) => diff.live(summary, null, 'checked by the watch'),
  onOpen: (categories) => { navigate('users'); diff.showCategories(categories); },
  isBusy: diff.isBusy,
});
// Keyboard: Ctrl+R reads again, Ctrl+F searches, Ctrl+1…6 switch views.
document.addEventListener('keydown', (event) => {
  if (!(event.ctrlKey || event.metaKey) || event.altKey) return;
  const view = VIEWS[Number(event.key) - 1];
  if (view) {
    event.preventDefault();
    navigate(view);
  } else if (event.key === 'r') {
    event.preventDefault();
    navigate('users');
    if (!byId('diff-refresh').disabled) byId('diff-refresh').click();
  } else if (event.key === 'f') {
    event.preventDefault();
    navigate('users');
    byId('diff-search').focus();
  }
});
// The view of the last session (the Users view, the diff, on a first launch).
const last = localStorage.getItem(LAST_VIEW);
navigate(VIEWS.includes(last) ? last : 'users');
