/**
 * Interop with a tool we did not write: Debian's skopeo 1.9.3 reads what Fleetpack pushes
 * (`inspect --raw`), copies it to an OCI layout and back with the manifest digest preserved, moves
 * a layout Fleetpack wrote into a registry, and pushes a ModelPack layout Fleetpack did not write,
 * which Fleetpack then pulls.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { pullPackage, pushPackage, resolveReference, staticCredentials } from '../../src-main/oci/index.js';
import { runCli } from '../fixtures/cli.js';
import { makeOciPackage, type OciTestPackage } from '../fixtures/oci-package.js';
import { imageSpecErrors } from '../fixtures/oci-schemas.js';
import { encodeModel, externalInitializer, node, T, tensorType, valueInfo } from '../fixtures/onnx-models.js';
import { type RegistryServer, startRegistry } from '../fixtures/registry.js';
import { tempDir } from '../fixtures/temp.js';
import { initPackage } from '../../src-main/package/index.js';

let reg: RegistryServer;
let base: string;
let pkg: OciTestPackage;
const anon = { plainHttp: true, credentials: staticCredentials(undefined) };
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

function skopeo(...args: string[]): string {
  const r = spawnSync('skopeo', ['--insecure-policy', ...args], { encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`skopeo ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

function files(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of readdirSync(dir, { recursive: true, withFileTypes: true }))
    if (e.isFile())
      out[join(e.parentPath, e.name).slice(dir.length + 1)] = sha(readFileSync(join(e.parentPath, e.name)));
  return out;
}

beforeAll(async () => {
  reg = await startRegistry();
  base = tempDir('fleetpack-skopeo-');
  pkg = await makeOciPackage(join(base, 'person-detector-1.4.0'), { weightBytes: 1_000_000 });
});
afterAll(async () => {
  await reg.stop();
  rmSync(base, { recursive: true, force: true });
});

describe('skopeo reads and copies what Fleetpack pushes', () => {
  it('inspect --raw returns our exact manifest; copy to a layout and back preserves the digest', async () => {
    const pushed = await pushPackage(pkg.dir, `${reg.host}/acme/pd:1.4.0`, anon);
    const raw = skopeo('inspect', '--raw', '--tls-verify=false', `docker://${reg.host}/acme/pd:1.4.0`);
    expect(`sha256:${sha(Buffer.from(raw))}`).toBe(pushed.digest);
    expect(JSON.parse(raw).artifactType).toBe('application/vnd.cncf.model.manifest.v1+json');

    const layout = join(base, 'skopeo-layout');
    skopeo('copy', '--src-tls-verify=false', `docker://${reg.host}/acme/pd:1.4.0`, `oci:${layout}:1.4.0`);
    skopeo('copy', '--dest-tls-verify=false', `oci:${layout}:1.4.0`, `docker://${reg.host}/acme/pd-back:1.4.0`);
    expect((await resolveReference(`${reg.host}/acme/pd-back:1.4.0`, anon)).digest).toBe(pushed.digest);

    // Fleetpack pulls from the layout skopeo wrote, and the package verifies
    const out = join(base, 'from-skopeo-layout');
    const p = await runCli(base, ['pull', `oci:${layout}:1.4.0`, out, '--json']);
    expect(p.code, p.out).toBe(0);
    expect(files(out)).toEqual(files(pkg.dir));
    const v = await runCli(base, ['verify', out, '--public-key', pkg.publicKeyPath]);
    expect(v.code, v.out).toBe(0);
  });

  it('a layout Fleetpack wrote is moved into a registry by skopeo (air gap), digest preserved', async () => {
    const layout = join(base, 'fleetpack-layout');
    const w = await pushPackage(pkg.dir, `oci:${layout}:1.4.0`, {});
    skopeo('copy', '--dest-tls-verify=false', `oci:${layout}:1.4.0`, `docker://${reg.host}/airgap/pd:1.4.0`);
    expect((await resolveReference(`${reg.host}/airgap/pd:1.4.0`, anon)).digest).toBe(w.digest);
    const out = join(base, 'airgap-out');
    await pullPackage(`${reg.host}/airgap/pd:1.4.0`, out, anon);
    expect(files(out)).toEqual(files(pkg.dir));
  });
});

describe('Fleetpack pulls a ModelPack artifact it did not write', () => {
  it('a hand-made ModelPack layout pushed by skopeo is pulled, with a note to run fleetpack init', async () => {
    // Written here with plain fs, the way modctl lays out a raw-layer model: no fleetpack.json.
    const layout = join(base, 'foreign-layout');
    mkdirSync(join(layout, 'blobs/sha256'), { recursive: true });
    const blob = (b: Buffer) => {
      const d = sha(b);
      writeFileSync(join(layout, 'blobs/sha256', d), b);
      return { digest: `sha256:${d}`, size: b.length };
    };
    const model = encodeModel({
      irVersion: 8,
      opsetImport: [{ domain: '', version: 17 }],
      graph: {
        name: 'foreign',
        node: [node('MatMul', ['x', 'W'], ['y'])],
        initializer: [externalInitializer('W', T.FLOAT, [4, 4], 'model.onnx_data', 0, 64)],
        input: [valueInfo('x', tensorType(T.FLOAT, [1, 4]))],
        output: [valueInfo('y', tensorType(T.FLOAT, [1, 4]))],
      },
    });
    const data = Buffer.alloc(64, 7);
    const readme = Buffer.from('# Foreign model\n');
    const layers = [
      ['application/vnd.cncf.model.weight.v1.raw', 'model.onnx', model],
      ['application/vnd.cncf.model.weight.v1.raw', 'model.onnx_data', data],
      ['application/vnd.cncf.model.doc.v1.raw', 'README.md', readme],
    ].map(([mediaType, path, bytes]) => ({
      mediaType: mediaType as string,
      ...blob(bytes as Buffer),
      annotations: { 'org.cncf.model.filepath': path as string },
    }));
    const config = Buffer.from(
      JSON.stringify({
        descriptor: { name: 'foreign', version: '0.1' },
        config: { format: 'onnx' },
        modelfs: { type: 'layers', diffIds: layers.map((l) => l.digest) },
      }),
    );
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        artifactType: 'application/vnd.cncf.model.manifest.v1+json',
        config: { mediaType: 'application/vnd.cncf.model.config.v1+json', ...blob(config) },
        layers,
      }),
    );
    expect(imageSpecErrors('image-manifest-schema.json', JSON.parse(manifest.toString()))).toBe('');
    const m = blob(manifest);
    writeFileSync(join(layout, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
    writeFileSync(
      join(layout, 'index.json'),
      JSON.stringify({
        schemaVersion: 2,
        manifests: [
          {
            mediaType: 'application/vnd.oci.image.manifest.v1+json',
            ...m,
            annotations: { 'org.opencontainers.image.ref.name': 'v0.1' },
          },
        ],
      }),
    );
    skopeo('copy', '--dest-tls-verify=false', `oci:${layout}:v0.1`, `docker://${reg.host}/foreign/model:v0.1`);

    const out = join(base, 'foreign-out');
    const r = await runCli(base, ['pull', `${reg.host}/foreign/model:v0.1`, out, '--plain-http', '--json']);
    expect(r.code, r.out).toBe(0);
    const doc = JSON.parse(r.out);
    expect(doc.kind).toBe('modelpack');
    expect(doc.digest).toBe(m.digest);
    expect(doc.notes.join('\n')).toMatch(/plain ModelPack.*fleetpack init/s);
    expect(readFileSync(join(out, 'model.onnx'))).toEqual(model);
    expect(readFileSync(join(out, 'README.md'))).toEqual(readme);
    // and the suggested next step works on what was pulled
    const init = await initPackage(join(out, 'model.onnx'), { out: join(base, 'foreign-pkg'), version: '0.1.0' });
    expect(init.manifest.artifact.files.map((f) => f.path).sort()).toEqual(['model.onnx', 'model.onnx_data']);
  });
});
