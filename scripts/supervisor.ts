// `npm start`: ingest + gateway (JT/T 808) + dispatcher + maintenance scheduler + api under one supervisor on a single box. Configuration comes from
// the environment exactly as for the single-process scripts (README, configuration table).
import { createSupervisor } from '../infra/supervisor.ts';
import { onStopSignals } from '../infra/shutdown.ts';
import { SCHEDULER_NODE_FLAGS } from '../scheduler/config.ts';

const env = Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined));
const supervisor = createSupervisor({
  children: ['ingest', 'gateway', 'dispatcher', 'scheduler', 'api'].map((name) => ({
    name,
    // `node --import tsx` runs the entry in this very process: a signal reaches the service itself.
    command: process.execPath,
    args: [...(name === 'scheduler' ? SCHEDULER_NODE_FLAGS : []), '--import', 'tsx', `${name}/main.ts`],
    env,
    output: 'inherit-prefixed' as const,
  })),
  onFatal: () => void shutdown(2),
});

let exiting = false;
async function shutdown(code: number): Promise<void> {
  if (exiting) return;
  exiting = true;
  await supervisor.stop();
  process.exit(code);
}
onStopSignals(() => void shutdown(0));
supervisor.start();
