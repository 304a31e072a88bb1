// Helpers for the gateway tests: spawn the real gateway process against the test namespace, put vehicles in
// the registry and bind terminals through the same use case the API uses, scrape the gateway's metrics.
import type { Redis } from 'ioredis';
import { freePort } from '../../infra/local-services.ts';
import { createRegistryStore } from '../../infra/registry-store.ts';
import { createTerminalStore } from '../../infra/terminal-store.ts';
import { createTerminalBinding, type TerminalBinding } from '../../terminals/terminal-binding.ts';
import type { Vehicle } from '../../core/registry.ts';
import type { TestServices } from '../harness/context.ts';
import { waitFor } from '../harness/context.ts';
import { spawnService, type ServiceProcess } from '../harness/processes.ts';

export interface GatewayProcess {
  process: ServiceProcess;
  port: number;
  metricsPort: number;
}

/** Starts gateway/main.ts and waits until it listens and its broker connection is up. */
export async function startGateway(services: TestServices, extra: Record<string, string> = {}, ports?: { port: number; metricsPort: number }): Promise<GatewayProcess> {
  const port = ports?.port ?? (await freePort());
  const metricsPort = ports?.metricsPort ?? (await freePort());
  const process = spawnService('gateway/main.ts', services.env({
    // The harness ACL gives service accounts the production root only; test roots are reached with ops.
    MQTT_USERNAME: services.accounts.ops.username,
    MQTT_PASSWORD: services.accounts.ops.password,
    JT808_HOST: '127.0.0.1',
    JT808_PORT: String(port),
    JT808_METRICS_PORT: String(metricsPort),
    JT808_MQTT_CLIENT_ID: `gw-${services.namespace}-${port}`,
    LOG_LEVEL: 'info',
    ...extra,
  }));
  await waitFor(async () => {
    if (process.child.exitCode !== null) throw new Error(`gateway exited: ${process.output()}`);
    const res = await fetch(`http://127.0.0.1:${metricsPort}/health`).catch(() => undefined);
    return res?.status === 200;
  }, { what: 'gateway ready', timeoutMs: 30_000 });
  return { process, port, metricsPort };
}

export async function stopGateway(gateway: GatewayProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  gateway.process.kill(signal);
  await gateway.process.exited();
}

export function terminalBinding(redis: Redis, prefix: string): TerminalBinding {
  return createTerminalBinding({ store: createTerminalStore({ redis, prefix }), vehicles: createRegistryStore({ redis, prefix }) });
}

/** Registers the vehicles (active unless said otherwise) and binds each to its terminal phone. */
export async function fitTerminals(redis: Redis, prefix: string, fits: ReadonlyArray<{ vin: string; phone?: string; plate?: string; active?: boolean }>, customerId = 'cust-gw'): Promise<void> {
  const registry = createRegistryStore({ redis, prefix });
  await registry.putMany('vehicle', fits.map((f): Vehicle => ({ vin: f.vin, customerId, active: true, ...(f.plate ? { plate: f.plate } : {}) })));
  const binding = terminalBinding(redis, prefix);
  for (const f of fits) if (f.phone) await binding.bind({ id: f.phone, protocol: 'jt808', vin: f.vin });
  const inactive = fits.filter((f) => f.active === false);
  if (inactive.length) await registry.putMany('vehicle', inactive.map((f): Vehicle => ({ vin: f.vin, customerId, active: false, ...(f.plate ? { plate: f.plate } : {}) })));
}

/** Parsed Prometheus samples `name{labels} value` of the gateway. */
export async function scrape(metricsPort: number): Promise<Array<{ name: string; labels: string; value: number }>> {
  const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  return text.split('\n').flatMap((line) => {
    const m = /^([a-z_0-9]+)(\{[^}]*\})? ([0-9.e+-]+)$/.exec(line);
    return m ? [{ name: m[1]!, labels: m[2] ?? '', value: Number(m[3]) }] : [];
  });
}

export async function counter(metricsPort: number, name: string, label?: string): Promise<number> {
  return (await scrape(metricsPort)).filter((s) => s.name === name && (!label || s.labels.includes(label))).reduce((sum, s) => sum + s.value, 0);
}
