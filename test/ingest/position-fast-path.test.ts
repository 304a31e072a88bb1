// The position fast path (ingest/position-fast-path.ts) must give exactly what the full path gives
// (JSON.parse + checkPositionMessage) whenever it answers, and answer for the ordinary device payloads.
// Randomised: valid payloads as devices and the gateway write them, then mutations of them (bytes deleted,
// inserted, replaced; keys repeated, unknown, null; numbers at and beyond the edges of their ranges).
import { describe, expect, it } from 'vitest';
import { checkPositionMessage, type PositionReport } from '../../core/telemetry.ts';
import { parsePositionFast } from '../../ingest/position-fast-path.ts';

const NOW = Date.UTC(2026, 10, 29, 3);

function fullPath(payload: Buffer): PositionReport | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(payload.toString('utf8'));
  } catch {
    return undefined;
  }
  const checked = checkPositionMessage(parsed, NOW);
  if (!checked.ok || checked.value.length !== 1 || Array.isArray(parsed)) return undefined;
  const [record] = checked.value;
  return record!.ok ? record!.value : undefined;
}

/** Same fields, same values (Object.is: -0 too) and the same key order (it shows in live events). */
function expectSame(fast: PositionReport, full: PositionReport | undefined, payload: Buffer): void {
  if (full === undefined) throw new Error(`fast path accepted what the full path refuses: ${payload.toString('latin1')}`);
  expect(Object.keys(fast)).toEqual(Object.keys(full));
  for (const key of Object.keys(full) as Array<keyof PositionReport>) {
    if (!Object.is(fast[key], full[key])) throw new Error(`${key}: fast ${String(fast[key])} vs full ${String(full[key])} in ${payload.toString('latin1')}`);
  }
}

function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FIELDS = ['ts', 'seq', 'lat', 'lon', 'speedKmh', 'heading', 'odometerKm', 'engineHours', 'fuelPct', 'ignition'] as const;
const RANGES: Record<string, [number, number]> = {
  lat: [-90, 90], lon: [-180, 180], speedKmh: [0, 400], heading: [0, 360], odometerKm: [0, 1e8], engineHours: [0, 1e7], fuelPct: [0, 100],
};

function randomNumber(rnd: () => number, field: string): number {
  const pick = rnd();
  if (field === 'ts') return pick < 0.1 ? NOW + 86_400_000 + Math.floor(rnd() * 10) - 5 : pick < 0.15 ? 946684800000 + Math.floor(rnd() * 3) - 1 : NOW - Math.floor(rnd() * 1e9) + (pick < 0.2 ? 0.5 : 0);
  if (field === 'seq') return pick < 0.1 ? 0xffff_ffff + Math.floor(rnd() * 3) - 1 : pick < 0.15 ? -1 : pick < 0.2 ? 1.5 : Math.floor(rnd() * 1e6);
  const [min, max] = RANGES[field]!;
  if (pick < 0.05) return min;
  if (pick < 0.1) return max;
  if (pick < 0.13) return max + 1e-9;
  if (pick < 0.16) return min - 1;
  if (pick < 0.2) return -0;
  if (pick < 0.3) return Math.round(min + rnd() * (max - min));
  if (pick < 0.5) return Number((min + rnd() * (max - min)).toFixed(Math.floor(rnd() * 8)));
  return min + rnd() * (max - min); // 15–17 significant digits
}

function numberText(rnd: () => number, value: number): string {
  const pick = rnd();
  if (pick < 0.05 && value !== 0) return value.toExponential(); // 1.5e+2
  if (pick < 0.08) return value.toExponential(3).replace('e+', 'E');
  if (pick < 0.1 && Number.isInteger(value)) return `${value}.000`;
  return JSON.stringify(value);
}

