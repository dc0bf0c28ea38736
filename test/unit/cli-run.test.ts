import { describe, expect, it } from 'vitest';
import { run } from '../../src-main/cli/index.js';

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    io: { stdout: (t: string) => out.push(t), stderr: (t: string) => err.push(t), cwd: process.cwd(), env: {} },
  };
}

describe('fleetpack CLI dispatch', () => {
  it('lists commands on help and exits 0', async () => {
    const t = io();
    expect(await run(['help'], t.io)).toBe(0);
    expect(t.out.join('')).toMatch(/inspect/);
  });
  it('rejects an unknown command with exit 2 and a hint', async () => {
    const t = io();
    expect(await run(['frobnicate'], t.io)).toBe(2);
    expect(t.err.join('')).toMatch(/Unknown command "frobnicate"[\s\S]*fleetpack help/);
  });
  it('reports a usage error as one JSON document with --json', async () => {
    const t = io();
    expect(await run(['inspect', '--json'], t.io)).toBe(2);
    const doc = JSON.parse(t.out.join(''));
    expect(doc).toMatchObject({ ok: false, error: { code: 'BAD_ARGUMENTS' } });
  });
});
