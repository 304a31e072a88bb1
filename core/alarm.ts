// The alarm contract of terminals that report alarm flags (JT/T 808 0x0200): `{root}/{vin}/alarm`, one
// message per newly raised critical alarm, published by the gateway. The schema is the producer's check and
// the consumer's validation. Alarm bits that are not critical travel on the position itself (`alarmBits`).
import { Type, type Static } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';

export const ALARM_CHANNEL = 'alarm';

export function alarmTopic(root: string, vin: string): string {
  return `${root}/${vin}/${ALARM_CHANNEL}`;
}

/** Alarms that open a critical rescue case, with their JT/T 808 alarm-flag bit. */
export const CRITICAL_ALARM_BITS = { sos: 0, collision: 29, rollover: 30 } as const;
export type CriticalAlarm = keyof typeof CRITICAL_ALARM_BITS;
export const CRITICAL_ALARMS = Object.keys(CRITICAL_ALARM_BITS) as CriticalAlarm[];
export const CRITICAL_ALARM_MASK = CRITICAL_ALARMS.reduce((mask, name) => (mask | (1 << CRITICAL_ALARM_BITS[name])) >>> 0, 0);

/** Reported fault text of each critical alarm, zh-CN and English (cases, console, notifications). */
export const CRITICAL_ALARM_LABELS: Readonly<Record<CriticalAlarm, { 'zh-CN': string; en: string }>> = {
  sos: { 'zh-CN': '紧急报警（SOS）', en: 'Emergency alarm (SOS)' },
  collision: { 'zh-CN': '碰撞报警', en: 'Collision alarm' },
  rollover: { 'zh-CN': '侧翻报警', en: 'Rollover alarm' },
};

export function criticalAlarmsOf(alarmBits: number): CriticalAlarm[] {
  return CRITICAL_ALARMS.filter((name) => ((alarmBits >>> CRITICAL_ALARM_BITS[name]) & 1) === 1);
}

export const AlarmMessageSchema = Type.Object(
  {
    ts: Type.Integer({ minimum: Date.UTC(2000, 0, 1), description: 'Device time of the location that raised it, epoch ms UTC' }),
    lat: Type.Optional(Type.Number({ minimum: -90, maximum: 90, description: 'Absent when the terminal had no fix' })),
    lon: Type.Optional(Type.Number({ minimum: -180, maximum: 180 })),
    alarms: Type.Array(Type.Union(CRITICAL_ALARMS.map((a) => Type.Literal(a))), { minItems: 1, maxItems: CRITICAL_ALARMS.length, uniqueItems: true }),
    alarmBits: Type.Integer({ minimum: 0, maximum: 0xffff_ffff, description: 'All alarm flags of that location (JT/T 808 table 24)' }),
    speedKmh: Type.Optional(Type.Number({ minimum: 0, maximum: 400 })),
  },
  { additionalProperties: false, $id: 'AlarmMessage' },
);
export type AlarmMessage = Static<typeof AlarmMessageSchema>;

const alarmCheck = TypeCompiler.Compile(AlarmMessageSchema);

/** The consumer's validation of an `alarm` message (already JSON-parsed): the message, or what is wrong with it. */
export function checkAlarmMessage(parsed: unknown): { ok: true; value: AlarmMessage } | { ok: false; detail: string } {
  if (alarmCheck.Check(parsed)) {
    if ((parsed.lat === undefined) !== (parsed.lon === undefined)) return { ok: false, detail: 'lat and lon come together' };
    return { ok: true, value: parsed };
  }
  const first = alarmCheck.Errors(parsed).First();
  return { ok: false, detail: first ? `${first.path || '/'}: ${first.message}`.slice(0, 200) : 'invalid alarm message' };
}

/** The reported fault of a case opened by alarms, in both languages (`紧急报警（SOS） / Emergency alarm (SOS)`). */
export function alarmDescription(alarms: readonly CriticalAlarm[]): string {
  const zh = alarms.map((a) => CRITICAL_ALARM_LABELS[a]['zh-CN']).join('、');
  const en = alarms.map((a) => CRITICAL_ALARM_LABELS[a].en).join(', ');
  return `${zh} / ${en}`;
}
