// Redis keys of terminal bindings (a JT/T 808 terminal ↔ the vehicle it is fitted to). `prefix` is REDIS_PREFIX.

export function terminalKeys(prefix: string) {
  return {
    /** Hash of one terminal: id, protocol, vin, boundAt, authCodeHash, registeredAt. */
    terminal: (terminalId: string) => `${prefix}:terminal:${terminalId}`,
    /** String: the terminal id currently fitted to a vehicle. */
    terminalOfVehicle: (vin: string) => `${prefix}:terminal-of-vehicle:${vin}`,
    /** Hash vin → id of the JT/T 808 gateway that published the vehicle's `online` (cleared with its `offline`). */
    gatewayOfVehicle: () => `${prefix}:jt808-gateway-of-vehicle`,
  };
}
