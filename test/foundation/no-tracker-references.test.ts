// The repository has no issue tracker, so "issue 18" in a comment or a doc points nowhere: say what is meant
// (the feature, the doc that describes it). This keeps it so for every file git tracks.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../..');
const TEXT = /\.(ts|js|mjs|md|sh|json|ya?ml|html|css)$|^\.ci\/run$|^Dockerfile$/;
const TRACKER_REFERENCE = /\bissues? ?#?\d+\b/i;

describe('no references to an issue tracker', () => {
  it('no tracked text file says "issue N"', () => {
    const files = execFileSync('git', ['ls-files'], { cwd: root, encoding: 'utf8' })
      .split('\n')
      .filter((f) => f && TEXT.test(f) && f !== 'package-lock.json' && f !== 'test/foundation/no-tracker-references.test.ts');
    expect(files.length).toBeGreaterThan(100);
    const found: string[] = [];
    for (const file of files) {
      readFileSync(join(root, file), 'utf8').split('\n').forEach((line, i) => {
        if (TRACKER_REFERENCE.test(line)) found.push(`${file}:${i + 1}: ${line.trim().slice(0, 120)}`);
      });
    }
    expect(found).toEqual([]);
  });
});
