// Pure tests of the JT/T 808 and J1939 codecs against byte layouts written out from the standards.
import { describe, expect, it } from 'vitest';
import { bcdTimeOfDayToEpochMs, bcdTimeToEpochMs, decodeBcd, encodeBcd, epochMsToBcdTime } from '../../core/jt808-bcd.ts';
import { encodeFrame, encodeMessage, parseMessage, terminalIdOf, unescapeFrame, xorChecksum } from '../../core/jt808-frame.ts';
import {
  decodeAuth, decodeCanData, decodeGeneralResponse, decodeLocation, decodeLocationBatch, decodeRegister, decodeRegisterResponse, decodeResendRequest, encodeAuth,
  encodeCanData, encodeGeneralResponse, encodeLocation, encodeLocationBatch, encodeRegister, encodeRegisterResponse, encodeResendRequest, MSG,
} from '../../core/jt808-messages.ts';
import { createBamReassembler, decodeDm1, encodeDm1, j1939Frames, parseCanId, PGN_DM1 } from '../../core/j1939-can.ts';
import { createSubPackageAssembler } from '../../gateway/subpackages.ts';
import { positionJson } from '../../gateway/session.ts';
import { createFrameReader, type ReaderEvent } from '../../gateway/frame-reader.ts';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

function inner(frame: Buffer): Buffer {
  expect(frame[0]).toBe(0x7e);
  expect(frame[frame.length - 1]).toBe(0x7e);
  return unescapeFrame(frame.subarray(1, -1))!;
}

describe('BCD and time', () => {
  it('decodes BCD digits and refuses non-decimal nibbles', () => {
    expect(decodeBcd(hex('013800138000'), 0, 6)).toBe('013800138000');
    expect(decodeBcd(hex('01A8'), 0, 2)).toBeUndefined();
    expect(encodeBcd('13800138000', 6)).toEqual(hex('013800138000'));
    expect(() => encodeBcd('1234567890123', 6)).toThrow();
  });

  it('reads YYMMDDhhmmss as Beijing time (GMT+8) and returns epoch ms UTC', () => {
    // 2025-11-22 18:00:00 in Beijing is 10:00:00 UTC.
    expect(bcdTimeToEpochMs(hex('251122180000'), 0)).toBe(Date.UTC(2025, 10, 22, 10, 0, 0));
    // Just after midnight in Beijing is the previous day in UTC.
    expect(bcdTimeToEpochMs(hex('260101000500'), 0)).toBe(Date.UTC(2025, 11, 31, 16, 5, 0));
    expect(bcdTimeToEpochMs(hex('250231120000'), 0)).toBeUndefined(); // 31 February
    expect(bcdTimeToEpochMs(hex('251322120000'), 0)).toBeUndefined();
    expect(bcdTimeToEpochMs(hex('2511221200A0'), 0)).toBeUndefined();
    expect(epochMsToBcdTime(Date.UTC(2025, 10, 22, 10, 0, 0))).toEqual(hex('251122180000'));
  });

  it('places a CAN receive time of day on the Beijing day nearest to now', () => {
    const now = Date.UTC(2025, 10, 22, 16, 0, 30); // 00:00:30 on 23 Nov in Beijing
    // 23:59:50.250 Beijing was 40 s ago, on the previous Beijing day.
    expect(bcdTimeOfDayToEpochMs(hex('2359500250'), 0, now)).toBe(Date.UTC(2025, 10, 22, 15, 59, 50, 250));
    expect(bcdTimeOfDayToEpochMs(hex('0000100000'), 0, now)).toBe(Date.UTC(2025, 10, 22, 16, 0, 10));
    expect(bcdTimeOfDayToEpochMs(hex('2460000000'), 0, now)).toBeUndefined();
  });
});

