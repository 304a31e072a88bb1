import { describe, expect, it } from 'vitest';
import { isValidVin, vinCheckDigit, withCheckDigit } from '../../core/vin.ts';
import { deviceFilter, deviceTopic, parseDeviceTopic } from '../../core/topics.ts';

describe('VIN check digit (ISO 3779)', () => {
  it('accepts published example VINs and rejects altered ones', () => {
    // Well-known examples from the North American check-digit literature.
    expect(isValidVin('1M8GDM9AXKP042788')).toBe(true);
    expect(isValidVin('11111111111111111')).toBe(true);
    expect(isValidVin('1M8GDM9AXKP042789')).toBe(false);
    expect(vinCheckDigit('1M8GDM9AXKP042788')).toBe('X');
  });

  it('rejects I, O, Q and wrong lengths', () => {
    expect(isValidVin('1M8GDM9AXKP04278')).toBe(false);
    expect(isValidVin('IM8GDM9AXKP042788')).toBe(false);
    expect(isValidVin('LQ8GDM9AXKP042788')).toBe(false);
  });

  it('repairs the check digit of a generated VIN', () => {
    const vin = withCheckDigit('LZZ5CLSB0NA123456');
    expect(isValidVin(vin)).toBe(true);
    expect(vin.slice(0, 8) + vin.slice(9)).toBe('LZZ5CLSBNA123456');
  });
});

describe('device topics', () => {
  it('builds and parses topics under a root', () => {
    expect(deviceTopic('fleet/v1', 'LZZ5CLSB0NA123456', 'dm1')).toBe('fleet/v1/LZZ5CLSB0NA123456/dm1');
    expect(deviceFilter('fleet/v1', 'position', 'ingest')).toBe('$share/ingest/fleet/v1/+/position');
    expect(parseDeviceTopic('fleet/v1', 'fleet/v1/ABC/position')).toEqual({ vin: 'ABC', channel: 'position' });
    expect(parseDeviceTopic('fleet/v1', 'fleet/v1/ABC/other')).toBeUndefined();
    expect(parseDeviceTopic('fleet/v1', 'fleet/v1/ABC/position/x')).toBeUndefined();
    expect(parseDeviceTopic('fleet/v1', 'other/ABC/position')).toBeUndefined();
  });
});
