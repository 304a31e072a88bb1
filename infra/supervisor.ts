// A small process supervisor for single-box deployments (`npm start`) and the demo: starts children,
// restarts a crashed one with backoff, and on stop sends SIGTERM to all and waits (SIGKILL after a grace).
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';

export interface ChildSpec {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  /** Where the child's stdout/stderr go: a file path, or 'inherit-prefixed' for this process's stdout. */
  readonly output: string | 'inherit-prefixed';
}

/** Exit codes that mean "misconfigured, restarting will not help" (see infra/run-main.ts). */
const FATAL_EXIT_CODES = new Set([2, 3]);

export function createSupervisor(opts: {
  children: readonly ChildSpec[];
  onEvent?: (message: string) => void;
  /** Called when a child exits with a fatal code; the supervisor then stops everything. */
  onFatal?: (name: string, code: number) => void;
  graceMs?: number;
}) {
  const say = opts.onEvent ?? ((m: string) => process.stdout.write(`[supervisor] ${m}\n`));
  const running = new Map<string, ChildProcess>();
  const restarts = new Map<string, number>();
  const files: WriteStream[] = [];
  let stopping = false;

  function pipeOutput(spec: ChildSpec, child: ChildProcess): void {
    if (spec.output === 'inherit-prefixed') {
      for (const stream of [child.stdout, child.stderr]) {
        let rest = '';
        stream?.on('data', (chunk: Buffer) => {
          const lines = (rest + chunk.toString()).split('\n');
          rest = lines.pop() ?? '';
          for (const line of lines) process.stdout.write(`[${spec.name}] ${line}\n`);
        });
      }
      return;
    }
    const file = createWriteStream(spec.output, { flags: 'a' });
    files.push(file);
    child.stdout?.pipe(file, { end: false });
    child.stderr?.pipe(file, { end: false });
  }

  function launch(spec: ChildSpec): void {
    const child = spawn(spec.command, [...spec.args], { env: { ...spec.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    running.set(spec.name, child);
    pipeOutput(spec, child);
    child.on('exit', (code, signal) => {
      running.delete(spec.name);
      if (stopping) return;
      if (code !== null && FATAL_EXIT_CODES.has(code)) {
        say(`${spec.name} refused to start (exit ${code}); see its output`);
        opts.onFatal?.(spec.name, code);
        return;
      }
      const attempt = (restarts.get(spec.name) ?? 0) + 1;
      restarts.set(spec.name, attempt);
      const delay = Math.min(500 * 2 ** (attempt - 1), 30_000);
      say(`${spec.name} exited (${code ?? signal}); restart #${attempt} in ${delay} ms`);
      setTimeout(() => {
        if (!stopping) launch(spec);
      }, delay).unref();
    });
  }

  return {
    start(): void {
      for (const spec of opts.children) launch(spec);
    },
    pids(): Record<string, number | undefined> {
      return Object.fromEntries([...running].map(([name, child]) => [name, child.pid]));
    },
    async stop(): Promise<void> {
      stopping = true;
      await Promise.all(
        [...running.values()].map(
          (child) =>
            new Promise<void>((resolve) => {
              if (child.exitCode !== null || child.signalCode !== null) return resolve();
              const timer = setTimeout(() => child.kill('SIGKILL'), opts.graceMs ?? 15_000);
              child.once('exit', () => {
                clearTimeout(timer);
                resolve();
              });
              child.kill('SIGTERM');
            }),
        ),
      );
      for (const file of files) file.end();
    },
  };
}