describe('framing', () => {
  it('builds a 2013 heartbeat byte for byte as the standard lays it out', () => {
    // id 0002, properties 0000 (empty body, 2013), phone 013800138000, serial 0001, check code = XOR.
    const message = hex('0002 0000 013800138000 0001');
    const expected = Buffer.concat([Buffer.of(0x7e), message, Buffer.of(xorChecksum(message)), Buffer.of(0x7e)]);
    expect(encodeFrame({ messageId: 0x0002, edition: 2013, phone: '13800138000', serial: 1, encryption: 0 }, Buffer.alloc(0))).toEqual(expected);
  });

  it('builds a 2019 header: version flag bit 14, protocol version, 10-byte phone', () => {
    const frame = encodeFrame({ messageId: 0x0200, edition: 2019, protocolVersion: 1, phone: '13800138000', serial: 0x1234, encryption: 0 }, Buffer.from([1, 2, 3]));
    const m = inner(frame);
    expect(m.subarray(0, 17)).toEqual(hex('0200 4003 01 00000000013800138000 1234'));
    const parsed = parseMessage(m);
    expect(parsed.ok && parsed.frame.header).toEqual({ messageId: 0x0200, edition: 2019, protocolVersion: 1, phone: '00000000013800138000', serial: 0x1234, encryption: 0 });
    expect(parsed.ok && [...parsed.frame.body]).toEqual([1, 2, 3]);
    expect(terminalIdOf('00000000013800138000')).toBe(terminalIdOf('013800138000'));
  });

  it('escapes 0x7E and 0x7D inside the frame and restores them', () => {
    const body = Buffer.from([0x7e, 0x7d, 0x01, 0x02, 0x7e]);
    const frame = encodeFrame({ messageId: 0x0900, edition: 2013, phone: '1', serial: 0x7e7d, encryption: 0 }, body);
    expect(frame.subarray(1, -1).includes(0x7e)).toBe(false);
    const parsed = parseMessage(inner(frame));
    expect(parsed.ok && parsed.frame.body).toEqual(body);
    expect(parsed.ok && parsed.frame.header.serial).toBe(0x7e7d);
    expect(unescapeFrame(hex('01 7d 03 02'))).toBeUndefined();
  });

  it('refuses wrong check codes, truncation, length mismatch and non-BCD phones by reason', () => {
    const good = inner(encodeFrame({ messageId: 0x0002, edition: 2013, phone: '1', serial: 1, encryption: 0 }, Buffer.from([9, 9])));
    const badSum = Buffer.from(good);
    badSum[badSum.length - 1]! ^= 0xff;
    expect(parseMessage(badSum)).toMatchObject({ ok: false, reason: 'bad_checksum' });
    expect(parseMessage(good.subarray(0, 8))).toMatchObject({ ok: false, reason: 'truncated' });
    const longer = Buffer.concat([good.subarray(0, -1), Buffer.of(0)]);
    longer[longer.length - 1] = 0;
    const withSum = Buffer.concat([longer, Buffer.of(xorChecksum(longer))]);
    expect(parseMessage(withSum)).toMatchObject({ ok: false, reason: 'length_mismatch' });
    const badPhone = Buffer.from(good);
    badPhone[4] = 0xab;
    badPhone[badPhone.length - 1] = xorChecksum(badPhone, 0, badPhone.length - 1);
    expect(parseMessage(badPhone)).toMatchObject({ ok: false, reason: 'bad_phone' });
  });

  it('sub-packages a long body with consecutive serials and reassembles it, bounded', () => {
    const body = Buffer.alloc(2500, 7);
    body[0] = 1;
    body[2499] = 2;
    const frames = encodeMessage({ messageId: 0x0704, edition: 2013, phone: '5', serial: 65535, encryption: 0 }, body);
    expect(frames).toHaveLength(3);
    const assembler = createSubPackageAssembler({ maxPending: 2, maxPackages: 8, timeoutMs: 1000 });
    const parsed = frames.map((f) => parseMessage(inner(f))).map((p) => (p.ok ? p.frame : undefined)!);
    expect(parsed.map((f) => f.header.serial)).toEqual([65535, 0, 1]);
    expect(assembler.add(parsed[2]!.header as never, parsed[2]!.body, 0)).toEqual({ kind: 'pending' });
    expect(assembler.add(parsed[0]!.header as never, parsed[0]!.body, 0)).toEqual({ kind: 'pending' });
    const done = assembler.add(parsed[1]!.header as never, parsed[1]!.body, 0);
    expect(done.kind === 'complete' && done.body).toEqual(body);
    expect(done.kind === 'complete' && done.serials).toEqual([65535, 0, 1]);
    expect(assembler.size()).toBe(0);
    // Bounds: too many packages, too many messages at once, and the timeout.
    const header = (serial: number, total: number) => ({ ...parsed[0]!.header, serial, subPackage: { total, index: 1 } });
    expect(assembler.add(header(10, 9), Buffer.alloc(1), 0)).toMatchObject({ kind: 'rejected', reason: 'subpackage_too_large' });
    assembler.add(header(20, 2), Buffer.alloc(1), 0);
    assembler.add(header(30, 2), Buffer.alloc(1), 0);
    expect(assembler.add(header(40, 2), Buffer.alloc(1), 500)).toMatchObject({ kind: 'rejected', reason: 'subpackage_overflow' });
    expect(assembler.expire(2000)).toBe(2);
    expect(assembler.add(header(40, 2), Buffer.alloc(1), 2000)).toEqual({ kind: 'pending' });
  });

  it('reports an incomplete sub-packaged message once, halfway to its timeout, with its missing packages (for 0x8003)', () => {
    const body = Buffer.alloc(40, 7);
    const frames = encodeMessage({ messageId: 0x0704, edition: 2019, phone: '5', serial: 100, encryption: 0, protocolVersion: 1 }, body, 10);
    const parsed = frames.map((f) => parseMessage(inner(f))).map((p) => (p.ok ? p.frame : undefined)!);
    const assembler = createSubPackageAssembler({ maxPending: 2, maxPackages: 8, timeoutMs: 1000 });
    assembler.add(parsed[0]!.header as never, parsed[0]!.body, 0);
    assembler.add(parsed[2]!.header as never, parsed[2]!.body, 0);
    expect(assembler.overdue(500)).toEqual([]);
    const [overdue, ...others] = assembler.overdue(501);
    expect(others).toEqual([]);
    expect(overdue).toMatchObject({ first: 100, missing: [2, 4], header: { messageId: 0x0704, edition: 2019 } });
    expect(assembler.overdue(900)).toEqual([]); // asked once
    // The terminal sends the two again: the message completes with every package's serial to answer.
    expect(assembler.add(parsed[3]!.header as never, parsed[3]!.body, 700)).toEqual({ kind: 'pending' });
    const done = assembler.add(parsed[1]!.header as never, parsed[1]!.body, 700);
    expect(done.kind === 'complete' && done.body).toEqual(body);
    expect(done.kind === 'complete' && done.serials).toEqual([100, 101, 102, 103]);
  });

  it('splits a byte stream into frames, with garbage and oversized frames reported', () => {
    const events: ReaderEvent[] = [];
    const reader = createFrameReader({ maxFrameBytes: 10 });
    reader.push(hex('aa bb 7e 01 02'), (e) => events.push(e));
    reader.push(hex('03 7e 7e 04 7e 05 06 07 08 09 0a 0b 0c 0d 0e 0f 7e 09 7e'), (e) => events.push(e));
    expect(events).toEqual([
      { kind: 'garbage', bytes: 2 },
      { kind: 'frame', escaped: hex('010203') },
      { kind: 'frame', escaped: hex('04') },
      { kind: 'oversized' },
      { kind: 'frame', escaped: hex('09') },
    ]);
  });
});