function randomPayload(rnd: () => number): string {
  const fields = FIELDS.filter((f) => f === 'ts' || f === 'lat' || f === 'lon' ? rnd() < 0.97 : rnd() < 0.8);
  for (let i = fields.length - 1; i > 0; i--) {
    if (rnd() < 0.3) {
      const j = Math.floor(rnd() * (i + 1));
      [fields[i], fields[j]] = [fields[j]!, fields[i]!];
    }
  }
  const ws = () => (rnd() < 0.1 ? [' ', '\n', '\t', '\r', '  '][Math.floor(rnd() * 5)]! : '');
  const parts = fields.map((f) => {
    const value = f === 'ignition' ? (rnd() < 0.05 ? 'null' : rnd() < 0.5 ? 'true' : 'false') : rnd() < 0.02 ? 'null' : rnd() < 0.02 ? '"12"' : numberText(rnd, randomNumber(rnd, f));
    return `${ws()}"${f}"${ws()}:${ws()}${value}${ws()}`;
  });
  if (rnd() < 0.05) parts.push(`"extra":${rnd() < 0.5 ? '1' : '"x"'}`);
  if (rnd() < 0.05 && parts.length > 0) parts.push(parts[0]!); // a repeated key: JSON.parse keeps the last
  return `${ws()}{${parts.join(',')}}${ws()}`;
}

function mutate(rnd: () => number, text: string): string {
  const at = Math.floor(rnd() * (text.length + 1));
  const pick = rnd();
  const noise = '{}[]":,.-+eE0123456789 tfnul\\\u00e9'[Math.floor(rnd() * 31)]!;
  if (pick < 0.4) return text.slice(0, at) + text.slice(at + 1);
  if (pick < 0.7) return text.slice(0, at) + noise + text.slice(at);
  return text.slice(0, at) + noise + text.slice(at + 1);
}

describe('position fast path', () => {
  it('reads the contract example and the bench payload as the full path does', () => {
    for (const text of [
      '{"ts":1763805600000,"seq":4711,"lat":31.2304,"lon":121.4737,"speedKmh":72.5,"heading":180,"odometerKm":123456.7,"engineHours":3456.2,"fuelPct":55,"ignition":true}',
      JSON.stringify({ ts: 1763805600000, seq: 7, lat: 30 + 3 / 1000 + 7 / 1e6, lon: 114.003, speedKmh: 80, heading: 90, odometerKm: 100_000 + 7 / 40, engineHours: 3000 + 7 / 3600, fuelPct: 60, ignition: true }),
      '{"lat":-0,"lon":0.0,"ts":1763805600000}',
    ]) {
      const payload = Buffer.from(text);
      const fast = parsePositionFast(payload, NOW);
      expect(fast).toBeDefined();
      expectSame(fast!, fullPath(payload), payload);
    }
  });

  it('leaves everything unusual to the full path', () => {
    for (const text of ['[{"ts":1763805600000,"lat":1,"lon":2}]', '{"ts":"2025-11-22T10:00:00Z","lat":1,"lon":2}', '{"ts":1763805600000,"lat":1,"lon":2,"x":1}',
      '{"ts":1763805600000,"lat":1,"lon":2,"lat":3}', '{"ts":1763805600000,"lat":null,"lon":2}', '{"ts":1763805600000,"lat":01,"lon":2}', '\ufeff{"ts":1763805600000,"lat":1,"lon":2}',
      '{"ts":1763805600000,"l\\u0061t":1,"lon":2}', '{"ts":1763805600000,"lat":91,"lon":2}', '{}', '', '{"ts":1763805600000,"lat":1,"lon":2,}']) {
      expect(parsePositionFast(Buffer.from(text), NOW), text).toBeUndefined();
    }
  });

  it('agrees with the full path on 50,000 random and mutated payloads', () => {
    const rnd = seeded(20);
    let fastAnswers = 0;
    let fullAccepts = 0;
    for (let i = 0; i < 50_000; i++) {
      let text = randomPayload(rnd);
      const mutations = rnd() < 0.5 ? 0 : 1 + Math.floor(rnd() * 3);
      for (let m = 0; m < mutations; m++) text = mutate(rnd, text);
      const payload = Buffer.from(text);
      const fast = parsePositionFast(payload, NOW);
      const full = fullPath(payload);
      if (full !== undefined) fullAccepts++;
      if (fast !== undefined) {
        fastAnswers++;
        expectSame(fast, full, payload);
      }
    }
    // Not vacuous: the fast path answers for most payloads the full path accepts.
    expect(fastAnswers).toBeGreaterThan(fullAccepts * 0.5);
  });
});
