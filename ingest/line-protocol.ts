// InfluxDB line protocol for the telemetry measurements (docs/ingest.md): `position`, `dm1` and `dtc`, tagged
// by vin and customer (and spn/fmi), device time in ms as the point time, so a redelivered message rewrites
// its own point. Every field keeps one type forever (floats, `i` integers, booleans, strings), or InfluxDB
// would reject later writes as a type conflict.
import type { Dm1Report, PositionReport } from '../core/telemetry.ts';
import type { FaultSeverity } from '../core/j1939.ts';

function tag(value: string): string {
  return value.replace(/[,= \\]/g, (c) => `\\${c}`);
}

function str(value: string): string {
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/** The measurement and tags of a vehicle's position points, with the separating space: `position,customer=…,vin=… `. */
export function positionSeries(vin: string, customerId: string): string {
  return `position,customer=${tag(customerId)},vin=${tag(vin)} `;
}

/**
 * One position point after its series (from positionSeries, computed once per vehicle and batch). One
 * template, no incremental concatenation: this runs for every message (bench:ingest).
 */
export function positionLine(series: string, p: PositionReport): string {
  return `${series}lat=${p.lat},lon=${p.lon}${p.speedKmh !== undefined ? `,speedKmh=${p.speedKmh}` : ''}${
    p.heading !== undefined ? `,heading=${p.heading}` : ''}${p.odometerKm !== undefined ? `,odometerKm=${p.odometerKm}` : ''}${
    p.engineHours !== undefined ? `,engineHours=${p.engineHours}` : ''}${p.fuelPct !== undefined ? `,fuelPct=${p.fuelPct}` : ''}${
    p.ignition !== undefined ? `,ignition=${p.ignition}` : ''}${p.seq !== undefined ? `,seq=${p.seq}i` : ''} ${p.ts}`;
}

export function dm1Lines(vin: string, customerId: string, d: Dm1Report, severity: FaultSeverity | 'none', dtcSeverities: readonly FaultSeverity[]): string[] {
  const tags = `customer=${tag(customerId)},vin=${tag(vin)}`;
  let fields = `mil=${d.lamps.mil},redStop=${d.lamps.redStop},amberWarning=${d.lamps.amberWarning},protect=${d.lamps.protect}`;
  fields += `,dtcCount=${d.dtcs.length}i,severity=${str(severity)}`;
  if (d.lat !== undefined && d.lon !== undefined) fields += `,lat=${d.lat},lon=${d.lon}`;
  if (d.seq !== undefined) fields += `,seq=${d.seq}i`;
  const lines = [`dm1,${tags} ${fields} ${d.ts}`];
  d.dtcs.forEach((dtc, i) => {
    lines.push(`dtc,customer=${tag(customerId)},fmi=${dtc.fmi},spn=${dtc.spn},vin=${tag(vin)} oc=${dtc.oc}i,severity=${str(dtcSeverities[i] ?? 'info')} ${d.ts}`);
  });
  return lines;
}
