// One Leaflet map per view: the base layer (offline province outline or configured XYZ tiles) and the
// datum conversion. Every position the views draw goes through `toLatLng` (WGS-84 from the API → the
// datum of the tiles) and every picked point through `fromLatLng` (back to WGS-84 for the API).
import * as L from 'leaflet';
import gcoord from 'gcoord';
import type { FeatureCollection } from 'geojson';
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
    map.attributionControl.addAttribution('Province outline: echarts map data, not authoritative');
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