describe('frame reader on a reused read buffer', () => {
  it('hands whole frames on in place and keeps a frame cut across reads intact when the buffer is overwritten', () => {
    const frames: string[] = [];
    const problems: string[] = [];
    const reader = createFrameReader({ maxFrameBytes: 10 });
    const sink = {
      frame: (buf: Buffer, start: number, end: number) => frames.push(buf.toString('hex', start, end)),
      problem: (kind: string, bytes: number) => problems.push(`${kind}:${bytes}`),
    };
    const readBuffer = Buffer.alloc(16, 0xee);
    const read = (bytes: string) => {
      const chunk = hex(bytes);
      readBuffer.fill(0x7e); // what follows this read's bytes is not part of it
      chunk.copy(readBuffer);
      reader.pushTo(readBuffer, sink, chunk.length);
    };
    read('7e 01 02 7e 7e 03 04');
    read('05 7e aa');
    expect(frames).toEqual(['0102', '030405']);
    expect(problems).toEqual([]);
    expect(reader.bufferedBytes()).toBe(1); // 'aa' after a closing 0x7E: the start of the next frame
  });
});

describe('message bodies', () => {
  it('decodes a location with south/west, GMT+8 time, additional items, skipping unknown ones', () => {
    const ts = Date.UTC(2025, 10, 22, 10, 0, 0);
    const body = encodeLocation({
      alarmBits: 1 << 29, statusBits: 0b11, lat: -33.868_812, lon: -70.655_123, altitudeM: 520, speedKmh: 72.5, heading: 270, ts,
      mileageKm: 123_456.7, fuelL: 310.5, recorderSpeedKmh: 71.9, extraItems: [{ id: 0x30, value: Buffer.of(31) }, { id: 0xe1, value: Buffer.alloc(9) }],
    });
    // Raw layout: status word has south (bit 2) and west (bit 3) set, latitude stored unsigned ×10⁶.
    expect(body.readUInt32BE(4)).toBe(0b1111);
    expect(body.readUInt32BE(8)).toBe(33_868_812);
    expect(body.subarray(22, 28)).toEqual(hex('251122180000'));
    const decoded = decodeLocation(body);
    expect(decoded).toEqual({
      ok: true,
      value: {
        alarmBits: 1 << 29, statusBits: 0b1111, lat: -33.868812, lon: -70.655123, altitudeM: 520, speedKmh: 72.5, heading: 270, ts,
        mileageKm: 123456.7, fuelL: 310.5, recorderSpeedKmh: 71.9,
      },
    });
    expect(decodeLocation(body.subarray(0, 20)).ok).toBe(false);
    const cut = Buffer.concat([body, Buffer.of(0x01, 0x04, 0x00)]);
    expect(decodeLocation(cut)).toMatchObject({ ok: false });
  });

  it('decodes a 0x0704 batch and keeps the good items when one is bad', () => {
    const items = [0, 1, 2].map((i) => ({ lat: 30 + i, lon: 120, ts: Date.UTC(2025, 0, 1, 0, i) }));
    const body = encodeLocationBatch(1, items);
    body[3 + 2 + 22 + 2] = 0xff; // the first item's BCD day (item at 5, time at +22, day at +2) → that item alone is rejected
    const decoded = decodeLocationBatch(body);
    expect(decoded.ok && decoded.value.type).toBe(1);
    expect(decoded.ok && decoded.value.items.map((i) => i.lat)).toEqual([31, 32]);
    expect(decoded.ok && decoded.value.rejected).toHaveLength(1);
    expect(decodeLocationBatch(body.subarray(0, body.length - 3)).ok).toBe(false);
  });

  it('lays out 0x8001 and 0x8100 answers as the standard does', () => {
    // 0x8001: reply serial WORD, reply id WORD, result BYTE.
    expect(encodeGeneralResponse({ replySerial: 0x1234, replyId: 0x0200, result: 0 })).toEqual(hex('1234 0200 00'));
    expect(decodeGeneralResponse(hex('0007 0102 01'))).toEqual({ ok: true, value: { replySerial: 7, replyId: 0x0102, result: 1 } });
    // 0x8100: reply serial WORD, result BYTE, auth code STRING only on success.
    expect(encodeRegisterResponse({ replySerial: 2, result: 0, authCode: 'AbC1' })).toEqual(Buffer.concat([hex('0002 00'), Buffer.from('AbC1')]));
    expect(encodeRegisterResponse({ replySerial: 2, result: 4, authCode: 'x' })).toEqual(hex('0002 04'));
    expect(decodeRegisterResponse(hex('0002 00 41 42'))).toEqual({ ok: true, value: { replySerial: 2, result: 0, authCode: 'AB' } });
  });

  it('round-trips register (2013 and 2019 widths, GBK plate) and authentication bodies', () => {
    const jingA = Buffer.concat([Buffer.of(0xbe, 0xa9), Buffer.from('A12345')]); // 京A12345 in GBK
    for (const edition of [2013, 2019] as const) {
      const body = encodeRegister({ province: 31, city: 100, manufacturer: 'M1', model: 'X', terminalModelId: 'T1', plateColor: 2, plate: jingA }, edition);
      expect(body.length).toBe(edition === 2013 ? 37 + 8 : 76 + 8);
      expect(decodeRegister(body, edition)).toEqual({ ok: true, value: { edition, province: 31, city: 100, manufacturer: 'M1', model: 'X', terminalModelId: 'T1', plateColor: 2, plate: '京A12345' } });
    }
    expect(decodeRegister(Buffer.alloc(10), 2013).ok).toBe(false);
    expect(decodeAuth(encodeAuth({ authCode: 'abc' }, 2013), 2013)).toEqual({ ok: true, value: { authCode: 'abc' } });
    expect(decodeAuth(encodeAuth({ authCode: 'abc', imei: '860000000000001', softwareVersion: 'v1' }, 2019), 2019))
      .toEqual({ ok: true, value: { authCode: 'abc', imei: '860000000000001', softwareVersion: 'v1' } });
    expect(decodeAuth(Buffer.of(3, 0x61), 2019).ok).toBe(false);
  });
});

