// Sign-in page: username and password (plus a single sign-on button when the API has one configured), in
// the user's language; operators can still paste a bearer token. After an administrator's password reset
// the user chooses a new password here before entering the console.
import { h, render } from './dom.ts';
import { changePassword, signIn, SignInError, singleSignOnEnabled, startSession, type Session } from './session.ts';

export type LoginLanguage = 'zh-CN' | 'en';

/** The page's strings; the lead folds them into the console's message catalog. */
const MESSAGES = {
  'zh-CN': {
    title: '登录',
    username: '用户名',
    password: '密码',
    submit: '登录',
    signingIn: '正在登录…',
    or: '或',
    sso: '使用单点登录',
    operators: '运维人员：使用令牌登录',
    tokenHelp: '粘贴 Bearer 令牌（JWT），可用 npm run token 生成。',
    tokenLabel: 'Bearer token',
    tokenSubmit: '使用令牌登录',
    language: 'English',
    invalid_credentials: '用户名或密码错误。',
    account_locked: '登录失败次数过多，该账号已被锁定，请 {s} 秒后再试。',
    rate_limited: '该地址登录失败次数过多，请 {s} 秒后再试。',
    account_deactivated: '该账号已停用，请联系管理员。',
    network: '无法连接服务器，请检查网络后重试。',
    failed: '登录失败：{m}',
    sessionEnded: '会话已结束，请重新登录。',
    tokenRefused: '令牌被拒绝（已过期或无效），请重新登录。',
    changeTitle: '设置新密码',
    changeHelp: '管理员已重置您的密码，请设置新密码后继续。',
    currentPassword: '当前密码',
    newPassword: '新密码',
    repeatPassword: '再次输入新密码',
    changeSubmit: '保存新密码',
    mismatch: '两次输入的新密码不一致。',
  },
  en: {
    title: 'Sign in',
    username: 'Username',
    password: 'Password',
    submit: 'Sign in',
    signingIn: 'Signing in…',
    or: 'or',
    sso: 'Sign in with single sign-on',
    operators: 'Operators: sign in with a token',
    tokenHelp: 'Paste a bearer token (JWT); npm run token prints one.',
    tokenLabel: 'Bearer token',
    tokenSubmit: 'Sign in with token',
    language: '中文',
    invalid_credentials: 'Wrong username or password.',
    account_locked: 'Too many failed sign-ins: this account is locked. Try again in {s} s.',
    rate_limited: 'Too many failed sign-ins from your address. Try again in {s} s.',
    account_deactivated: 'This account is deactivated: ask an administrator.',
    network: 'The server cannot be reached: check the network and try again.',
    failed: 'Sign-in failed: {m}',
    sessionEnded: 'Your session has ended: sign in again.',
    tokenRefused: 'Your token was refused (expired or invalid): sign in again.',
    changeTitle: 'Choose a new password',
    changeHelp: 'An administrator reset your password: choose a new one to continue.',
    currentPassword: 'Current password',
    newPassword: 'New password',
    repeatPassword: 'Repeat the new password',
    changeSubmit: 'Save new password',
    mismatch: 'The new passwords differ.',
  },
} as const;

type MessageKey = keyof (typeof MESSAGES)['en'];
const LANGUAGE_KEY = 'fleet-console.lang';

export function loginLanguage(): LoginLanguage {
  const chosen = localStorage.getItem(LANGUAGE_KEY) ?? document.documentElement.lang ?? '';
  const wanted = chosen || navigator.language;
  return wanted.toLowerCase().startsWith('zh') ? 'zh-CN' : 'en';
}

export function loginMessage(key: MessageKey, values: Record<string, string | number> = {}, lang = loginLanguage()): string {
  return MESSAGES[lang][key].replace(/\{(\w+)\}/g, (_m, name: string) => String(values[name] ?? ''));
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
  const t = (key: MessageKey) => loginMessage(key);
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
    localStorage.setItem(LANGUAGE_KEY, loginLanguage() === 'zh-CN' ? 'en' : 'zh-CN');
    renderLogin(el, onSession);
  } }, t('language'));
  const form = h('form', { class: 'card form login', 'data-testid': 'login', lang: loginLanguage() },
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
  const t = (key: MessageKey) => loginMessage(key);
  const error = h('div', { class: 'error', role: 'alert', hidden: true });
  const current = h('input', { name: 'currentPassword', type: 'password', autocomplete: 'current-password', required: true });
  const next = h('input', { name: 'newPassword', type: 'password', autocomplete: 'new-password', required: true, minlength: 10 });
  const repeat = h('input', { name: 'repeatPassword', type: 'password', autocomplete: 'new-password', required: true });
  const form = h('form', { class: 'card form login', 'data-testid': 'password-change', lang: loginLanguage() },
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
