// The type check (`tsc --noEmit -p .`) covers every back-end folder: a process entry point that no test imports
// (scheduler/main.ts, gateway/main.ts, …) is otherwise never type-checked, and a wrong call there only shows up
// when the process starts.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../..');
const NOT_BACK_END = new Set(['node_modules', 'console', 'docs', 'deploy', 'test-artifacts', '.data', '.git', '.ci']);

describe('tsconfig.json', () => {
  it('includes every top-level folder that holds TypeScript', () => {
    const include = new Set((JSON.parse(readFileSync(join(root, 'tsconfig.json'), 'utf8')) as { include: string[] }).include);
    const folders = readdirSync(root, { withFileTypes: true })
      .filter((d) => d.isDirectory() && !NOT_BACK_END.has(d.name) && !d.name.startsWith('.'))
      .filter((d) => readdirSync(join(root, d.name), { recursive: true }).some((f) => String(f).endsWith('.ts')))
      .map((d) => d.name);
    expect(folders.length).toBeGreaterThan(10);
    expect(folders.filter((f) => !include.has(f))).toEqual([]);
  });
});
