// Sign-in page: username and password (plus a single sign-on button when the API has one configured), in
// the user's language; operators can still paste a bearer token. After an administrator's password reset
// the user chooses a new password here before entering the console.
import { locale, setLocale, t as translate, type Vars } from './i18n.ts';
import type { MessageKey } from './i18n/en.ts';
import { h, render } from './dom.ts';
import { changePassword, signIn, SignInError, singleSignOnEnabled, startSession, type Session } from './session.ts';

/** The page's strings: `login.*` of the console's catalogs (i18n/en.ts, i18n/zh-CN.ts). */
type LoginKey<M extends MessageKey = MessageKey> = M extends `login.${infer K}` ? K : never;

export function loginMessage(key: LoginKey, values?: Vars): string {
  return translate(`login.${key}` as MessageKey, values);
}

/** The user's sentence for a refused sign-in, by the API's stable error code. */
function refusalText(err: unknown): string {
  if (err instanceof SignInError) {
    if (err.code === 'account_locked' || err.code === 'rate_limited') return loginMessage(err.code, { s: err.retryAfterS ?? 60 });
    if (err.code === 'invalid_credentials' || err.code === 'account_deactivated' || err.code === 'network') return loginMessage(err.code);
    return loginMessage('failed', { m: err.message });
  }
  return loginMessage('failed', { m: (err as Error).message });
}

function field(label: string, input: HTMLInputElement): HTMLElement {
  return h('label', { class: 'field' }, h('span', {}, label), input);
}

export function renderLogin(el: HTMLElement, onSession: (s: Session) => void, reason?: string): void {
  const t = (key: LoginKey) => loginMessage(key);
  const error = h('div', { class: 'error', role: 'alert', 'data-testid': 'login-error', hidden: !reason }, reason ?? '');
  const username = h('input', { name: 'username', autocomplete: 'username', required: true, maxlength: 64, autocapitalize: 'none', spellcheck: 'false' });
  const password = h('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true, maxlength: 200 });
  const submit = h('button', { class: 'button primary big', type: 'submit' }, t('submit'));
  const sso = h('div', { class: 'sso', hidden: true },
    h('p', { class: 'muted' }, t('or')),
    h('a', { class: 'button big', 'data-testid': 'sso', href: `/v1/auth/oidc/start?returnTo=${encodeURIComponent(location.pathname + (location.hash || '#/'))}` }, t('sso')));
  const token = h('textarea', { name: 'token', rows: 4, spellcheck: 'false', autocomplete: 'off', placeholder: 'eyJhbGciOiJIUzI1NiIs…', 'aria-label': t('tokenLabel') });
  const tokenForm = h('details', { class: 'operators', 'data-testid': 'token-signin' },
    h('summary', {}, t('operators')),
    h('p', { class: 'muted' }, t('tokenHelp')),
    token,
    h('button', { class: 'button', type: 'button', 'data-testid': 'token-submit', onclick: () => {
      try {
        onSession(startSession(token.value));
      } catch (err) {
        showError((err as Error).message);
      }
    } }, t('tokenSubmit')));
  const languageToggle = h('button', { class: 'button small link', type: 'button', onclick: () => {
    setLocale(locale() === 'zh-CN' ? 'en' : 'zh-CN');
    renderLogin(el, onSession);
  } }, t('language'));
  const form = h('form', { class: 'card form login', 'data-testid': 'login', lang: locale() },
    h('h2', {}, t('title'), ' ', languageToggle),
    field(t('username'), username),
    field(t('password'), password),
    error,
    submit,
    sso,
    tokenForm);

  function showError(text: string): void {
    error.hidden = false;
    error.textContent = text;
  }

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    submit.disabled = true;
    submit.textContent = t('signingIn');
    signIn(username.value.trim(), password.value)
      .then((session) => (session.mustChangePassword ? renderPasswordChange(el, session, onSession) : onSession(session)))
      .catch((err: unknown) => {
        password.value = '';
        showError(refusalText(err));
      })
      .finally(() => {
        submit.disabled = false;
        submit.textContent = t('submit');
      });
  });
  render(el, form);
  void singleSignOnEnabled().then((enabled) => {
    sso.hidden = !enabled;
  });
  username.focus();
}

/** After an administrator's reset: the user sets a new password before anything else. */
export function renderPasswordChange(el: HTMLElement, session: Session, onSession: (s: Session) => void): void {
  const t = (key: LoginKey) => loginMessage(key);
  const error = h('div', { class: 'error', role: 'alert', hidden: true });
  const current = h('input', { name: 'currentPassword', type: 'password', autocomplete: 'current-password', required: true });
  const next = h('input', { name: 'newPassword', type: 'password', autocomplete: 'new-password', required: true, minlength: 10 });
  const repeat = h('input', { name: 'repeatPassword', type: 'password', autocomplete: 'new-password', required: true });
  const form = h('form', { class: 'card form login', 'data-testid': 'password-change', lang: locale() },
    h('h2', {}, t('changeTitle')),
    h('p', { class: 'muted' }, t('changeHelp')),
    field(t('currentPassword'), current), field(t('newPassword'), next), field(t('repeatPassword'), repeat),
    error,
    h('button', { class: 'button primary big', type: 'submit' }, t('changeSubmit')));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    if (next.value !== repeat.value) {
      error.hidden = false;
      error.textContent = t('mismatch');
      return;
    }
    changePassword(session, current.value, next.value).then(onSession).catch((err: unknown) => {
      error.hidden = false;
      error.textContent = err instanceof SignInError && err.code === 'invalid_credentials' ? loginMessage('invalid_credentials') : (err as Error).message;
    });
  });
  render(el, form);
  current.focus();
}
