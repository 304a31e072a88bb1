// A small service network around Shanghai and two logistics customers for the console tests.
import type { Advisor, Customer, Station, Vehicle } from '../../core/registry.ts';
import { withCheckDigit } from '../../core/vin.ts';
import type { RegistryStore } from '../../infra/registry-store.ts';

export const CENTRE = { lat: 31.23, lon: 121.47 };

export function consoleVin(n: number): string {
  return withCheckDigit(`LFWCNSL0X${String(n).padStart(8, '0')}`);
}

export const CUSTOMERS: Customer[] = [
  { id: 'acme', name: 'Acme Logistics', leadAdvisorId: 'adv-1', active: true },
  { id: 'globex', name: 'Globex Freight', active: true },
];

export const ADVISORS: Advisor[] = [{ id: 'adv-1', name: 'Chen Jing', phone: '+86 21 5555 0101', active: true }];

export const VEHICLES: Vehicle[] = [
  { vin: consoleVin(1), customerId: 'acme', plate: '沪A00001', active: true },
  { vin: consoleVin(2), customerId: 'acme', plate: '沪A00002', active: true },
  { vin: consoleVin(3), customerId: 'globex', plate: '沪B00003', active: true },
];

/** Six capable 24 h stations on a ring 5–30 km around the centre, plus one without the engine capability. */
export const STATIONS: Station[] = [
  ...Array.from({ length: 6 }, (_, i): Station => {
    const angle = (i / 6) * 2 * Math.PI;
    const r = 0.05 + i * 0.05;
    return {
      id: `cs-${i}`,
      name: `Console Station ${i}`,
      phone: `+86 21 6000 010${i}`,
      lat: CENTRE.lat + r * Math.sin(angle),
      lon: CENTRE.lon + r * Math.cos(angle),
      region: '310000',
      hours: '24h',
      capabilities: ['heavy-duty', 'engine', 'electrical'],
      vans: 2,
      rating: 4,
      partsCategories: ['engine', 'lubricants', 'cooling', 'fuel'],
      mobilisationMin: 10,
      active: true,
    };
  }),
  {
    id: 'cs-tyres', name: 'Tyres Only', lat: CENTRE.lat + 0.01, lon: CENTRE.lon + 0.01, region: '310000', hours: '24h',
    capabilities: ['heavy-duty', 'tyre'], vans: 3, rating: 3, partsCategories: ['tyre'], mobilisationMin: 5, active: true,
  },
];

export async function seedRegistry(registry: Pick<RegistryStore, 'putMany'>): Promise<void> {
  await registry.putMany('station', STATIONS);
  await registry.putMany('advisor', ADVISORS);
  await registry.putMany('customer', CUSTOMERS);
  await registry.putMany('vehicle', VEHICLES);
}
