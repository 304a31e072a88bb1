// Sign-in: paste the bearer token (JWT) once; it is kept for this browser tab only.
import { h, render } from './dom.ts';
import { startSession, type Session } from './session.ts';

export function renderLogin(el: HTMLElement, onSession: (s: Session) => void, reason?: string): void {
  const error = h('div', { class: 'error', role: 'alert', hidden: !reason }, reason ?? '');
  const token = h('textarea', { name: 'token', rows: 5, required: true, spellcheck: 'false', autocomplete: 'off', placeholder: 'eyJhbGciOiJIUzI1NiIs…', 'aria-label': 'Bearer token' });
  const form = h('form', { class: 'card form login', 'data-testid': 'login' },
    h('h2', {}, 'Sign in'),
    h('p', { class: 'muted' }, 'Paste your bearer token (JWT). Operators print one with ', h('code', {}, 'npm run token -- --role agent'), '; ', h('code', {}, 'npm run demo'), ' prints one per role.'),
    token, error,
    h('button', { class: 'button primary big', type: 'submit' }, 'Sign in'));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    try {
      onSession(startSession(token.value));
    } catch (err) {
      error.hidden = false;
      error.textContent = (err as Error).message;
    }
  });
  render(el, form);
  token.focus();
}
