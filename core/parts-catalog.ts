// Parts: the catalog (part number, name in zh-CN and English, parts category, unit) and the table of the
// parts a fault most likely needs, by J1939 SPN/FMI, then by SPN, then by vehicle system. Part numbers are
// this product's catalog numbers (not a maker's numbering); an admin adds parts with PUT /v1/parts/{partNo}.
// The table covers every fault the simulators emit (simulators/faults.ts); a test keeps it that way.
import { Type, type Static } from '@sinclair/typebox';
import { PartsCategorySchema, type PartsCategory } from './registry.ts';
import { systemOfSpn, type VehicleSystem } from './fault-systems.ts';

export const PART_NO_PATTERN = '^[A-Z0-9][A-Z0-9-]{1,31}$';
export const PartNoSchema = Type.String({ pattern: PART_NO_PATTERN, description: 'Catalog part number, e.g. COOL-TS-01' });

export const PartSchema = Type.Object(
  {
    partNo: PartNoSchema,
    nameZh: Type.String({ minLength: 1, maxLength: 200 }),
    nameEn: Type.String({ minLength: 1, maxLength: 200 }),
    category: PartsCategorySchema,
    unit: Type.Union([Type.Literal('pc'), Type.Literal('set'), Type.Literal('L'), Type.Literal('can')]),
  },
  { additionalProperties: false, $id: 'Part' },
);
export type Part = Static<typeof PartSchema>;

const part = (partNo: string, nameZh: string, nameEn: string, category: PartsCategory, unit: Part['unit'] = 'pc'): Part =>
  ({ partNo, nameZh, nameEn, category, unit });

/** The catalog the product ships with; the stored catalog adds to and overrides it. */
export const DEFAULT_PARTS: readonly Part[] = Object.freeze([
  part('COOL-TS-01', '节温器', 'Thermostat', 'cooling'),
  part('COOL-WP-01', '水泵总成', 'Water pump assembly', 'cooling'),
  part('COOL-HS-01', '散热器进水软管', 'Radiator upper hose', 'cooling'),
  part('COOL-FL-10', '冷却液 10 L', 'Coolant 10 L', 'cooling', 'can'),
  part('LUB-OP-01', '机油泵', 'Engine oil pump', 'engine'),
  part('LUB-PS-01', '机油压力传感器', 'Oil pressure sensor', 'electrical'),
  part('LUB-OC-01', '机油冷却器', 'Engine oil cooler', 'engine'),
  part('LUB-OIL-18', '柴油机油 18 L', 'Diesel engine oil 18 L', 'lubricants', 'can'),
  part('FLT-OF-01', '机油滤清器', 'Oil filter', 'filters'),
  part('FLT-FF-01', '燃油滤清器', 'Fuel filter', 'filters'),
  part('FLT-AF-01', '空气滤清器滤芯', 'Air filter element', 'filters'),
  part('FUEL-LP-01', '输油泵', 'Fuel lift pump', 'fuel'),
  part('FUEL-PS-01', '燃油压力传感器', 'Fuel pressure sensor', 'fuel'),
  part('ENG-SS-01', '发动机转速传感器', 'Engine speed sensor', 'engine'),
  part('ENG-EPS-01', '排气压力传感器', 'Exhaust pressure sensor', 'engine'),
  part('ENG-EBV-01', '排气制动蝶阀', 'Exhaust brake butterfly valve', 'engine'),
  part('ELE-BAT-01', '蓄电池 12 V 180 Ah', 'Battery 12 V 180 Ah', 'electrical'),
  part('ELE-ALT-01', '发电机', 'Alternator', 'electrical'),
  part('ELE-WSS-01', '轮速传感器', 'Wheel speed sensor', 'electrical'),
  part('AT-NOX-01', '氮氧传感器', 'NOx sensor', 'aftertreatment'),
  part('AT-DPS-01', 'DPF 压差传感器', 'DPF differential pressure sensor', 'aftertreatment'),
  part('AT-DPF-01', 'DPF 颗粒捕集器', 'Diesel particulate filter', 'aftertreatment'),
  part('AT-DEF-20', '车用尿素溶液 20 L', 'Diesel exhaust fluid 20 L', 'aftertreatment', 'can'),
  part('AT-DP-01', '尿素泵', 'DEF pump', 'aftertreatment'),
  part('BRK-VLV-01', '制动总阀', 'Foot brake valve', 'brakes'),
  part('BRK-AD-01', '空气干燥器', 'Air dryer', 'brakes'),
  part('BRK-SA-01', '制动间隙自动调整臂', 'Automatic slack adjuster', 'brakes'),
  part('BRK-PS-01', '制动踏板位置传感器', 'Brake pedal position sensor', 'brakes'),
  part('TYR-315-01', '轮胎 315/80R22.5', 'Tyre 315/80R22.5', 'tyre'),
  part('TRN-OIL-20', '变速箱油 20 L', 'Transmission oil 20 L', 'transmission', 'can'),
  part('TRN-SOL-01', '换挡电磁阀', 'Shift solenoid valve', 'transmission'),
]);

export interface PartLine {
  readonly partNo: string;
  readonly qty: number;
}

