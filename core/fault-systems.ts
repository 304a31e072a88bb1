// J1939 SPN → vehicle system → what a rescue needs: the station capability and the parts category.
// The table covers the SPNs that stop heavy trucks on the road; an unknown SPN needs a general
// heavy-duty station and no particular parts, which is the safe default rather than a guess.
import type { Capability, PartsCategory } from './registry.ts';

export type VehicleSystem =
  | 'engine' | 'lubrication' | 'cooling' | 'fuel' | 'air-intake' | 'electrical' | 'aftertreatment'
  | 'transmission' | 'brakes' | 'tyres' | 'general';

export interface SystemNeeds {
  readonly capability: Capability;
  readonly parts?: PartsCategory;
}

export const SYSTEM_NEEDS: Readonly<Record<VehicleSystem, SystemNeeds>> = Object.freeze({
  engine: { capability: 'engine', parts: 'engine' },
  lubrication: { capability: 'engine', parts: 'lubricants' },
  cooling: { capability: 'engine', parts: 'cooling' },
  fuel: { capability: 'engine', parts: 'fuel' },
  'air-intake': { capability: 'engine', parts: 'filters' },
  electrical: { capability: 'electrical', parts: 'electrical' },
  aftertreatment: { capability: 'aftertreatment', parts: 'aftertreatment' },
  transmission: { capability: 'transmission', parts: 'transmission' },
  brakes: { capability: 'brakes', parts: 'brakes' },
  tyres: { capability: 'tyre', parts: 'tyre' },
  general: { capability: 'heavy-duty' },
});

/** Single SPNs (SAE J1939-71 names in comments). */
const SPN_SYSTEM = new Map<number, VehicleSystem>([
  [100, 'lubrication'], // engine oil pressure
  [98, 'lubrication'], // engine oil level
  [175, 'lubrication'], // engine oil temperature
  [110, 'cooling'], // engine coolant temperature
  [111, 'cooling'], // coolant level
  [109, 'cooling'], // coolant pressure
  [94, 'fuel'], // fuel delivery pressure
  [157, 'fuel'], // injector metering rail 1 pressure
  [96, 'fuel'], // fuel level
  [97, 'fuel'], // water in fuel
  [651, 'fuel'], [652, 'fuel'], [653, 'fuel'], [654, 'fuel'], [655, 'fuel'], [656, 'fuel'], // injectors 1–6
  [190, 'engine'], // engine speed
  [636, 'engine'], // camshaft position sensor
  [637, 'engine'], // crankshaft position sensor
  [513, 'engine'], // actual engine torque
  [1209, 'engine'], // exhaust gas pressure (exhaust brake / back pressure)
  [102, 'air-intake'], // boost pressure
  [105, 'air-intake'], // intake manifold temperature
  [107, 'air-intake'], // air filter differential pressure
  [641, 'air-intake'], // variable geometry turbo actuator
  [168, 'electrical'], // battery potential
  [167, 'electrical'], // charging system potential
  [158, 'electrical'], // keyswitch battery potential
  [629, 'electrical'], // controller #1
  [639, 'electrical'], // J1939 network #1
  [91, 'electrical'], // accelerator pedal position
  [84, 'electrical'], // wheel-based vehicle speed
  [3226, 'aftertreatment'], // NOx outlet
  [3216, 'aftertreatment'], // NOx inlet
  [3251, 'aftertreatment'], // DPF differential pressure
  [3242, 'aftertreatment'], // DPF inlet temperature
  [3719, 'aftertreatment'], // DPF soot load
  [4364, 'aftertreatment'], // SCR conversion efficiency
  [1761, 'aftertreatment'], // DEF tank level
  [3031, 'aftertreatment'], // DEF tank temperature
  [4334, 'aftertreatment'], // DEF doser pressure
  [5246, 'aftertreatment'], // SCR inducement severity
  [127, 'transmission'], // transmission oil pressure
  [177, 'transmission'], // transmission oil temperature
  [523, 'transmission'], // current gear
  [524, 'transmission'], // selected gear
  [161, 'transmission'], // input shaft speed
  [191, 'transmission'], // output shaft speed
  [116, 'brakes'], // brake application pressure
  [117, 'brakes'], // brake primary pressure
  [118, 'brakes'], // brake secondary pressure
  [521, 'brakes'], // brake pedal position
  [1121, 'brakes'], // EBS brake switch
  [914, 'brakes'], // brake stroke alert
  [241, 'tyres'], // tyre pressure
  [242, 'tyres'], // tyre temperature
  [929, 'tyres'], // tyre location
]);

export function systemOfSpn(spn: number): VehicleSystem {
  return SPN_SYSTEM.get(spn) ?? 'general';
}

export interface FaultNeeds {
  /** Systems of the given SPNs (deduplicated, in first-seen order); `general` when none is known. */
  readonly systems: VehicleSystem[];
  /** Every capability a station must have to take the rescue. */
  readonly capabilities: Capability[];
  readonly partsCategories: PartsCategory[];
}

/** What a rescue for these active fault codes needs; no codes (e.g. a phoned-in breakdown) → general. */
export function faultNeeds(spns: readonly number[]): FaultNeeds {
  const systems = [...new Set(spns.map(systemOfSpn))];
  const known = systems.filter((s) => s !== 'general');
  const effective: VehicleSystem[] = known.length > 0 ? known : ['general'];
  const capabilities = [...new Set(effective.map((s) => SYSTEM_NEEDS[s].capability))];
  const partsCategories = [...new Set(effective.flatMap((s) => (SYSTEM_NEEDS[s].parts ? [SYSTEM_NEEDS[s].parts] : [])))];
  return { systems: effective, capabilities, partsCategories };
}
