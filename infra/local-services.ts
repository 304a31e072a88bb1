// Starts private redis-server, mosquitto and influxd (1.x, Debian) on loopback for the demo and the
// test harness. Each service gets its own directory and free ports; nothing touches standard ports.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, writeFileSync, existsSync, readFileSync, appendFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { join } from 'node:path';
import { mosquittoAcl, mosquittoPasswordLine } from './mosquitto-auth.ts';

export interface LocalService {
  readonly name: string;
  readonly url: string;
  readonly port: number;
  readonly dir: string;
  readonly child: ChildProcess;
  /** SIGTERM, then SIGKILL after a grace period; resolves when the process has exited. */
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function which(candidates: string[]): string {
  for (const path of candidates) if (existsSync(path)) return path;
  return candidates[candidates.length - 1]!;
}

async function waitUntil(what: string, child: ChildProcess, probe: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const started = Date.now();
  let exited: string | undefined;
  child.once('exit', (code, signal) => {
    exited = `exited with ${code ?? signal}`;
  });
  while (Date.now() - started < timeoutMs) {
    if (exited) throw new Error(`${what} ${exited} during start-up`);
    if (await probe().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${what} did not become ready within ${timeoutMs} ms`);
}

function tcpOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function redisPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.setTimeout(1000, () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => {
      socket.destroy();
      resolve(data.toString().startsWith('+PONG'));
    });
    socket.once('error', () => resolve(false));
  });
}

function stopper(child: ChildProcess, graceMs = 10_000): () => Promise<void> {
  return () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      child.kill('SIGTERM');
    });
}

/** Services still running; killed when this process exits, however it exits short of SIGKILL. */
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGTERM');
});

function launch(command: string, args: string[], logFile: string): ChildProcess {
  // One descriptor for the whole life of the process: its last lines can arrive after 'exit' (its pipes close
  // later), when the caller may already have removed the directory — reopening the path per chunk then threw ENOENT
  // out of the data handler and failed a test run that had passed (the failover test's teardown).
  const log = createWriteStream(logFile, { flags: 'a' });
  log.on('error', () => {}); // a lost log line must not take the process that started the service down
  // Own process group: a Ctrl-C in the terminal reaches only our supervisor, which stops our processes
  // first and the backing services last (they must outlive their clients' graceful shutdown).
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  live.add(child);
  child.once('exit', () => live.delete(child));
  child.stdout?.pipe(log, { end: false });
  child.stderr?.pipe(log, { end: false });
  child.once('close', () => log.end());
  return child;
}

export async function startRedis(opts: { dir: string; port?: number }): Promise<LocalService> {
  mkdirSync(opts.dir, { recursive: true });
  const port = opts.port ?? (await freePort());
  const child = launch(
    which(['/usr/bin/redis-server', 'redis-server']),
    [
      '--port', String(port), '--bind', '127.0.0.1', '--dir', opts.dir,
      '--appendonly', 'yes', '--appendfsync', 'everysec', '--maxmemory-policy', 'noeviction',
      '--save', '', '--daemonize', 'no', '--protected-mode', 'yes', '--loglevel', 'warning',
    ],
    join(opts.dir, 'redis.log'),
  );
  await waitUntil('redis-server', child, () => redisPing(port));
  return { name: 'redis', url: `redis://127.0.0.1:${port}`, port, dir: opts.dir, child, stop: stopper(child) };
}

export interface MosquittoAccounts {
  /** Account the ingester(s) use. */
  readonly ingester: { username: string; password: string };
  /** Operations account (simulators' load mode, tests, provisioning checks). */
  readonly ops: { username: string; password: string };
}

export async function startMosquitto(opts: {
  dir: string;
  port?: number;
  topicRoot?: string;
  accounts: MosquittoAccounts;
  /** Extra truck accounts (username = VIN). More can be added later with the provisioning script. */
  trucks?: ReadonlyArray<{ username: string; password: string }>;
  maxQueuedMessages?: number;
  /** Further ingester accounts (one per instance where client ids are bound to usernames). */
  extraIngesters?: ReadonlyArray<{ username: string; password: string }>;
  /** Accounts that only connect (e.g. the API's health check): no read rights, no device subtree of their own. */
  serviceAccounts?: ReadonlyArray<{ username: string; password: string }>;
  /** JT/T 808 gateway accounts: publish the device channels of any VIN, read nothing. */
  gateways?: ReadonlyArray<{ username: string; password: string }>;
  /**
   * `use_username_as_clientid`: the client id becomes the authenticated username, so no client can take over
   * another's session. Every ingester instance then needs its own account.
   */
  clientIdFromUsername?: boolean;
}): Promise<LocalService & { passwordFile: string; aclFile: string }> {
  mkdirSync(opts.dir, { recursive: true });
  const port = opts.port ?? (await freePort());
  const topicRoot = opts.topicRoot ?? 'fleet/v1';
  const passwordFile = join(opts.dir, 'passwd');
  const aclFile = join(opts.dir, 'acl');
  const confFile = join(opts.dir, 'mosquitto.conf');
  const existing = existsSync(passwordFile) ? readFileSync(passwordFile, 'utf8') : '';
  const known = new Set(existing.split('\n').filter(Boolean).map((line) => line.split(':')[0]));
  const lines: string[] = [];
  const accounts = [opts.accounts.ingester, ...(opts.extraIngesters ?? []), opts.accounts.ops, ...(opts.serviceAccounts ?? []), ...(opts.gateways ?? []), ...(opts.trucks ?? [])];
  for (const account of accounts) {
    if (!known.has(account.username)) lines.push(mosquittoPasswordLine(account.username, account.password));
  }
  if (lines.length) appendFileSync(passwordFile, lines.join('\n') + '\n');
  const ingesters = [opts.accounts.ingester, ...(opts.extraIngesters ?? [])].map((a) => a.username);
  writeFileSync(aclFile, mosquittoAcl(topicRoot, { ingester: ingesters, ops: opts.accounts.ops.username, gateway: (opts.gateways ?? []).map((a) => a.username) }));
  writeFileSync(
    confFile,
    [
      // Started as root, mosquitto would drop to the `mosquitto` user and lose access to our private directory.
      ...(process.getuid?.() === 0 ? ['user root'] : []),
      'per_listener_settings false',
      `listener ${port} 127.0.0.1`,
      'allow_anonymous false',
      ...(opts.clientIdFromUsername ? ['use_username_as_clientid true'] : []),
      `password_file ${passwordFile}`,
      `acl_file ${aclFile}`,
      'persistence true',
      `persistence_location ${opts.dir}/`,
      // `npm run provision:truck` reloads the broker (SIGHUP) through this file after adding accounts.
      `pid_file ${join(opts.dir, 'mosquitto.pid')}`,
      'autosave_interval 1',
      'autosave_on_changes false',
      `max_queued_messages ${opts.maxQueuedMessages ?? 1_000_000}`,
      'max_inflight_messages 1000',
      'max_packet_size 1048576',
      'log_dest stderr',
      'log_type error',
      'log_type warning',
      '',
    ].join('\n'),
  );
  const child = launch(which(['/usr/sbin/mosquitto', 'mosquitto']), ['-c', confFile], join(opts.dir, 'mosquitto.log'));
  await waitUntil('mosquitto', child, () => tcpOpen(port));
  return { name: 'mosquitto', url: `mqtt://127.0.0.1:${port}`, port, dir: opts.dir, child, stop: stopper(child), passwordFile, aclFile };
}

export async function startInflux(opts: { dir: string; port?: number }): Promise<LocalService> {
  mkdirSync(opts.dir, { recursive: true });
  const port = opts.port ?? (await freePort());
  const rpcPort = await freePort();
  const confFile = join(opts.dir, 'influxdb.conf');
  writeFileSync(
    confFile,
    [
      'reporting-disabled = true',
      `bind-address = "127.0.0.1:${rpcPort}"`,
      '[meta]',
      `  dir = "${opts.dir}/meta"`,
      '[data]',
      `  dir = "${opts.dir}/data"`,
      `  wal-dir = "${opts.dir}/wal"`,
      '  query-log-enabled = false',
      '  index-version = "tsi1"',
      '  cache-max-memory-size = "1g"',
      '  max-series-per-database = 0',
      '  max-values-per-tag = 0',
      '[http]',
      `  bind-address = "127.0.0.1:${port}"`,
      '  log-enabled = false',
      '  max-body-size = 0',
      '[monitor]',
      '  store-enabled = false',
      '[continuous_queries]',
      '  enabled = false',
      '[logging]',
      '  level = "warn"',
      '',
    ].join('\n'),
  );
  const child = launch(which(['/usr/bin/influxd', 'influxd']), ['-config', confFile], join(opts.dir, 'influxd.log'));
  const url = `http://127.0.0.1:${port}`;
  await waitUntil('influxd', child, async () => (await fetch(`${url}/ping`)).status === 204, 60_000);
  return { name: 'influxdb', url, port, dir: opts.dir, child, stop: stopper(child, 20_000) };
}

export interface LocalRedisCluster {
  /** Comma-separated seed list of every node (REDIS_URL in cluster mode). */
  readonly url: string;
  readonly nodes: ReadonlyArray<LocalService>;
  /** Stops every node still running. */
  stop(): Promise<void>;
}

/**
 * A real Redis Cluster on loopback: `masters` masters with `replicasPerMaster` replicas each, every node a
 * redis-server with `cluster-enabled yes` in its own directory, joined by `redis-cli --cluster create` and ready
 * once every node reports `cluster_state:ok`. A short node timeout so that a killed master's replica is promoted
 * within seconds (the failover test).
 */
export async function startRedisCluster(opts: { dir: string; masters?: number; replicasPerMaster?: number; nodeTimeoutMs?: number }): Promise<LocalRedisCluster> {
  // A node's port (or its bus port, + 10000) can be taken between the probe that found it free and the node's bind by
  // another service starting at the same moment: the node exits at start-up. Then start again on new ports.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startRedisClusterOnce(opts); // new ports, so new node directories
    } catch (err) {
      if (attempt >= 3 || !/exited with/.test(String(err))) throw err;
    }
  }
}

async function startRedisClusterOnce(opts: { dir: string; masters?: number; replicasPerMaster?: number; nodeTimeoutMs?: number }): Promise<LocalRedisCluster> {
  const masters = opts.masters ?? 3;
  const replicas = opts.replicasPerMaster ?? 1;
  const count = masters * (1 + replicas);
  const nodes: LocalService[] = [];
  const stopAll = async () => {
    await Promise.all(nodes.map((n) => n.stop()));
  };
  try {
    const ports = new Set<number>();
    // Cluster bus port = port + 10000: both must be free.
    while (ports.size < count) {
      const port = await freePort();
      if (port + 10_000 < 65_536 && !ports.has(port) && !(await tcpOpen(port + 10_000))) ports.add(port);
    }
    for (const port of ports) {
      const dir = join(opts.dir, `node-${port}`);
      mkdirSync(dir, { recursive: true });
      const child = launch(
        which(['/usr/bin/redis-server', 'redis-server']),
        [
          '--port', String(port), '--bind', '127.0.0.1', '--dir', dir,
          '--cluster-enabled', 'yes', '--cluster-config-file', join(dir, 'nodes.conf'),
          '--cluster-node-timeout', String(opts.nodeTimeoutMs ?? 2000),
          '--appendonly', 'yes', '--appendfsync', 'everysec', '--maxmemory-policy', 'noeviction',
          '--save', '', '--daemonize', 'no', '--protected-mode', 'yes', '--loglevel', 'warning',
        ],
        join(dir, 'redis.log'),
      );
      nodes.push({ name: `redis-${port}`, url: `redis://127.0.0.1:${port}`, port, dir, child, stop: stopper(child) });
    }
    await Promise.all(nodes.map((n) => waitUntil(n.name, n.child, () => redisPing(n.port))));
    const create = spawn(
      which(['/usr/bin/redis-cli', 'redis-cli']),
      ['--cluster', 'create', ...nodes.map((n) => `127.0.0.1:${n.port}`), '--cluster-replicas', String(replicas), '--cluster-yes'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    create.stdout.on('data', (c: Buffer) => (output += c.toString()));
    create.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const code = await new Promise<number | null>((resolve) => create.once('exit', resolve));
    if (code !== 0) throw new Error(`redis-cli --cluster create failed (${code}): ${output.slice(-500)}`);
    for (const node of nodes) await waitUntil(node.name, node.child, () => redisClusterOk(node.port), 60_000);
    // Ready means replicated too: every replica linked to its master (a WAIT for one replica succeeds at once).
    if (replicas > 0) for (const node of nodes) await waitUntil(node.name, node.child, () => redisReplicationUp(node.port), 60_000);
    return { url: nodes.map((n) => n.url).join(','), nodes, stop: stopAll };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

/**
 * Sends one inline command to a local redis-server and judges its raw reply once `complete` says it has all of it
 * (or it passed `maxLength`); false on a timeout, a refused connection or an error.
 */
function probeRedis(port: number, command: string, complete: (reply: string) => boolean, maxLength: number, judge: (reply: string) => boolean): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let reply = '';
    socket.setTimeout(1000, () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('connect', () => socket.write(`${command}\r\n`));
    socket.on('data', (data) => {
      reply += data.toString();
      if (complete(reply) || reply.length > maxLength) {
        socket.destroy();
        resolve(judge(reply));
      }
    });
    socket.once('error', () => resolve(false));
  });
}

/** A replica whose link to its master is up, or a master with a connected replica. */
function redisReplicationUp(port: number): Promise<boolean> {
  return probeRedis(port, 'INFO replication', (r) => r.includes('repl_backlog_histlen'), 4000,
    (r) => /role:slave[\s\S]*master_link_status:up/.test(r) || (/role:master/.test(r) && !/connected_slaves:0/.test(r)));
}

/** `cluster_state:ok` and every slot assigned, as one node sees the cluster. */
function redisClusterOk(port: number): Promise<boolean> {
  return probeRedis(port, 'CLUSTER INFO', (r) => r.includes('cluster_stats_messages'), 2000,
    (r) => r.includes('cluster_state:ok') && r.includes('cluster_slots_ok:16384'));
}