const lines = (...pairs: Array<[string, number]>): readonly PartLine[] => Object.freeze(pairs.map(([partNo, qty]) => ({ partNo, qty })));

/** SPN:FMI → likely parts (the most specific rule). */
const BY_SPN_FMI = new Map<string, readonly PartLine[]>([
  ['110:0', lines(['COOL-TS-01', 1], ['COOL-WP-01', 1], ['COOL-FL-10', 2])],
  ['110:16', lines(['COOL-TS-01', 1], ['COOL-FL-10', 1])],
  ['100:1', lines(['LUB-OP-01', 1], ['LUB-OIL-18', 2], ['FLT-OF-01', 1])],
  ['100:18', lines(['LUB-PS-01', 1], ['LUB-OIL-18', 1])],
  ['111:1', lines(['COOL-HS-01', 1], ['COOL-FL-10', 2])],
  ['190:0', lines(['ENG-SS-01', 1])],
  ['98:1', lines(['LUB-OIL-18', 2], ['FLT-OF-01', 1])],
  ['117:1', lines(['BRK-AD-01', 1], ['BRK-VLV-01', 1])],
  ['5246:0', lines(['AT-DP-01', 1], ['AT-DEF-20', 2])],
  ['5246:15', lines(['AT-DEF-20', 2])],
  ['3251:0', lines(['AT-DPF-01', 1], ['AT-DPS-01', 1])],
  ['3251:16', lines(['AT-DPS-01', 1])],
  ['94:1', lines(['FUEL-LP-01', 1], ['FLT-FF-01', 1])],
  ['1209:0', lines(['ENG-EBV-01', 1], ['ENG-EPS-01', 1])],
  ['3226:2', lines(['AT-NOX-01', 1])],
  ['3719:16', lines(['AT-DPS-01', 1])],
  ['4364:18', lines(['AT-NOX-01', 1], ['AT-DEF-20', 1])],
  ['1761:18', lines(['AT-DEF-20', 2])],
  ['168:18', lines(['ELE-BAT-01', 2])],
  ['521:2', lines(['BRK-PS-01', 1])],
  ['914:14', lines(['BRK-SA-01', 1])],
  ['84:2', lines(['ELE-WSS-01', 1])],
  ['175:16', lines(['LUB-OC-01', 1], ['LUB-OIL-18', 1])],
]);

/** Any FMI of a known SPN. */
const BY_SPN = new Map<number, readonly PartLine[]>([
  [110, lines(['COOL-TS-01', 1], ['COOL-FL-10', 1])],
  [100, lines(['LUB-PS-01', 1], ['LUB-OIL-18', 1])],
  [111, lines(['COOL-FL-10', 2])],
  [3251, lines(['AT-DPS-01', 1])],
  [5246, lines(['AT-DEF-20', 2])],
  [168, lines(['ELE-BAT-01', 2])],
]);

/** The last resort: the usual consumable of the system. `general` (unknown SPN) needs nothing in particular. */
const BY_SYSTEM: Readonly<Record<VehicleSystem, readonly PartLine[]>> = {
  engine: lines(['ENG-SS-01', 1]),
  lubrication: lines(['LUB-OIL-18', 1], ['FLT-OF-01', 1]),
  cooling: lines(['COOL-FL-10', 1]),
  fuel: lines(['FLT-FF-01', 1]),
  'air-intake': lines(['FLT-AF-01', 1]),
  electrical: lines(['ELE-BAT-01', 1]),
  aftertreatment: lines(['AT-DEF-20', 1]),
  transmission: lines(['TRN-OIL-20', 1]),
  brakes: lines(['BRK-VLV-01', 1]),
  tyres: lines(['TYR-315-01', 1]),
  general: lines(),
};

export interface FaultCodeRef {
  readonly spn: number;
  readonly fmi?: number;
}

/** The rule that decides a code's parts, for documentation and tests. */
export function likelyPartsRule(code: FaultCodeRef): 'spn_fmi' | 'spn' | 'system' {
  if (code.fmi !== undefined && BY_SPN_FMI.has(`${code.spn}:${code.fmi}`)) return 'spn_fmi';
  if (BY_SPN.has(code.spn)) return 'spn';
  return 'system';
}

/** The parts a repair of these active codes most likely needs: each part once, the largest quantity any code asks. */
export function likelyParts(codes: readonly FaultCodeRef[]): PartLine[] {
  const wanted = new Map<string, number>();
  for (const code of codes) {
    const rule = likelyPartsRule(code);
    const found = rule === 'spn_fmi' ? BY_SPN_FMI.get(`${code.spn}:${code.fmi}`)! : rule === 'spn' ? BY_SPN.get(code.spn)! : BY_SYSTEM[systemOfSpn(code.spn)];
    for (const line of found) wanted.set(line.partNo, Math.max(wanted.get(line.partNo) ?? 0, line.qty));
  }
  return [...wanted].map(([partNo, qty]) => ({ partNo, qty }));
}

/** Every part number the likely-parts table refers to (each must be in DEFAULT_PARTS). */
export function partsInTable(): string[] {
  const all = new Set<string>();
  for (const table of [...BY_SPN_FMI.values(), ...BY_SPN.values(), ...Object.values(BY_SYSTEM)]) for (const l of table) all.add(l.partNo);
  return [...all];
}
