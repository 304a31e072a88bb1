// One Leaflet map per view: the base layer (offline province outline or configured XYZ tiles) and the
// datum conversion. Every position the views draw goes through `toLatLng` (WGS-84 from the API → the
// datum of the tiles) and every picked point through `fromLatLng` (back to WGS-84 for the API).
import * as L from 'leaflet';
import gcoord from 'gcoord';
import { t } from './i18n.ts';
import type { FeatureCollection } from 'geojson';
import { loadRegions } from './regions.ts';
import type { MapSettings } from './settings.ts';

export interface ConsoleMap {
  readonly map: L.Map;
  toLatLng(lat: number, lon: number): L.LatLng;
  fromLatLng(latlng: L.LatLng): { lat: number; lon: number };
  /** Fits the view to the given WGS-84 points (does nothing for none). */
  fit(points: ReadonlyArray<{ lat: number; lon: number }>, maxZoom?: number): void;
  destroy(): void;
}

const CHINA_BOUNDS: L.LatLngBoundsExpression = [[18, 73], [54, 135]];
let outline: Promise<FeatureCollection> | undefined;
let cities: Promise<FeatureCollection> | undefined;
/** Prefecture borders and city names appear from this zoom on (China fits the screen at about 4). */
export const CITY_ZOOM = 6;

function loadCities(): Promise<FeatureCollection> {
  cities ??= fetch(new URL('china-cities.geojson', document.baseURI)).then((r) => {
    if (!r.ok) throw new Error(`city borders answered ${r.status}`);
    return r.json() as Promise<FeatureCollection>;
  });
  cities.catch(() => (cities = undefined));
  return cities;
}

function loadOutline(): Promise<FeatureCollection> {
  outline ??= fetch(new URL('china-provinces.geojson', document.baseURI)).then((r) => {
    if (!r.ok) throw new Error(`outline answered ${r.status}`);
    return r.json() as Promise<FeatureCollection>;
  });
  return outline;
}

export function createMap(el: HTMLElement, settings: MapSettings): ConsoleMap {
  const map = L.map(el, { preferCanvas: true, zoomControl: true, attributionControl: true, worldCopyJump: false });
  map.fitBounds(CHINA_BOUNDS);
  const gcj = settings.datum === 'gcj02';
  el.dataset['datum'] = settings.datum;

  const toLatLng = (lat: number, lon: number): L.LatLng => {
    if (!gcj) return L.latLng(lat, lon);
    const [x, y] = gcoord.transform([lon, lat], gcoord.WGS84, gcoord.GCJ02) as [number, number];
    return L.latLng(y, x);
  };
  const fromLatLng = (latlng: L.LatLng) => {
    if (!gcj) return { lat: latlng.lat, lon: latlng.lng };
    const [x, y] = gcoord.transform([latlng.lng, latlng.lat], gcoord.GCJ02, gcoord.WGS84) as [number, number];
    return { lat: y, lon: x };
  };

  if (settings.tileUrl) {
    L.tileLayer(settings.tileUrl, { maxZoom: 18, attribution: settings.attribution }).addTo(map);
    el.dataset['base'] = 'tiles';
  } else {
    el.dataset['base'] = 'outline';
    map.attributionControl.addAttribution(t('map.attribution'));
    const pane = map.createPane('outline');
    pane.style.zIndex = '200';
    loadOutline()
      .then((fc) => {
        if (!map.getContainer().isConnected) return;
        L.geoJSON(fc, {
          pane: 'outline',
          interactive: false,
          style: { color: '#7b8794', weight: 1, fillColor: '#eef1f4', fillOpacity: 1 },
        }).addTo(map);
        el.dataset['outline'] = 'loaded';
      })
      .catch(() => {
        el.dataset['outline'] = 'failed';
      });
    addCityLayer(map, el);
  }

  return {
    map,
    toLatLng,
    fromLatLng,
    fit(points, maxZoom = 11) {
      if (!points.length) return;
      const bounds = L.latLngBounds(points.map((p) => toLatLng(p.lat, p.lon)));
      map.fitBounds(bounds.pad(0.2), { maxZoom, animate: false });
    },
    destroy() {
      map.remove();
    },
  };
}

/** The broken-down truck: drawn above every station marker. */
export function truckIcon(): L.DivIcon {
  return L.divIcon({ className: 'map-truck', html: '<span></span>', iconSize: [20, 20], iconAnchor: [10, 10] });
}

export function squareIcon(color: string, label = ''): L.DivIcon {
  return L.divIcon({
    className: 'map-station',
    html: `<span style="background:${color}">${label}</span>`,
    iconSize: [18, 18],
    iconAnchor: [9, 9],
  });
}

/** Prefecture borders and city labels on the offline outline, loaded when the user zooms in. */
function addCityLayer(map: L.Map, el: HTMLElement): void {
  const pane = map.createPane('cities');
  pane.style.zIndex = '210';
  pane.style.pointerEvents = 'none';
  const borders = L.layerGroup();
  const labels = L.layerGroup();
  let loaded = false;
  const update = () => {
    const near = map.getZoom() >= CITY_ZOOM;
    if (!near) {
      borders.remove();
      labels.remove();
      return;
    }
    borders.addTo(map);
    labels.addTo(map);
    if (loaded) return;
    loaded = true;
    void Promise.all([loadCities(), loadRegions()]).then(([fc, regions]) => {
      if (!map.getContainer().isConnected) return;
      L.geoJSON(fc, { pane: 'cities', interactive: false, style: { color: '#9aa5b1', weight: 0.8, dashArray: '3 3' } }).addTo(borders);
      for (const r of regions.values()) {
        if (r.code.endsWith('0000') && !['110000', '120000', '310000', '500000'].includes(r.code)) continue;
        L.marker([r.lat, r.lon], {
          pane: 'cities', interactive: false, keyboard: false,
          icon: L.divIcon({ className: 'city-label', html: `<span aria-hidden="true">${r.name.replace(/[<>&]/g, '')}</span>`, iconSize: [80, 16], iconAnchor: [40, 8] }),
        }).addTo(labels);
      }
      el.dataset['cities'] = 'loaded';
    }).catch(() => {
      loaded = false;
      el.dataset['cities'] = 'failed';
    });
  };
  map.on('zoomend', update);
  update();
}
