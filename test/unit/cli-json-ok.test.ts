/**
 * Every `--json` document the CLI prints has a boolean `ok` (issue 13): checked over every
 * registered command on the error path, and on the success path of the commands that need no
 * services (the keychain, registry and platform commands run in the integration tests).
 */
import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { commands } from '../../src-main/cli/commands/index.js';
import { runCli } from '../fixtures/cli.js';
import { writeOnnxFixtures } from '../fixtures/onnx-models.js';
import { tempDir } from '../fixtures/temp.js';

const dir = tempDir('fleetpack-cli-json-');
const paths = writeOnnxFixtures(dir);

/** The one JSON document a run printed; it must say `ok` as a boolean. */
function doc(out: string): Record<string, unknown> {
  const d = JSON.parse(out) as Record<string, unknown>;
  expect(typeof d.ok).toBe('boolean');
  return d;
}

describe('--json output has `ok`', () => {
  it.each(commands.map((c) => c.name))('%s: a usage error is one JSON document with ok: false', async (name) => {
    const r = await runCli(dir, [name, '--json', '--no-such-option']);
    expect(r.code).toBe(2);
    expect(doc(r.out)).toMatchObject({ ok: false, error: { code: expect.any(String) } });
  });

  it('inspect, init, validate, diff, compat, sbom, verify: success and failure documents', async () => {
    const inspect = await runCli(dir, ['inspect', paths.basic, '--json']);
    expect(doc(inspect.out)).toMatchObject({ ok: true, format: 'onnx' });

    const init = await runCli(dir, ['init', paths.basic, '--out', 'pkg', '--version', '1.0.0', '--json']);
    expect(doc(init.out).dir).toBe(join(dir, 'pkg'));
    const init2 = await runCli(dir, ['init', paths.basic, '--out', 'pkg2', '--version', '1.1.0', '--json']);
    expect(init2.code).toBeLessThan(2);

    expect(doc((await runCli(dir, ['validate', 'pkg', '--json'])).out)).toHaveProperty('manifest');
    expect(doc((await runCli(dir, ['diff', 'pkg', 'pkg2', '--json'])).out)).toHaveProperty('changes');
    expect(doc((await runCli(dir, ['compat', '--list-profiles', '--json'])).out)).toMatchObject({ ok: true });
    writeFileSync(join(dir, 'fleet.csv'), 'id,profile\nd1,raspberrypi-5-8gb\n');
    expect(doc((await runCli(dir, ['compat', 'pkg', '--fleet', 'fleet.csv', '--json'])).out)).toHaveProperty('totals');

    const gen = await runCli(dir, ['sbom', 'generate', 'pkg', '--out', join(dir, 'bom.json'), '--json']);
    expect(doc(gen.out)).toMatchObject({ ok: true });
    expect(doc((await runCli(dir, ['sbom', 'validate', join(dir, 'bom.json'), '--json'])).out)).toMatchObject({
      ok: true,
    });

    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    writeFileSync(join(dir, 'pub.pem'), publicKey.export({ type: 'spki', format: 'pem' }));
    const verify = await runCli(dir, ['verify', 'pkg', '--public-key', 'pub.pem', '--json']);
    expect(doc(verify.out).ok).toBe(false); // not signed
  });
});
