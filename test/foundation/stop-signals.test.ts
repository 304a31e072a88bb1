// A repeated SIGINT (a Ctrl-C reaches a process several times: the terminal signals the whole process group,
// npm and tsx relay it) must not kill a process in the middle of its clean-up.
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { waitFor } from '../harness/context.ts';

describe('onStopSignals', () => {
  it('runs the clean-up to its end when SIGINT and SIGTERM arrive several times', async () => {
    const child = spawn('node', ['--import', 'tsx', 'test/foundation/fixtures/stop-signals-child.ts'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    await waitFor(() => out.includes('ready'), { what: 'child ready' });
    child.kill('SIGINT');
    await waitFor(() => out.includes('stopping on SIGINT'), { what: 'clean-up started' });
    child.kill('SIGINT');
    child.kill('SIGTERM');
    child.kill('SIGINT');
    expect(await exited).toEqual({ code: 0, signal: null });
    expect(out).toContain('cleaned up');
    expect(out.match(/stopping on/g)).toHaveLength(1);
  });
});
