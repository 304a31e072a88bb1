import { describe, expect, it } from 'vitest';
import { dtcSeverity, snapshotSeverity } from '../../core/j1939.ts';
import { checkDm1Message, checkPositionMessage, checkStatusMessage, parseJson } from '../../core/telemetry.ts';

const NOW = Date.UTC(2025, 10, 22, 10);
const lamps = { mil: false, redStop: false, amberWarning: false, protect: false };

describe('position payloads', () => {
  it('accepts the contract example and an ISO time, keeping only known fields', () => {
    const example = {
      ts: 1763805600000, seq: 4711, lat: 31.2304, lon: 121.4737, speedKmh: 72.5, heading: 180, odometerKm: 123456.7,
      engineHours: 3456.2, fuelPct: 55, ignition: true, extra: 'ignored', __proto__: { polluted: true },
    };
    const checked = checkPositionMessage(JSON.parse(JSON.stringify(example)), NOW);
    expect(checked).toEqual({
      ok: true,
      value: [{ ok: true, value: { ts: 1763805600000, seq: 4711, lat: 31.2304, lon: 121.4737, speedKmh: 72.5, heading: 180, odometerKm: 123456.7, engineHours: 3456.2, fuelPct: 55, ignition: true } }],
    });
    const iso = checkPositionMessage({ ts: '2025-11-22T10:00:00.000Z', lat: 0, lon: 0 }, NOW);
    expect(iso.ok && iso.value[0]).toEqual({ ok: true, value: { ts: 1763805600000, lat: 0, lon: 0 } });
  });

  it('checks each record of a buffered batch on its own', () => {
    const checked = checkPositionMessage([{ ts: NOW, lat: 1, lon: 1 }, { ts: NOW, lat: 100, lon: 1 }, { lat: 1, lon: 1 }], NOW);
    expect(checked.ok && checked.value.map((r) => (r.ok ? 'ok' : r.reason))).toEqual(['ok', 'out_of_range', 'invalid_payload']);
    expect(checkPositionMessage(Array.from({ length: 1001 }, () => ({ ts: NOW, lat: 1, lon: 1 })), NOW)).toMatchObject({ ok: false, reason: 'too_many_records' });
    expect(checkPositionMessage([], NOW)).toMatchObject({ ok: false, reason: 'invalid_payload' });
  });

  it.each([
    [{ ts: NOW + 24 * 3600_000 + 1, lat: 1, lon: 1 }, 'future_timestamp'],
    [{ ts: NOW + 24 * 3600_000, lat: 1, lon: 1 }, 'ok'],
    [{ ts: 946684799999, lat: 1, lon: 1 }, 'out_of_range'],
    [{ ts: '2025-11-22 10:00', lat: 1, lon: 1 }, 'invalid_payload'],
    [{ ts: NOW, lat: -90.0001, lon: 1 }, 'out_of_range'],
    [{ ts: NOW, lat: 1, lon: 180.5 }, 'out_of_range'],
    [{ ts: NOW, lat: 1, lon: 1, seq: -1 }, 'out_of_range'],
    [{ ts: NOW, lat: 1, lon: 1, seq: 4294967295 }, 'ok'],
    [{ ts: NOW, lat: 1, lon: 1, heading: 361 }, 'out_of_range'],
    [{ ts: NOW, lat: 1, lon: 1, ignition: 1 }, 'invalid_payload'],
    [{ ts: NOW, lat: null, lon: 1 }, 'invalid_payload'],
    [{ ts: NOW, lat: 1, lon: 1, speedKmh: null }, 'ok'],
  ])('%j → %s', (record, expected) => {
    const checked = checkPositionMessage(record, NOW);
    expect(checked.ok && (checked.value[0]!.ok ? 'ok' : checked.value[0]!.reason)).toBe(expected);
  });
});

describe('dm1 payloads', () => {
  it('normalises the code list: unique by (spn, fmi), sorted, highest occurrence count kept', () => {
    const checked = checkDm1Message({
      ts: NOW, lamps: { redStop: true }, dtcs: [{ spn: 3226, fmi: 2, oc: 1 }, { spn: 110, fmi: 0, oc: 3 }, { spn: 110, fmi: 0, oc: 5 }],
    }, NOW);
    expect(checked).toEqual({
      ok: true,
      value: { ts: NOW, lamps: { ...lamps, redStop: true }, dtcs: [{ spn: 110, fmi: 0, oc: 5 }, { spn: 3226, fmi: 2, oc: 1 }] },
    });
  });

  it.each([
    [{ ts: NOW, dtcs: [{ spn: 524288, fmi: 0 }] }, 'out_of_range'],
    [{ ts: NOW, dtcs: [{ spn: 1, fmi: 31, oc: 127 }] }, 'out_of_range'],
    [{ ts: NOW, dtcs: [{ spn: 1 }] }, 'invalid_payload'],
    [{ ts: NOW }, 'invalid_payload'],
    [{ ts: NOW, dtcs: [], lat: 1 }, 'invalid_payload'],
    [{ ts: NOW, dtcs: [], lamps: [] }, 'invalid_payload'],
  ])('%j → %s', (payload, reason) => {
    expect(checkDm1Message(payload, NOW)).toMatchObject({ ok: false, reason });
  });
});

describe('status and JSON', () => {
  it('accepts only online/offline', () => {
    expect(checkStatusMessage('online\n')).toEqual({ ok: true, value: 'online' });
    expect(checkStatusMessage('{"status":"online"}')).toMatchObject({ ok: false, reason: 'invalid_payload' });
    expect(parseJson('{')).toMatchObject({ ok: false, reason: 'bad_json' });
  });
});

describe('J1939 severity', () => {
  it('lets lamps decide first, then the FMI, raised for stop-now pairs and emissions SPNs', () => {
    expect(snapshotSeverity(lamps, [])).toBe('none');
    expect(snapshotSeverity({ ...lamps, redStop: true }, [])).toBe('critical');
    expect(snapshotSeverity({ ...lamps, amberWarning: true }, [{ spn: 3226, fmi: 2 }])).toBe('warning');
    expect(snapshotSeverity({ ...lamps, mil: true }, [])).toBe('emissions');
    expect(snapshotSeverity(lamps, [{ spn: 168, fmi: 4 }])).toBe('info');
    expect(dtcSeverity({ spn: 100, fmi: 1 })).toBe('critical');
    expect(dtcSeverity({ spn: 100, fmi: 3 })).toBe('info');
    expect(dtcSeverity({ spn: 168, fmi: 1 })).toBe('warning');
    expect(dtcSeverity({ spn: 3226, fmi: 2 })).toBe('emissions');
    expect(dtcSeverity({ spn: 3251, fmi: 16 })).toBe('warning');
  });
});
