// `npm run simulate:stations -- [--api <url>] [--accept 0.9] [--median-response-s 90] [--speedup 1] …`
// Env: API_URL (or API_PORT), JWT_SECRET (sign each station's own token) and/or API_TOKEN (agent/admin).
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ConfigError } from '../infra/config.ts';
import { signToken } from '../infra/jwt.ts';
import { createCallCenter } from './call-center.ts';
import { CliOptionError, intOption, numberOption } from './cli-options.ts';
import { createRandom } from '../core/prng.ts';
import { createRescueApiClient } from './rescue-api-client.ts';
import { DEFAULT_STATION_BEHAVIOUR } from './station-behaviour.ts';
import { createStationResponder } from './station-responder.ts';
import { readStationsEnvConfig } from './stations-config.ts';
import { onStopSignals } from '../infra/shutdown.ts';

const USAGE = `usage: npm run simulate:stations -- [--api <url>] [--accept 0.9] [--median-response-s 90] [--response-sigma 0.5]
         [--towed 0.15] [--repair-median-min 90] [--speedup 1] [--poll-ms 2000] [--seed 1] [--silent <stationId,…>]
         [--call-center] [--agent-reaction-s 60] [--duration <s>] [--stats-file <file>] [--quiet]
env: API_URL (or API_PORT), JWT_SECRET (each station signs its own token) and/or API_TOKEN (agent/admin token)`;

function parse() {
  const { values } = parseArgs({
    options: {
      api: { type: 'string' }, accept: { type: 'string' }, 'median-response-s': { type: 'string' }, 'response-sigma': { type: 'string' },
      towed: { type: 'string' }, 'repair-median-min': { type: 'string' }, speedup: { type: 'string' }, 'poll-ms': { type: 'string' },
      seed: { type: 'string' }, silent: { type: 'string' }, duration: { type: 'string' }, 'stats-file': { type: 'string' },
      'call-center': { type: 'boolean' }, 'agent-reaction-s': { type: 'string' }, quiet: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  const d = DEFAULT_STATION_BEHAVIOUR;
  return {
    help: values.help === true,
    api: values.api,
    behaviour: {
      ...d,
      acceptProbability: numberOption('--accept', values.accept, d.acceptProbability, 0, 1),
      responseMedianS: numberOption('--median-response-s', values['median-response-s'], d.responseMedianS, 0.01, 86_400),
      responseSigma: numberOption('--response-sigma', values['response-sigma'], d.responseSigma, 0, 5),
      towedShare: numberOption('--towed', values.towed, d.towedShare, 0, 1),
      repairMedianS: numberOption('--repair-median-min', values['repair-median-min'], d.repairMedianS / 60, 0.01, 7 * 1440) * 60,
    },
    speedup: numberOption('--speedup', values.speedup, 1, 0.01, 100_000),
    pollMs: intOption('--poll-ms', values['poll-ms'], 2000, 50, 600_000),
    seed: intOption('--seed', values.seed, 1, 0, 2 ** 32 - 1),
    silent: new Set((values.silent ?? '').split(',').map((s) => s.trim()).filter(Boolean)),
    durationS: values.duration === undefined ? undefined : numberOption('--duration', values.duration, 0, 0.1, 10 * 365 * 86_400),
    statsFile: values['stats-file'],
    callCenter: values['call-center'] === true,
    agentReactionS: numberOption('--agent-reaction-s', values['agent-reaction-s'], 60, 0.01, 86_400),
    quiet: values.quiet === true,
  };
}

async function main(): Promise<void> {
  const options = parse();
  if (options.help) {
    process.stdout.write(USAGE + '\n');
    return;
  }
  const env = readStationsEnvConfig(options.api ? { ...process.env, API_URL: options.api } : process.env);
  const jwt = env.jwt;
  const watchToken = env.apiToken ?? (await signToken(jwt!, { sub: 'station-simulator', role: 'agent' }, '30d'));
  const stationTokens = new Map<string, Promise<string>>();
  const api = createRescueApiClient({
    baseUrl: env.apiUrl,
    watchToken,
    stationToken: async (stationId) => {
      if (!jwt) return undefined;
      let token = stationTokens.get(stationId);
      if (!token) {
        token = signToken(jwt, { sub: `station-simulator-${stationId}`, role: 'station', stationId }, '30d');
        stationTokens.set(stationId, token);
      }
      return token;
    },
  });
  const log = (line: string) => {
    if (!options.quiet) process.stderr.write(`stations: ${line}\n`);
  };
  const responder = createStationResponder({
    api, rng: createRandom(options.seed ^ 0x57a7), behaviour: options.behaviour, speedup: options.speedup,
    silentStations: options.silent, now: Date.now, log,
  });

  const callCenter = options.callCenter
    ? createCallCenter({ api, rng: createRandom(options.seed ^ 0xca11), reactionMedianS: options.agentReactionS, speedup: options.speedup, unreachable: options.silent, now: Date.now })
    : undefined;
  let busy = false;
  let lastPoll = 0;
  let lastPollError = '';
  const loop = setInterval(() => {
    if (busy) return;
    busy = true;
    void (async () => {
      try {
        if (Date.now() - lastPoll >= options.pollMs) {
          lastPoll = Date.now();
          await responder.poll().then(() => { lastPollError = ''; }, (err: unknown) => {
            const message = err instanceof Error ? err.message : String(err);
            if (message !== lastPollError) process.stderr.write(`stations: cannot poll the API (${message}); retrying\n`);
            lastPollError = message;
          });
          await callCenter?.poll().catch(() => undefined);
        }
        await responder.runDue();
      } finally {
        busy = false;
      }
    })();
  }, 100);
  const report = setInterval(() => {
    const s = responder.stats();
    process.stderr.write(`stations: offers ${s.offersSeen} · accepted ${s.accepted} · declined ${s.declined} · ignored ${s.ignored} · ` +
      `on site ${s.onSite} · resolved ${s.resolved} · towed ${s.towed} · closed ${s.closed} · refused ${s.refused} · errors ${s.errors}\n`);
  }, options.quiet ? 60_000 : 10_000);

  let stopping = false;
  const finish = (reason: string) => {
    if (stopping) return;
    stopping = true;
    clearInterval(loop);
    clearInterval(report);
    const summary = JSON.stringify({ event: 'stations-summary', reason, ...responder.stats(), ...(callCenter ? { callCenter: callCenter.stats() } : {}) });
    if (options.statsFile) writeFileSync(options.statsFile, summary + '\n');
    process.stdout.write(summary + '\n');
    process.exit(0);
  };
  onStopSignals(finish);
  if (options.durationS !== undefined) setTimeout(() => finish('duration'), (options.durationS * 1000) / options.speedup);
  process.stderr.write(`stations: answering offers at ${env.apiUrl} as ${jwt ? 'each station (own station token)' : 'agent on behalf of stations'}` +
    ` (accept ${options.behaviour.acceptProbability}, median response ${options.behaviour.responseMedianS} s, speedup ×${options.speedup})\n`);
}

main().catch((err: unknown) => {
  if (err instanceof CliOptionError || err instanceof ConfigError) {
    process.stderr.write(`simulate:stations: ${err.message}\n${USAGE}\n`);
    process.exit(2);
  }
  process.stderr.write(`simulate:stations: fatal: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
