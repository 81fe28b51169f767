// A row's actions in the Users view's detail pane: review its fix (the same reviewed plan as a
// sync, with only that user in), or leave the user out of syncs in this session.

import { byId, clear } from '../dom.js';
import { button } from '../panel.js';

/** A row's fix, by category: the button that reviews it, and what the sync would do. */
const FIXES = {
  missing: { label: 'Review the create…', says: 'A sync creates the database document from Clerk.' },
  orphaned: { label: 'Review the deactivation…', says: 'A sync deactivates the document (never deletes it unless you choose so in Sync).' },
  drift: { label: 'Review the update…', says: 'A sync writes Clerk\'s values into the document.' },
  link: { label: 'Review the link…', says: 'A sync records the real Clerk id on the document.' },
  suspicious: { label: 'Review a fix…', says: 'A sync fixes it when Clerk says unambiguously how; otherwise the review says why a person must decide.' },
};
const NOTHING = {
  local_only: 'Nothing to do: the document never came from Clerk, and a sync leaves it alone.',
  in_sync: 'Nothing to do: both sides agree.',
};

/** The row's actions: review its fix (the same reviewed plan as a sync), or leave it out. */
export function renderFix(detail, { busy, review, leaveOut }) {
  const actions = byId('detail-actions');
  clear(actions);
  const fix = FIXES[detail.category];
  const note = byId('detail-fix-note');
  note.classList.toggle('warn', detail.left_out);
  if (!fix) {
    note.textContent = NOTHING[detail.category] ?? '';
    return;
  }
  note.textContent = detail.left_out
    ? 'Left out of syncs in this session: a review starts with this user left out.'
    : fix.says;
  const email = detail.fields.find((f) => f.label === 'Email');
  const who = email?.clerk ?? email?.db ?? detail.subject.clerk_id ?? detail.subject.doc_id;
  actions.append(
    button(fix.label, () => review(detail.subject, who), { primary: true, id: 'detail-review-fix' }),
    button(detail.left_out ? 'Include in syncs again' : 'Leave it out of syncs', async () => {
      try {
        await leaveOut(!detail.left_out);
      } catch (error) {
        note.textContent = error.message;
      }
    }, { id: 'detail-leave-out' }),
  );
  for (const action of actions.children) action.disabled = busy;
}

