// MQTT topics of the device contract (docs/protocol.md). The root is `fleet/v1` in every deployment;
// it is a parameter only so that test files can use isolated namespaces on one broker.

export const DEFAULT_TOPIC_ROOT = 'fleet/v1';
/** `alarm`: critical terminal alarms (SOS, collision, rollover) from the JT/T 808 gateway, core/alarm.ts. */
export type DeviceChannel = 'position' | 'dm1' | 'status' | 'alarm';
export const DEVICE_CHANNELS: readonly DeviceChannel[] = ['position', 'dm1', 'status', 'alarm'];

export function deviceTopic(root: string, vin: string, channel: DeviceChannel): string {
  return `${root}/${vin}/${channel}`;
}

/**
 * Retained `online` / `offline` of one JT/T 808 gateway process (`offline` is its MQTT last will, docs/jt808.md).
 * One level deeper than the device topics, so the device subscriptions (`{root}/+/+`) never receive it.
 */
export function gatewayStatusTopic(root: string, gatewayId: string): string {
  return `${root}/gateway/${gatewayId}/status`;
}

/** Subscription filter for one channel of every truck; `shareGroup` makes it a shared subscription. */
export function deviceFilter(root: string, channel: DeviceChannel | '+', shareGroup?: string): string {
  const filter = `${root}/+/${channel}`;
  return shareGroup ? `$share/${shareGroup}/${filter}` : filter;
}

/** Splits a received topic into VIN and channel; undefined when it is not a device topic under `root`. */
export function parseDeviceTopic(root: string, topic: string): { vin: string; channel: DeviceChannel } | undefined {
  if (!topic.startsWith(root + '/')) return undefined;
  const rest = topic.slice(root.length + 1).split('/');
  if (rest.length !== 2) return undefined;
  const [vin, channel] = rest as [string, string];
  if (!(DEVICE_CHANNELS as readonly string[]).includes(channel)) return undefined;
  return { vin, channel: channel as DeviceChannel };
}
