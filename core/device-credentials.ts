import { createHmac } from 'node:crypto';

/**
 * A truck's MQTT password, derived from the fleet's device key and its VIN (HMAC-SHA256, base64url).
 * Provisioning writes the broker account from it; the device (or simulator) holding the key derives the same.
 * Rotating DEVICE_KEY re-keys every truck at once.
 */
export function devicePassword(deviceKey: string, vin: string): string {
  return createHmac('sha256', deviceKey).update(`mqtt:${vin}`).digest('base64url');
}
