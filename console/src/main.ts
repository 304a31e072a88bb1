// The console shell: sign-in, the navigation of the caller's role, the hash router and the live feed.
import 'leaflet/dist/leaflet.css';
import './styles.css';
import { createApi, type ApiError } from './api.ts';
import type { View, ViewContext } from './context.ts';
import { h, render } from './dom.ts';
import { connectLiveFeed, type LiveFeed } from './live.ts';
import { loginMessage, renderLogin } from './login.ts';
import type { Station } from './model.ts';
import { endSession, loadSession, type Role, type Session } from './session.ts';
import { loadMapSettings } from './settings.ts';
import { caseView } from './views/case.ts';
import { coverageView } from './views/coverage.ts';
import { fleetView } from './views/fleet.ts';
import { kpisView } from './views/kpis.ts';
import { launchView } from './views/launch.ts';
import { offersView } from './views/offers.ts';
import { queueView } from './views/queue.ts';
import { settingsView } from './views/settings.ts';

interface Route {
  readonly pattern: RegExp;
  readonly view: View;
  readonly roles: readonly Role[];
  readonly params?: readonly string[];
}

const ALL: readonly Role[] = ['admin', 'agent', 'advisor', 'customer', 'station'];
const ROUTES: readonly Route[] = [
  { pattern: /^\/queue$/, view: queueView, roles: ['admin', 'agent', 'advisor', 'customer'] },
  { pattern: /^\/launch$/, view: launchView, roles: ['admin', 'agent', 'advisor', 'customer'] },
  { pattern: /^\/cases\/([^/]+)$/, view: caseView, roles: ALL, params: ['id'] },
  { pattern: /^\/fleet$/, view: fleetView, roles: ['admin', 'agent', 'advisor', 'customer'] },
  { pattern: /^\/offers$/, view: offersView, roles: ['station'] },
  { pattern: /^\/coverage(?:\/([^/]+))?$/, view: coverageView, roles: ['admin', 'agent', 'advisor', 'customer'], params: ['customerId'] },
  { pattern: /^\/kpis$/, view: kpisView, roles: ['customer'] },
  { pattern: /^\/settings$/, view: settingsView, roles: ALL },
];

const NAV: Record<Role, ReadonlyArray<[string, string]>> = {
  admin: [['#/queue', 'Queue'], ['#/launch', 'Launch'], ['#/fleet', 'Fleet'], ['#/coverage', 'Coverage']],
  agent: [['#/queue', 'Queue'], ['#/launch', 'Launch'], ['#/fleet', 'Fleet'], ['#/coverage', 'Coverage']],
  advisor: [['#/fleet', 'Fleet'], ['#/queue', 'Cases'], ['#/coverage', 'Coverage'], ['#/launch', 'Report breakdown']],
  customer: [['#/fleet', 'Fleet'], ['#/coverage', 'Coverage'], ['#/kpis', 'KPIs'], ['#/queue', 'Cases'], ['#/launch', 'Report breakdown']],
  station: [['#/offers', 'Offers']],
};

const app = document.getElementById('app')!;

function start(session: Session): void {
  let live: LiveFeed | undefined;
  let cleanup: (() => void) | void;
  const signOut = (reason?: string) => {
    cleanup?.();
    live?.close();
    void endSession(reason ? undefined : session);
    window.removeEventListener('hashchange', route);
    history.replaceState(null, '', location.pathname + location.search);
    renderLogin(app, start, reason);
  };
  const api = createApi(session, () => signOut(loginMessage(session.token ? 'tokenRefused' : 'sessionEnded')));
  live = connectLiveFeed(session.token);
  const stations = new Map<string, Promise<Station | undefined>>();
  const ctx: ViewContext = {
    api,
    session,
    live,
    settings: loadMapSettings(),
    station(id) {
      let s = stations.get(id);
      if (!s) {
        s = api.get<Station>(`/v1/stations/${encodeURIComponent(id)}`).catch((err: ApiError) => {
          if (err.status !== 404) stations.delete(id);
          return undefined;
        });
        stations.set(id, s);
      }
      return s;
    },
    navigate(hash) {
      if (location.hash === hash) route();
      else location.hash = hash;
    },
  };

  const { role } = session.claims;
  const liveDot = h('span', { class: 'live-dot', 'data-testid': 'live', title: 'live updates' });
  live.onState((s) => {
    liveDot.dataset['state'] = s;
    liveDot.textContent = s === 'live' ? 'live' : s === 'connecting' ? 'connecting…' : 'offline';
  });
  const nav = h('nav', {}, NAV[role].map(([href, label]) => h('a', { href }, label)));
  const main = h('main', { id: 'view' });
  render(app,
    h('header', { class: 'topbar' },
      h('a', { class: 'brand', href: `${NAV[role][0]![0]}` }, 'Fleet rescue'), nav,
      h('span', { class: 'spacer' }), liveDot,
      h('span', { class: 'who', 'data-testid': 'who' }, `${session.claims.name ? `${session.claims.name} · ` : ''}${role}${session.claims.customerId ?? session.claims.stationId ?? session.claims.advisorId ? ` · ${session.claims.customerId ?? session.claims.stationId ?? session.claims.advisorId}` : ''}`),
      h('a', { href: '#/settings', title: 'Settings' }, '⚙'),
      h('button', { class: 'button small', type: 'button', onclick: () => signOut() }, 'Sign out')),
    main);

  function route(): void {
    const path = decodeURIComponent(location.hash.replace(/^#/, '')) || '/';
    for (const a of nav.querySelectorAll('a')) a.classList.toggle('active', path.startsWith(a.getAttribute('href')!.slice(1)));
    cleanup?.();
    cleanup = undefined;
    main.replaceChildren();
    for (const r of ROUTES) {
      const m = r.pattern.exec(path);
      if (!m) continue;
      if (!r.roles.includes(role)) break;
      const params: Record<string, string> = {};
      (r.params ?? []).forEach((name, i) => {
        if (m[i + 1] !== undefined) params[name] = m[i + 1]!;
      });
      const inner = h('div', { class: 'view' });
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