describe('JT/T 808-2011 registration and the 0x8003 re-send request', () => {
  const jingA = Buffer.concat([Buffer.of(0xbe, 0xa9), Buffer.from('A12345')]); // 京A12345 in GBK
  const fields = { province: 44, city: 300, manufacturer: 'MK011', model: 'M2011', terminalModelId: 'ID20111' };

  it('reads a 2011 body (8-byte terminal model) under the shared 2011/2013 header, with a plate or a VIN', () => {
    // 2011: province WORD, city WORD, maker BYTE[5], model BYTE[8], terminal id BYTE[7], colour BYTE, plate STRING.
    const plated = Buffer.concat([hex('002C 012C'), Buffer.from('MK011'), Buffer.from('M2011\0\0\0'), Buffer.from('ID20111'), Buffer.of(1), jingA]);
    expect(plated.length).toBe(25 + 8);
    expect(encodeRegister({ ...fields, plateColor: 1, plate: jingA }, 2011)).toEqual(plated);
    expect(decodeRegister(plated, 2013)).toEqual({ ok: true, value: { edition: 2011, ...fields, plateColor: 1, plate: '京A12345' } });
    // Unlicensed: colour 0 and the VIN as plate — 42 bytes, longer than a 2013 body's fixed part (37).
    const vin = 'LFWJT808000000011';
    const unlicensed = encodeRegister({ ...fields, plateColor: 0, plate: vin }, 2011);
    expect(unlicensed.length).toBe(42);
    expect(decodeRegister(unlicensed, 2013)).toEqual({ ok: true, value: { edition: 2011, ...fields, plateColor: 0, plate: vin } });
    // The same fields as 2013 stay 2013, with either plate.
    for (const [plateColor, plate] of [[2, jingA], [0, vin]] as const) {
      const body = encodeRegister({ ...fields, plateColor, plate }, 2013);
      expect(decodeRegister(body, 2013)).toMatchObject({ ok: true, value: { edition: 2013, model: 'M2011', plateColor } });
    }
  });

  it('encodes and decodes 0x8003: first serial WORD, count BYTE (2011/2013) or WORD (2019), package numbers WORD', () => {
    expect(encodeResendRequest({ originalSerial: 0x0102, packages: [2, 5] }, 2013)).toEqual(hex('0102 02 0002 0005'));
    expect(encodeResendRequest({ originalSerial: 0x0102, packages: [2, 5] }, 2019)).toEqual(hex('0102 0002 0002 0005'));
    expect(decodeResendRequest(hex('0102 02 0002 0005'), 2013)).toEqual({ ok: true, value: { originalSerial: 0x0102, packages: [2, 5] } });
    expect(decodeResendRequest(hex('0102 0002 0002 0005'), 2019)).toEqual({ ok: true, value: { originalSerial: 0x0102, packages: [2, 5] } });
    expect(decodeResendRequest(hex('0102 03 0002 0005'), 2013).ok).toBe(false);
    expect(decodeResendRequest(hex('01'), 2019).ok).toBe(false);
  });
});

