// The console shell: sign-in, the navigation of the caller's role, the language switch, the hash router
// and the live feed.
import '@fontsource/noto-sans-sc/400.css';
import 'leaflet/dist/leaflet.css';
import './styles.css';
import { createApi } from './api.ts';
import type { View, ViewContext } from './context.ts';
import { createDirectory } from './directory.ts';
import { h, render } from './dom.ts';
import { locale, LOCALES, setLocale, t, type Locale } from './i18n.ts';
import type { MessageKey } from './i18n/en.ts';
import { connectLiveFeed, type LiveFeed } from './live.ts';
import { loginMessage, renderLogin } from './login.ts';
import { endSession, loadSession, type Role, type Session } from './session.ts';
import { loadMapSettings } from './settings.ts';
import { adminView } from './views/admin.ts';
import { BOOKING_ROLES, bookServiceView } from './views/book-service.ts';
import { caseView } from './views/case.ts';
import { complaintsView } from './views/complaints.ts';
import { coverageView } from './views/coverage.ts';
import { deskView } from './views/desk.ts';
import { fleetView } from './views/fleet.ts';
import { kpisView } from './views/kpis.ts';
import { launchView } from './views/launch.ts';
import { maintenanceView } from './views/maintenance.ts';
import { queueView } from './views/queue.ts';
import { scorecardView } from './views/scorecard.ts';
import { settingsView } from './views/settings.ts';
import { tasksView } from './views/tasks.ts';
import { truckView } from './views/truck.ts';

interface Route {
  readonly pattern: RegExp;
  readonly view: View;
  readonly roles: readonly Role[];
  readonly params?: readonly string[];
}

const ALL: readonly Role[] = ['admin', 'agent', 'advisor', 'customer', 'station'];
const OFFICE: readonly Role[] = ['admin', 'agent', 'advisor', 'customer'];
const ROUTES: readonly Route[] = [
  { pattern: /^\/queue$/, view: queueView, roles: OFFICE },
  { pattern: /^\/launch$/, view: launchView, roles: OFFICE },
  { pattern: /^\/cases\/([^/]+)$/, view: caseView, roles: ALL, params: ['id'] },
  { pattern: /^\/fleet$/, view: fleetView, roles: OFFICE },
  { pattern: /^\/trucks\/([^/]+)$/, view: truckView, roles: OFFICE, params: ['vin'] },
  { pattern: /^\/offers$/, view: deskView, roles: ['station'] },
  { pattern: /^\/coverage(?:\/([^/]+))?$/, view: coverageView, roles: OFFICE, params: ['customerId'] },
  { pattern: /^\/kpis$/, view: kpisView, roles: ['customer'] },
  { pattern: /^\/admin(?:\/([a-z-]+))?$/, view: adminView, roles: ['admin'], params: ['kind'] },
  { pattern: /^\/maintenance$/, view: maintenanceView, roles: ALL },
  { pattern: /^\/maintenance\/book\/([^/]+)$/, view: bookServiceView, roles: BOOKING_ROLES, params: ['vin'] },
  { pattern: /^\/scorecard(?:\/([^/]+))?$/, view: scorecardView, roles: ['admin', 'agent', 'station'], params: ['stationId'] },
  { pattern: /^\/tasks$/, view: tasksView, roles: ['admin', 'agent', 'advisor'] },
  { pattern: /^\/complaints$/, view: complaintsView, roles: ALL },
  { pattern: /^\/settings$/, view: settingsView, roles: ALL },
];

const NAV: Record<Role, ReadonlyArray<[string, MessageKey]>> = {
  admin: [['#/fleet', 'nav.fleet'], ['#/queue', 'nav.queue'], ['#/launch', 'nav.launch'], ['#/coverage', 'nav.coverage'], ['#/maintenance', 'nav.maintenance'], ['#/tasks', 'nav.tasks'], ['#/complaints', 'nav.complaints'], ['#/scorecard', 'nav.scorecard'], ['#/admin', 'nav.admin']],
  agent: [['#/queue', 'nav.queue'], ['#/launch', 'nav.launch'], ['#/fleet', 'nav.fleet'], ['#/coverage', 'nav.coverage'], ['#/complaints', 'nav.complaints'], ['#/scorecard', 'nav.scorecard'], ['#/maintenance', 'nav.maintenance'], ['#/tasks', 'nav.tasks']],
  advisor: [['#/fleet', 'nav.fleet'], ['#/queue', 'nav.cases'], ['#/coverage', 'nav.coverage'], ['#/maintenance', 'nav.maintenance'], ['#/tasks', 'nav.tasks'], ['#/complaints', 'nav.complaints'], ['#/launch', 'nav.report']],
  customer: [['#/fleet', 'nav.fleet'], ['#/coverage', 'nav.coverage'], ['#/kpis', 'nav.kpis'], ['#/queue', 'nav.cases'], ['#/maintenance', 'nav.maintenance'], ['#/complaints', 'nav.complaints'], ['#/launch', 'nav.report']],
  station: [['#/offers', 'nav.offers']],
};

const app = document.getElementById('app')!;
document.title = t('app.title');

/** The language switch: a labelled select, kept in localStorage; the page re-renders in place. */
export function languageSwitch(onChange: () => void): HTMLElement {
  const select = h('select', {
    'aria-label': t('settings.language'),
    'data-testid': 'language',
    class: 'lang',
    onchange: (e: Event) => {
      setLocale((e.currentTarget as HTMLSelectElement).value as Locale);
      document.title = t('app.title');
      onChange();
    },
  }, LOCALES.map((l) => h('option', { value: l, selected: l === locale() }, l === 'zh-CN' ? '中文' : 'English')));
  return select;
}

