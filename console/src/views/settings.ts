// Map settings (offline outline or an XYZ tile URL, with the datum of the tiles) and who is signed in.
import type { View } from '../context.ts';
import { formValues, h, render } from '../dom.ts';
import { time } from '../fmt.ts';
import { saveMapSettings, type Datum } from '../settings.ts';

export const settingsView: View = (el, ctx) => {
  const { claims } = ctx.session;
  const s = ctx.settings;
  const note = h('div', { role: 'status' });
  const form = h('form', { class: 'form card', 'data-testid': 'map-settings' },
    h('h3', {}, 'Base map'),
    h('label', {}, 'XYZ tile URL (empty = offline province outline)',
      h('input', { name: 'tileUrl', type: 'url', value: s.tileUrl, placeholder: 'https://tiles.example.com/{z}/{x}/{y}.png' })),
    h('label', {}, 'Datum of the tiles',
      h('select', { name: 'datum' },
        h('option', { value: 'wgs84', selected: s.datum === 'wgs84' }, 'WGS-84 (OpenStreetMap and most others)'),
        h('option', { value: 'gcj02', selected: s.datum === 'gcj02' }, 'GCJ-02 (most Chinese providers: positions are converted)'))),
    h('label', {}, 'Attribution', h('input', { name: 'attribution', value: s.attribution, maxlength: 200 })),
    h('button', { class: 'button primary', type: 'submit' }, 'Save'));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const v = formValues(form);
    const kept = saveMapSettings({ tileUrl: v['tileUrl'] ?? '', datum: (v['datum'] as Datum) ?? 'wgs84', attribution: v['attribution'] ?? '' });
    render(note, h('div', { class: 'ok' }, kept.tileUrl ? `Saved: tiles from ${kept.tileUrl} (${kept.datum}).` : 'Saved: offline outline.'), ' Maps use it from the next page you open.');
  });
  render(el, h('section', { class: 'panel narrow' },
    h('header', { class: 'panel-head' }, h('h2', {}, 'Settings')),
    h('div', { class: 'card' }, h('h3', {}, 'Signed in'),
      h('dl', { class: 'facts' },
        h('dt', {}, 'Subject'), h('dd', {}, claims.sub),
        h('dt', {}, 'Role'), h('dd', { 'data-testid': 'role' }, claims.role),
        claims.customerId ? [h('dt', {}, 'Customer'), h('dd', {}, claims.customerId)] : null,
        claims.stationId ? [h('dt', {}, 'Station'), h('dd', {}, claims.stationId)] : null,
        claims.advisorId ? [h('dt', {}, 'Advisor'), h('dd', {}, claims.advisorId)] : null,
        claims.exp ? [h('dt', {}, 'Token expires'), h('dd', {}, time(claims.exp * 1000))] : null)),
    form, note,
    h('p', { class: 'muted' }, 'The province outline comes from the echarts map data; its boundaries are not authoritative.')));
};