describe('position JSON written by hand (gateway/session.ts)', () => {
  it('is the contract\'s position object, optional fields only when present, nothing without a fix', () => {
    const report = { alarmBits: 1, statusBits: 0b1111, lat: -33.865143, lon: -151.2099, altitudeM: 12, speedKmh: 72.5, heading: 359, ts: 1_763_805_600_000 };
    expect(JSON.parse(positionJson({ ...report, mileageKm: 123_456.7, fuelL: 301.5, recorderSpeedKmh: 71 }, 7)!)).toEqual({
      ts: 1_763_805_600_000, seq: 7, lat: -33.865143, lon: -151.2099, speedKmh: 72.5, heading: 359, odometerKm: 123_456.7, ignition: true,
      altitudeM: 12, fuelL: 301.5, recorderSpeedKmh: 71, alarmBits: 1, statusBits: 15,
    });
    expect(JSON.parse(positionJson({ ...report, speedKmh: 6553.5, statusBits: 0b10 })!)).toEqual({
      ts: 1_763_805_600_000, lat: -33.865143, lon: -151.2099, heading: 359, ignition: false, altitudeM: 12, alarmBits: 1, statusBits: 2,
    });
    expect(positionJson({ ...report, statusBits: 0b01 })).toBeUndefined();
  });
});

