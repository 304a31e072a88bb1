// J1939 fault severity. The lamps the ECU lights are its own verdict and come first (red stop lamp =
// critical, amber warning = warning, MIL = emissions, protect = warning); each active code is then rated by
// its failure mode (FMI), raised for the few SPN/FMI pairs that mean "stop the engine now" and marked as
// emissions for after-treatment SPNs. The highest rating wins.
import { Type, type Static } from '@sinclair/typebox';

/** One active diagnostic trouble code of a DM1 message. */
export const DtcSchema = Type.Object({
  /** Suspect parameter number, 0–524287. */
  spn: Type.Integer({ minimum: 0, maximum: 524287 }),
  /** Failure mode identifier, 0–31. */
  fmi: Type.Integer({ minimum: 0, maximum: 31 }),
  /** Occurrence count, 0–126. */
  oc: Type.Integer({ minimum: 0, maximum: 126 }),
});
export type Dtc = Static<typeof DtcSchema>;

/** The four DM1 lamps. */
export const LampsSchema = Type.Object({
  mil: Type.Boolean(),
  redStop: Type.Boolean(),
  amberWarning: Type.Boolean(),
  protect: Type.Boolean(),
});
export type Lamps = Static<typeof LampsSchema>;

export const FaultSeveritySchema = Type.Union([Type.Literal('critical'), Type.Literal('warning'), Type.Literal('emissions'), Type.Literal('info')]);
export type FaultSeverity = Static<typeof FaultSeveritySchema>;

const RANK: Readonly<Record<FaultSeverity, number>> = { info: 0, emissions: 1, warning: 2, critical: 3 };

export function maxSeverity(a: FaultSeverity, b: FaultSeverity): FaultSeverity {
  return RANK[a] >= RANK[b] ? a : b;
}

export function severityRank(severity: FaultSeverity): number {
  return RANK[severity];
}

/** Common SPNs of heavy-duty diesel trucks (SAE J1939-71), for logs, events and the console. */
export const SPN_NAMES: Readonly<Record<number, string>> = {
  27: 'EGR valve position',
  51: 'Throttle position',
  84: 'Wheel-based vehicle speed',
  91: 'Accelerator pedal position',
  94: 'Fuel delivery pressure',
  97: 'Water in fuel indicator',
  98: 'Engine oil level',
  100: 'Engine oil pressure',
  102: 'Boost pressure',
  105: 'Intake manifold temperature',
  108: 'Barometric pressure',
  110: 'Engine coolant temperature',
  111: 'Coolant level',
  117: 'Brake primary air pressure',
  118: 'Brake secondary air pressure',
  157: 'Injector metering rail pressure',
  158: 'Battery potential (switched)',
  168: 'Battery potential',
  171: 'Ambient air temperature',
  174: 'Fuel temperature',
  175: 'Engine oil temperature',
  177: 'Transmission oil temperature',
  190: 'Engine speed',
  244: 'Trip distance',
  411: 'EGR differential pressure',
  520: 'Retarder torque',
  597: 'Brake switch',
  629: 'Controller #1',
  636: 'Camshaft position sensor',
  639: 'J1939 network #1',
  651: 'Injector cylinder #1',
  723: 'Crankshaft position sensor',
  1127: 'Turbocharger boost pressure',
  1761: 'DEF tank level',
  3031: 'DEF tank temperature',
  3216: 'Aftertreatment intake NOx',
  3226: 'Aftertreatment outlet NOx',
  3251: 'DPF differential pressure',
  3361: 'DEF dosing unit',
  3364: 'DEF quality',
  3719: 'DPF soot load',
  4364: 'SCR conversion efficiency',
  5246: 'SCR operator inducement severity',
};

export function spnName(spn: number): string | undefined {
  return SPN_NAMES[spn];
}

/** SPN/FMI pairs on which a driver must stop: engine or brakes are being damaged or unsafe right now. */
const STOP_NOW: ReadonlySet<string> = new Set([
  '100:1', // oil pressure low, most severe
  '98:1', // oil level low, most severe
  '110:0', // coolant temperature high, most severe
  '111:1', // coolant level low, most severe
  '175:0', // oil temperature high, most severe
  '190:0', // engine overspeed
  '117:1', // brake primary air pressure low, most severe
  '118:1', // brake secondary air pressure low, most severe
  '177:0', // transmission oil temperature high, most severe
]);

/** After-treatment and emission-control SPNs (China VI / Euro VI OBD). */
const EMISSIONS_SPNS: ReadonlySet<number> = new Set([27, 411, 1761, 3031, 3216, 3226, 3251, 3361, 3364, 3719, 4364, 5246]);

/**
 * Rating of one code by its failure mode. FMI 0/1 = "data valid but above/below normal, most severe level";
 * FMI 16/18 = moderately severe; FMI 15/17 = least severe; FMI 2–14 and 19–31 are sensor, circuit,
 * calibration and network faults (the measured value is unknown, not alarming in itself).
 */
export function dtcSeverity(dtc: Pick<Dtc, 'spn' | 'fmi'>): FaultSeverity {
  if (STOP_NOW.has(`${dtc.spn}:${dtc.fmi}`)) return 'critical';
  const byFmi: FaultSeverity = dtc.fmi <= 1 || dtc.fmi === 16 || dtc.fmi === 18 ? 'warning' : 'info';
  return EMISSIONS_SPNS.has(dtc.spn) ? maxSeverity(byFmi === 'warning' ? 'warning' : 'info', 'emissions') : byFmi;
}

export function lampSeverity(lamps: Lamps): FaultSeverity {
  if (lamps.redStop) return 'critical';
  if (lamps.amberWarning || lamps.protect) return 'warning';
  if (lamps.mil) return 'emissions';
  return 'info';
}

/** Highest severity of a snapshot; `none` when no code is active and no lamp is lit. */
export function snapshotSeverity(lamps: Lamps, dtcs: ReadonlyArray<Pick<Dtc, 'spn' | 'fmi'>>): FaultSeverity | 'none' {
  if (dtcs.length === 0 && !lamps.redStop && !lamps.amberWarning && !lamps.protect && !lamps.mil) return 'none';
  let severity = lampSeverity(lamps);
  for (const dtc of dtcs) severity = maxSeverity(severity, dtcSeverity(dtc));
  return severity;
}
