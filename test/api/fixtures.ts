// A small service network for API tests: real city regions (Hefei, Chuzhou next to Nanjing, Shenzhen).
import type { Advisor, Customer, Depot, Station, Vehicle } from '../../core/registry.ts';
import { withCheckDigit } from '../../core/vin.ts';

export const vin = (n: number) => withCheckDigit(`LFWADRJF0L${String(n).padStart(7, '0')}`);

export const advisors: Advisor[] = [
  { id: 'A1', name: 'Advisor One', phone: '+86 551 1234567', region: '340100', active: true },
  { id: 'A2', name: 'Advisor Two', region: '440300', active: true },
  { id: 'A3', name: 'Advisor Retired', active: false },
];

export const customers: Customer[] = [
  { id: 'C1', name: 'Anhui Freight', leadAdvisorId: 'A1', webhookUrl: 'https://example.test/hook', webhookSecret: 'a-very-secret-webhook-key', active: true },
  { id: 'C2', name: 'Shenzhen Logistics', leadAdvisorId: 'A2', active: true },
];

const base = { hours: '24h', vans: 2, rating: 4.5, partsCategories: ['engine', 'tyre'], active: true } as const;
export const stations: Station[] = [
  { ...base, id: 'S1', name: 'Hefei Heavy', lat: 31.86, lon: 117.28, region: '340100', capabilities: ['heavy-duty', 'engine'], partsCategories: ['engine', 'tyre'] },
  { ...base, id: 'S2', name: 'Chuzhou Heavy', lat: 32.30, lon: 118.31, region: '341100', capabilities: ['heavy-duty', 'tyre'], partsCategories: ['tyre'] },
  { ...base, id: 'S3', name: 'Shenzhen Heavy', lat: 22.54, lon: 114.06, region: '440300', capabilities: ['heavy-duty', 'electrical'], partsCategories: [] },
  { ...base, id: 'S4', name: 'Hefei Tyres', lat: 31.80, lon: 117.20, region: '340100', capabilities: ['tyre'], partsCategories: ['tyre'] },
  { ...base, id: 'S5', name: 'Hefei Closed Down', lat: 31.90, lon: 117.30, region: '340100', capabilities: ['heavy-duty'], partsCategories: [], active: false },
];

export const depots: Depot[] = [
  { id: 'D1', name: 'East depot', lat: 31.9, lon: 117.1, region: '340100', partsCategories: ['engine', 'filters'], active: true },
];

export const vehicles: Vehicle[] = [
  { vin: vin(1), customerId: 'C1', plate: '皖A12345', homeRegion: '340100', active: true },
  { vin: vin(2), customerId: 'C1', plate: '皖A22222', homeRegion: '320100', active: true },
  { vin: vin(3), customerId: 'C2', plate: '粤B33333', homeRegion: '440300', active: true },
];
