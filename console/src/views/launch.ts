// "Launch rescue" for the call center (and "report a breakdown" for customers and advisors): find the
// truck by plate or VIN (partial, province character optional), take its last position, type coordinates
// or pick a point on the map (the marker follows), add what the caller says, and open the case.
import * as L from 'leaflet';
import type { View } from '../context.ts';
import { formValues, h, render } from '../dom.ts';
import { time } from '../fmt.ts';
import { t } from '../i18n.ts';
import { createMap, truckIcon } from '../map.ts';
import type { RescueCase } from '../model.ts';
import { errorBox, viewHead } from './common.ts';
import { truckSearch, type TruckMatch } from './truck-search.ts';

export const launchView: View = (el, ctx, params) => {
  const callCenter = ctx.session.claims.role === 'agent' || ctx.session.claims.role === 'admin';
  const title = callCenter ? t('launch.title') : t('launch.titleReport');
  const mapEl = h('div', { class: 'map', 'data-testid': 'launch-map', role: 'region', 'aria-label': t('launch.map') });
  const found = h('div', { class: 'found', 'data-testid': 'found-vehicle' });
  const result = h('div', { role: 'status' });
  const lat = h('input', { name: 'lat', type: 'number', step: 'any', min: -90, max: 90, placeholder: t('launch.lat') });
  const lon = h('input', { name: 'lon', type: 'number', step: 'any', min: -180, max: 180, placeholder: t('launch.lon') });
  const vinInput = h('input', { name: 'vin', type: 'hidden' });
  const locationNote = h('p', { class: 'muted', 'data-testid': 'location-note' }, t('launch.locationHint'));
  const form = h('form', { class: 'form', 'data-testid': 'launch-form' },
    vinInput,
    h('div', { class: 'row' }, h('label', {}, t('launch.lat'), lat), h('label', {}, t('launch.lon'), lon)),
    locationNote,
    h('label', {}, t('col.description'), h('textarea', { name: 'description', maxlength: 1000, rows: 3, placeholder: t('launch.descriptionHint') })),
    h('label', {}, t('launch.phone'), h('input', { name: 'contactPhone', type: 'tel', pattern: '\\+?[0-9 ()\\-]{5,20}', placeholder: '+86 138 0000 0000' })),
    h('button', { class: 'button primary big', type: 'submit', disabled: true }, title));
  const submitButton = form.querySelector('button')!;

  const pick = async (m: TruckMatch | { vin: string }) => {
    render(found, h('p', { class: 'muted' }, t('common.loading')));
    submitButton.disabled = true;
    try {
      const detail = await ctx.api.get<{ vehicle: { vin: string; plate?: string; customerId: string }; live: { lat?: number; lon?: number; ts?: number } | null }>(`/v1/vehicles/${encodeURIComponent(m.vin)}`);
      const { vehicle, live } = detail;
      vinInput.value = vehicle.vin;
      const customerName = 'customerName' in m && m.customerName ? m.customerName : (await ctx.directory.customers().catch(() => new Map())).get(vehicle.customerId)?.name ?? '';
      render(found, h('div', { class: 'card' },
        h('b', {}, vehicle.plate ?? vehicle.vin), ` · ${customerName}`, h('div', { class: 'muted mono' }, vehicle.vin),
        h('div', { class: 'muted' }, live?.lat !== undefined ? t('launch.lastPosition', { at: time(live.ts) }) : t('launch.noPosition'))));
      if (live?.lat !== undefined && live.lon !== undefined) {
        place({ lat: live.lat, lon: live.lon }, t('launch.fromLastPosition'));
        cmap.fit([{ lat: live.lat, lon: live.lon }], 12);
      }
      submitButton.disabled = false;
    } catch (err) {
      render(found, errorBox(err));
    }
  };

  render(el, h('section', { class: 'panel' }, viewHead(title),
    h('div', { class: 'split' }, h('div', { class: 'split-map' }, mapEl), h('div', { class: 'split-side' }, truckSearch(ctx, (m) => void pick(m)), found, form, result))));

  const cmap = createMap(mapEl, ctx.settings);
  const marks = L.layerGroup().addTo(cmap.map);
  const drawMarker = (p: { lat: number; lon: number }) => {
    marks.clearLayers();
    const m = L.marker(cmap.toLatLng(p.lat, p.lon), { icon: truckIcon(), zIndexOffset: 1000, interactive: false, title: t('launch.breakdownHere'), alt: t('launch.breakdownHere') }).addTo(marks);
    m.getElement()?.setAttribute('aria-label', t('launch.breakdownHere'));
    mapEl.dataset['marker'] = `${p.lat.toFixed(5)},${p.lon.toFixed(5)}`;
  };
  const place = (p: { lat: number; lon: number }, label: string) => {
    lat.value = p.lat.toFixed(6);
    lon.value = p.lon.toFixed(6);
    locationNote.textContent = label;
    drawMarker(p);
  };
  cmap.map.on('click', (e: L.LeafletMouseEvent) => place(cmap.fromLatLng(e.latlng), t('launch.picked')));
  // Typed coordinates move the marker too (the caller reads them from the driver's phone).
  const typed = () => {
    const p = { lat: Number(lat.value), lon: Number(lon.value) };
    if (lat.value === '' || lon.value === '' || !Number.isFinite(p.lat) || !Number.isFinite(p.lon) || Math.abs(p.lat) > 90 || Math.abs(p.lon) > 180) return;
    locationNote.textContent = t('launch.typed');
    drawMarker(p);
    cmap.map.panTo(cmap.toLatLng(p.lat, p.lon), { animate: false });
  };
  lat.addEventListener('input', typed);
  lon.addEventListener('input', typed);
  if (params['vin']) void pick({ vin: params['vin'] });

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const v = formValues(form);
    submitButton.disabled = true;
    try {
      const created = await ctx.api.post<RescueCase>('/v1/rescues', {
        vin: v['vin'],
        ...(v['lat'] && v['lon'] ? { lat: Number(v['lat']), lon: Number(v['lon']) } : {}),
        ...(v['description'] ? { description: v['description'] } : {}),
        ...(v['contactPhone'] ? { contactPhone: v['contactPhone'] } : {}),
      });
      ctx.navigate(`#/cases/${encodeURIComponent(created.id)}`);
    } catch (err) {
      render(result, errorBox(err));
      submitButton.disabled = false;
    }
  });

  return () => cmap.destroy();
};
