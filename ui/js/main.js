// Boot: wires the navigation and shows the Users view first.

import { byId } from './dom.js';
import * as users from './views/users.js';
import * as settings from './views/settings.js';

const VIEWS = ['users', 'sync', 'webhooks', 'settings'];
const onShow = { users: users.activate, settings: settings.activate };

function navigate(view) {
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
users.init({ navigate });
settings.init({ navigate });
navigate('users');