describe('J1939 over 0x0705', () => {
  const lamps = { mil: false, redStop: true, amberWarning: false, protect: false };
  const dtcs = [{ spn: 100, fmi: 1, oc: 3 }, { spn: 110, fmi: 0, oc: 2 }, { spn: 520_192, fmi: 31, oc: 126 }];

  it('reads the 29-bit identifier of a DM1 and of the transport protocol', () => {
    expect(parseCanId(0x18feca00)).toEqual({ priority: 6, pgn: PGN_DM1, source: 0, destination: 0xff });
    expect(parseCanId(0x1cecff03)).toEqual({ priority: 7, pgn: 0xec00, source: 3, destination: 0xff });
  });

  it('decodes a single-frame DM1 laid out per J1939-73 (lamps, SPN/FMI/OC)', () => {
    // Amber lamp on (bits 4–3 = 01), SPN 110 = 0x6E, FMI 0, OC 5; SPN 0 / all-ones fillers are not codes.
    expect(decodeDm1(hex('04 ff 6e 00 00 05 ff ff'))).toEqual({ lamps: { mil: false, redStop: false, amberWarning: true, protect: false }, dtcs: [{ spn: 110, fmi: 0, oc: 5 }] });
    expect(decodeDm1(hex('00 ff 00 00 00 00 ff ff'))!.dtcs).toEqual([]);
    expect(decodeDm1(encodeDm1({ lamps, dtcs }))).toEqual({ lamps, dtcs });
  });

  it('reassembles a 3-DTC DM1 from BAM + TP.DT and refuses out-of-order, orphan and excess transfers', () => {
    const frames = j1939Frames(0x00, PGN_DM1, encodeDm1({ lamps, dtcs }));
    expect(frames).toHaveLength(3); // announce + 2 packets for 14 bytes
    const bam = createBamReassembler({ maxTransfers: 1, timeoutMs: 1000 });
    expect(bam.accept(frames[0]!, 0)).toEqual({ kind: 'pending' });
    expect(bam.accept(frames[1]!, 0)).toEqual({ kind: 'pending' });
    const done = bam.accept(frames[2]!, 0);
    expect(done.kind === 'complete' && decodeDm1(done.payload)).toEqual({ lamps, dtcs });
    expect(bam.accept(frames[2]!, 0)).toMatchObject({ kind: 'rejected', reason: 'bam_orphan_packet' });
    bam.accept(frames[0]!, 0);
    expect(bam.accept(frames[2]!, 0)).toMatchObject({ kind: 'rejected', reason: 'bam_out_of_order' });
    bam.accept(frames[0]!, 0);
    const other = j1939Frames(0x03, PGN_DM1, encodeDm1({ lamps, dtcs }));
    expect(bam.accept(other[0]!, 10)).toMatchObject({ kind: 'rejected', reason: 'bam_too_many' });
    expect(bam.accept(other[0]!, 2000)).toEqual({ kind: 'pending' }); // the stale one expired
    expect(bam.accept(frames[1]!, 2000)).toMatchObject({ kind: 'rejected', reason: 'bam_orphan_packet' });
  });

  it('carries CAN frames in a 0x0705 body with the receive time', () => {
    const now = Date.UTC(2025, 10, 22, 10, 0, 0, 0);
    const frames = j1939Frames(0, PGN_DM1, encodeDm1({ lamps, dtcs }));
    const decoded = decodeCanData(encodeCanData(now - 1500, frames), now);
    expect(decoded.ok && decoded.value.receivedAt).toBe(now - 1500);
    expect(decoded.ok && decoded.value.frames.map((f) => [f.id, f.extended, [...f.data]])).toEqual(frames.map((f) => [f.id, true, [...f.data]]));
    expect(decodeCanData(Buffer.alloc(8), now).ok).toBe(false);
  });

  it('exposes the message ids of the standard', () => {
    expect([MSG.register, MSG.authenticate, MSG.location, MSG.locationBatch, MSG.canData]).toEqual([0x0100, 0x0102, 0x0200, 0x0704, 0x0705]);
  });
});