function start(session: Session): void {
  let live: LiveFeed | undefined;
  let cleanup: (() => void) | void;
  const signOut = (reason?: string) => {
    cleanup?.();
    live?.close();
    document.fonts?.removeEventListener('loadingdone', topbarTexts);
    window.removeEventListener('hashchange', route);
    history.replaceState(null, '', location.pathname + location.search);
    signOutButton.disabled = true;
    // The sign-in form shows only once the API has ended the session: a reload right after cannot find it alive.
    void endSession(reason ? undefined : session).finally(() => renderLogin(app, start, reason));
  };
  const api = createApi(session, () => signOut(loginMessage(session.token ? 'tokenRefused' : 'sessionEnded')));
  live = connectLiveFeed(session.token);
  const { role } = session.claims;
  const directory = createDirectory(api, role !== 'station');
  const ctx: ViewContext = {
    api,
    session,
    live,
    settings: loadMapSettings(),
    directory,
    async station(id) {
      try {
        return (await directory.stations()).get(id);
      } catch {
        return undefined;
      }
    },
    boundName: () => boundName,
    navigate(hash) {
      if (location.hash === hash) route();
      else location.hash = hash;
    },
  };

  const liveDot = h('span', { class: 'live-dot', 'data-testid': 'live', role: 'status' });
  let liveState = 'connecting';
  const drawLive = () => {
    liveDot.dataset['state'] = liveState;
    liveDot.textContent = t(liveState === 'live' ? 'live.on' : liveState === 'connecting' ? 'live.connecting' : 'live.off');
  };
  live.onState((s) => {
    liveState = s;
    drawLive();
  });
  // A pasted token or a fresh sign-in carries the scope's id only: its name comes from GET /v1/auth/me.
  let scopeName = session.claims.scopeName;
  const boundId = session.claims.customerId ?? session.claims.stationId ?? session.claims.advisorId;
  const boundName: Promise<string | undefined> = boundId === undefined || scopeName !== undefined
    ? Promise.resolve(scopeName)
    : api.get<{ scopeName?: string }>('/v1/auth/me').then((me) => me.scopeName, () => undefined);
  void boundName.then((name) => {
    if (name === scopeName) return;
    scopeName = name;
    topbarTexts();
  });
  const nav = h('nav', { 'aria-label': t('nav.label') });
  const who = h('span', { class: 'who', 'data-testid': 'who' });
  const brand = h('a', { class: 'brand', href: `${NAV[role][0]![0]}` });
  const signOutButton = h('button', { class: 'button small', type: 'button', onclick: () => signOut() });
  const settingsLink = h('a', { href: '#/settings' }, '⚙');
  const main = h('main', { id: 'view' });
  /** (Re)writes the top bar's texts in the current language. */
  const topbarTexts = () => {
    const path = location.hash.replace(/^#/, '').split('?')[0] ?? '';
    render(nav, NAV[role].map(([href, key]) => h('a', { href, class: path.startsWith(href.slice(1)) ? 'active' : '' }, t(key))));
    nav.setAttribute('aria-label', t('nav.label'));
    brand.textContent = t('app.brand');
    // The customer's, station's or advisor's name, never its id (it shows once GET /v1/auth/me has answered).
    who.textContent = `${session.claims.name ? `${session.claims.name} · ` : ''}${t(`role.${role}` as MessageKey)}${scopeName ? ` · ${scopeName}` : ''}`;
    signOutButton.textContent = t('action.signOut');
    settingsLink.title = t('nav.settings');
    settingsLink.setAttribute('aria-label', t('nav.settings'));
    lang.setAttribute('aria-label', t('settings.language'));
    drawLive();
  };
  const lang = languageSwitch(() => {
    topbarTexts();
    route();
  });
  render(app, h('header', { class: 'topbar' }, brand, nav, h('span', { class: 'spacer' }), liveDot, who, lang, settingsLink, signOutButton), main);
  topbarTexts();
  // Text laid out before its slice of the web font arrived can stay drawn with the fallback (boxes for
  // Chinese on a machine without a CJK font) in Chromium's sticky top bar: write it again once fonts load.
  document.fonts?.addEventListener('loadingdone', topbarTexts);

  function route(): void {
    const [rawPath, query] = location.hash.replace(/^#/, '').split('?') as [string, string | undefined];
    const path = decodeURIComponent(rawPath) || '/';
    for (const a of nav.querySelectorAll('a')) a.classList.toggle('active', path.startsWith(a.getAttribute('href')!.slice(1)));
    cleanup?.();
    cleanup = undefined;
    main.replaceChildren();
    for (const r of ROUTES) {
      const m = r.pattern.exec(path);
      if (!m) continue;
      if (!r.roles.includes(role)) break;
      const params: Record<string, string> = Object.fromEntries(new URLSearchParams(query ?? ''));
      (r.params ?? []).forEach((name, i) => {
        if (m[i + 1] !== undefined) params[name] = m[i + 1]!;
      });
      const inner = h('div', { class: 'view', 'data-view': r.pattern.source });
      main.appendChild(inner);
      cleanup = r.view(inner, ctx, params);
      return;
    }
    location.replace(NAV[role][0]![0]);
  }
  window.addEventListener('hashchange', route);
  route();
}

void loadSession().then((existing) => {
  if (existing && !existing.mustChangePassword) start(existing);
  else renderLogin(app, start);
});
