// Always visible: the profile switcher with its environment and colour, and across the top a
// band in the profile's colour; production is unmistakable (the word PRODUCTION in the band).

import { chooseProfile, listProfiles } from './api.js';
import { byId, clear, el, show } from './dom.js';

const ENV_ONLY = '';
let onChange = () => {};

export function init(context) {
  onChange = context.onChange;
  byId('profile-switcher').addEventListener('change', async (event) => {
    try {
      await chooseProfile(event.target.value || null);
    } finally {
      await render();
      onChange();
    }
  });
  return render();
}

/** Lists the profiles again (one was added or edited in Settings). */
export async function render() {
  const switcher = byId('profile-switcher');
  let list;
  try {
    list = await listProfiles();
  } catch {
    list = { profiles: [], active: null };
  }
  clear(switcher);
  if (!list.profiles.length || list.active === null) {
    switcher.append(el('option', { value: ENV_ONLY }, 'Environment variables'));
  }
  for (const p of list.profiles) {
    switcher.append(el('option', { value: p.name }, `${p.name} · ${p.environment}`));
  }
  switcher.value = list.active ?? ENV_ONLY;
  const active = list.profiles.find((p) => p.name === list.active);
  band(active ? { name: active.name, environment: active.environment, color: active.color } : null);
}

/** The band for a profile, or for the environment variables' instance (`production` from the key). */
export function band(profile, production = false) {
  const element = byId('env-band');
  const environment = profile?.environment ?? (production ? 'production' : null);
  element.className = `env-band env-${environment ?? 'none'}`;
  if (profile?.color) element.style.setProperty('--env-color', profile.color);
  else element.style.removeProperty('--env-color');
  byId('env-band-name').textContent = environment === 'production' ? 'PRODUCTION' : (environment ?? '');
  byId('env-band-profile').textContent = profile ? `profile ${profile.name}` : 'from the SYNCDESK_* variables';
  show(element, Boolean(environment));
  document.body.classList.toggle('is-production', environment === 'production');
}
