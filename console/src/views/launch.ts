// "Launch rescue" for the call center: find the truck by VIN or plate, take its last position or pick
// one on the map, add what the caller says, and open the case (`POST /v1/rescues`).
import * as L from 'leaflet';
import { ApiError, itemsOf } from '../api.ts';
import type { View } from '../context.ts';
import { formValues, h, render } from '../dom.ts';
import { time } from '../fmt.ts';
import { createMap, truckIcon } from '../map.ts';
import type { RescueCase, Vehicle } from '../model.ts';
import { errorBox } from './common.ts';
import { liveOf } from './fleet-data.ts';

const VIN = /^[A-HJ-NPR-Z0-9]{17}$/i;

export const launchView: View = (el, ctx) => {
  // Agents launch rescues for any truck; customers and advisors report a breakdown of their own trucks
  // (the API only finds the trucks the caller may see).
  const callCenter = ctx.session.claims.role === 'agent' || ctx.session.claims.role === 'admin';
  const title = callCenter ? 'Launch rescue' : 'Report a breakdown';
  const mapEl = h('div', { class: 'map', 'data-testid': 'launch-map' });
  const found = h('div', { class: 'found', 'data-testid': 'found-vehicle' });
  const result = h('div', { role: 'status' });
  const lat = h('input', { name: 'lat', type: 'number', step: 'any', min: -90, max: 90, placeholder: 'latitude' });
  const lon = h('input', { name: 'lon', type: 'number', step: 'any', min: -180, max: 180, placeholder: 'longitude' });
  const vinInput = h('input', { name: 'vin', type: 'hidden' });
  const locationNote = h('p', { class: 'muted' }, 'Location: the truck’s last position, or click the map.');

  const search = h('form', { class: 'form inline', 'data-testid': 'find-vehicle' },
    h('label', {}, 'VIN or plate', h('input', { name: 'q', required: true, maxlength: 20, autocomplete: 'off', placeholder: 'LFWSRXRJ0K1A00001 or 京A12345' })),
    h('button', { class: 'button', type: 'submit' }, 'Find truck'));
  const form = h('form', { class: 'form', 'data-testid': 'launch-form' },
    vinInput,
    h('div', { class: 'row' }, h('label', {}, 'Latitude', lat), h('label', {}, 'Longitude', lon)),
    locationNote,
    h('label', {}, 'Description', h('textarea', { name: 'description', maxlength: 1000, rows: 3, placeholder: 'What the driver reports' })),
    h('label', {}, 'Contact phone', h('input', { name: 'contactPhone', type: 'tel', pattern: '\\+?[0-9 ()\\-]{5,20}', placeholder: '+86 138 0000 0000' })),
    h('button', { class: 'button primary big', type: 'submit', disabled: true }, title));
  const submitButton = form.querySelector('button')!;

  render(el, h('section', { class: 'panel' }, h('header', { class: 'panel-head' }, h('h2', {}, title)),
    h('div', { class: 'split' }, h('div', { class: 'split-map' }, mapEl), h('div', { class: 'split-side' }, search, found, form, result))));

  const cmap = createMap(mapEl, ctx.settings);
  const marks = L.layerGroup().addTo(cmap.map);
  const place = (p: { lat: number; lon: number }, label: string) => {
    lat.value = p.lat.toFixed(6);
    lon.value = p.lon.toFixed(6);
    locationNote.textContent = `Location: ${label}.`;
    marks.clearLayers();
    L.marker(cmap.toLatLng(p.lat, p.lon), { icon: truckIcon(), zIndexOffset: 1000, interactive: false }).addTo(marks);
  };
  cmap.map.on('click', (e: L.LeafletMouseEvent) => place(cmap.fromLatLng(e.latlng), 'picked on the map'));

  search.addEventListener('submit', async (event) => {
    event.preventDefault();
    const q = formValues(search)['q'] ?? '';
    render(found, h('p', { class: 'muted' }, 'Searching…'));
    submitButton.disabled = true;
    try {
      let vehicle: Vehicle | undefined;
      if (VIN.test(q)) {
        const v = await ctx.api.get<{ vin: string; customerId: string; vehicle?: Vehicle }>(`/v1/vehicles/${encodeURIComponent(q.toUpperCase())}`);
        vehicle = v.vehicle ?? { vin: v.vin, customerId: v.customerId };
      } else {
        vehicle = itemsOf<Vehicle>(await ctx.api.get('/v1/vehicles', { plate: q })).find((v) => v.plate === q);
      }
      if (!vehicle) throw new ApiError(404, 'not_found', `no truck with plate ${q}`);
      const detail = await ctx.api.get<Record<string, unknown>>(`/v1/vehicles/${encodeURIComponent(vehicle.vin)}`);
      const live = liveOf(detail);
      vinInput.value = vehicle.vin;
      render(found, h('div', { class: 'card' },
        h('b', { class: 'mono' }, vehicle.vin), ` · ${vehicle.plate ?? ''} · customer ${vehicle.customerId}`,
        h('div', { class: 'muted' }, live.lat !== undefined ? `last position ${time(live.ts)}` : 'no position reported yet')));
      if (live.lat !== undefined && live.lon !== undefined) {
        place({ lat: live.lat, lon: live.lon }, `last position of ${vehicle.vin}`);
        cmap.fit([{ lat: live.lat, lon: live.lon }], 12);
      }
      submitButton.disabled = false;
    } catch (err) {
      render(found, errorBox(err));
    }
  });

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
