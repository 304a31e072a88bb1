// InfluxDB line protocol for the telemetry measurements (docs/ingest.md): `position`, `dm1` and `dtc`, tagged
// by vin and customer (and spn/fmi), device time in ms as the point time, so a redelivered message rewrites
// its own point. Every field keeps one type forever (floats, `i` integers, booleans, strings), or InfluxDB
// would reject later writes as a type conflict.
import type { Dm1Report, PositionReport } from '../core/telemetry.ts';
import type { FaultSeverity } from '../core/queues.ts';

function tag(value: string): string {
  return value.replace(/[,= \\]/g, (c) => `\\${c}`);
}

function str(value: string): string {
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

export function positionLine(vin: string, customerId: string, p: PositionReport): string {
  let fields = `lat=${p.lat},lon=${p.lon}`;
  if (p.speedKmh !== undefined) fields += `,speedKmh=${p.speedKmh}`;
  if (p.heading !== undefined) fields += `,heading=${p.heading}`;
  if (p.odometerKm !== undefined) fields += `,odometerKm=${p.odometerKm}`;
  if (p.engineHours !== undefined) fields += `,engineHours=${p.engineHours}`;
  if (p.fuelPct !== undefined) fields += `,fuelPct=${p.fuelPct}`;
  if (p.ignition !== undefined) fields += `,ignition=${p.ignition}`;
  if (p.seq !== undefined) fields += `,seq=${p.seq}i`;
  return `position,customer=${tag(customerId)},vin=${tag(vin)} ${fields} ${p.ts}`;
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
