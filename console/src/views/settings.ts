// Language, map settings (offline outline or an XYZ tile URL, with the datum of the tiles) and who is
// signed in.
import type { View } from '../context.ts';
import { formValues, h, render } from '../dom.ts';
import { time } from '../fmt.ts';
import { t } from '../i18n.ts';
import type { MessageKey } from '../i18n/en.ts';
import { saveMapSettings, type Datum } from '../settings.ts';
import { viewHead } from './common.ts';

export const settingsView: View = (el, ctx) => {
  const { claims } = ctx.session;
  const s = ctx.settings;
  const note = h('div', { role: 'status' });
  // What the caller is bound to, by name (never its id).
  const boundLabel: MessageKey | undefined = claims.customerId ? 'col.customer' : claims.stationId ? 'col.station' : claims.advisorId ? 'truck.advisor' : undefined;
  const bound = h('dd', { 'data-testid': 'bound-name' }, '…');
  if (boundLabel) void ctx.boundName().then((name) => void (bound.textContent = name ?? '–'));
  const form = h('form', { class: 'form card', 'data-testid': 'map-settings' },
    h('h2', {}, t('settings.baseMap')),
    h('label', {}, t('settings.tileUrl'),
      h('input', { name: 'tileUrl', type: 'url', value: s.tileUrl, placeholder: 'https://tiles.example.com/{z}/{x}/{y}.png' })),
    h('label', {}, t('settings.datum'),
      h('select', { name: 'datum' },
        h('option', { value: 'wgs84', selected: s.datum === 'wgs84' }, t('settings.wgs84')),
        h('option', { value: 'gcj02', selected: s.datum === 'gcj02' }, t('settings.gcj02')))),
    h('label', {}, t('settings.attribution'), h('input', { name: 'attribution', value: s.attribution, maxlength: 200 })),
    h('button', { class: 'button primary', type: 'submit' }, t('action.save')));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const v = formValues(form);
    const kept = saveMapSettings({ tileUrl: v['tileUrl'] ?? '', datum: (v['datum'] as Datum) ?? 'wgs84', attribution: v['attribution'] ?? '' });
    render(note, h('div', { class: 'ok' }, kept.tileUrl ? t('settings.savedTiles', { url: kept.tileUrl, datum: kept.datum }) : t('settings.savedOffline')));
  });
  render(el, h('section', { class: 'panel narrow' },
    viewHead(t('nav.settings')),
    h('div', { class: 'card' }, h('h2', {}, t('settings.signedIn')),
      h('dl', { class: 'facts' },
        h('dt', {}, t('settings.subject')), h('dd', {}, claims.sub),
        h('dt', {}, t('settings.role')), h('dd', { 'data-testid': 'role' }, t(`role.${claims.role}` as MessageKey)),
        boundLabel ? [h('dt', {}, t(boundLabel)), bound] : null,
        claims.exp ? [h('dt', {}, t('settings.expires')), h('dd', {}, time(claims.exp * 1000))] : null)),
    form, note,
    h('p', { class: 'muted' }, t('settings.outlineNote'))));
};
