/**
 * Push, pull, resolve and copy against a real registry (Debian's docker-registry, distribution
 * 2.8.2, open, on a free loopback port) and OCI image layouts on disk, through the CLI and the
 * domain API: byte-identical round trips that `fleetpack verify` accepts, HEAD dedupe, chunked
 * uploads, cross-repository mounts, the SBOM referrer by the referrers tag schema, schema
 * conformance of what we write, and the refusals (existing folder, invalid package, Ctrl-C).
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  copyArtifact,
  OciLayout,
  pullPackage,
  pushPackage,
  referrersTag,
  RegistryRepository,
  resolveReference,
  staticCredentials,
} from '../../src-main/oci/index.js';
import { runCli } from '../fixtures/cli.js';
import { makeOciPackage, type OciTestPackage } from '../fixtures/oci-package.js';
import { imageSpecErrors, modelPackConfigValidator } from '../fixtures/oci-schemas.js';
import { type RegistryServer, startRegistry } from '../fixtures/registry.js';
import { tempDir } from '../fixtures/temp.js';

let reg: RegistryServer;
let base: string;
let pkg: OciTestPackage;
const anon = { plainHttp: true, credentials: staticCredentials(undefined) };

const cli = (argv: string[]) => runCli(base, argv, { ...process.env });
const json = (out: string) => JSON.parse(out) as Record<string, any>;

/** Every file under `dir` with the SHA-256 of its bytes, by relative path. */
function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out[relative(dir, p)] = createHash('sha256').update(readFileSync(p)).digest('hex');
    }
  };
  walk(dir);
  return out;
}

/** Registry access-log lines written while `fn` ran. */
async function logged(fn: () => Promise<unknown>): Promise<string[]> {
  const before = reg.logs().length;
  await fn();
  await new Promise((r) => setTimeout(r, 100));
  return reg
    .logs()
    .slice(before)
    .split('\n')
    .filter((l) => / - - \[/.test(l));
}

beforeAll(async () => {
  reg = await startRegistry();
  base = tempDir('fleetpack-oci-');
  pkg = await makeOciPackage(join(base, 'person-detector-1.4.0'), { weightBytes: 3_000_000 });
});
afterAll(async () => {
  await reg.stop();
  rmSync(base, { recursive: true, force: true });
});

describe('push, resolve, pull against docker-registry 2.8.2', () => {
  let pushed: Record<string, any>;

  it('push prints the pinned reference and the layers; pull gives a byte-identical folder that verifies', async () => {
    const r = await cli(['push', pkg.dir, `${reg.host}/acme/person-detector:1.4.0`, '--plain-http', '--json']);
    expect(r.code, r.out + r.err).toBe(0);
    pushed = json(r.out);
    expect(pushed.reference).toMatch(new RegExp(`^${reg.host}/acme/person-detector:1\\.4\\.0@sha256:[0-9a-f]{64}$`));
    expect(pushed.layers.map((l: { path: string }) => l.path)).toEqual([
      'model.onnx',
      'weights.bin',
      'fleetpack.json',
      'model.sig',
      'sbom.cdx.json',
    ]);
    expect(pushed.layers.every((l: { result: string }) => l.result === 'uploaded')).toBe(true);
    expect(pushed.warnings.join('\n')).not.toMatch(/not signed|stale/);
    expect(pushed.referrers).toEqual([
      expect.objectContaining({ artifactType: 'application/vnd.cyclonedx+json', via: 'tag-schema' }),
    ]);

    const out = join(base, 'pulled');
    const p = await cli(['pull', pushed.reference, out, '--plain-http', '--json']);
    expect(p.code, p.out + p.err).toBe(0);
    expect(json(p.out)).toMatchObject({ digest: pushed.digest, kind: 'fleetpack', notes: [] });
    expect(tree(out)).toEqual(tree(pkg.dir));
    const v = await cli(['verify', out, '--public-key', pkg.publicKeyPath, '--json']);
    expect(v.code, v.out).toBe(0);
    expect(json(v.out).verified).toBe(true);
  });

  it('writes a manifest, config, referrer and referrers index that validate against the OCI and ModelPack schemas', async () => {
    const repo = new RegistryRepository(reg.host, 'acme/person-detector', anon);
    const m = await repo.fetchManifest(pushed.digest);
    const manifest = JSON.parse(m.bytes.toString());
    expect(imageSpecErrors('image-manifest-schema.json', manifest)).toBe('');
    expect(manifest.artifactType).toBe('application/vnd.cncf.model.manifest.v1+json');
    const config = JSON.parse((await repo.fetchBlob(manifest.config, { maxBytes: 65536 })).toString());
    const validate = modelPackConfigValidator();
    expect(validate(config), JSON.stringify(validate.errors)).toBe(true);
    expect(config.modelfs.diffIds).toEqual(manifest.layers.map((l: { digest: string }) => l.digest));

    const index = await repo.fetchManifest(referrersTag(pushed.digest));
    const indexDoc = JSON.parse(index.bytes.toString());
    expect(imageSpecErrors('image-index-schema.json', indexDoc)).toBe('');
    expect(indexDoc.manifests).toHaveLength(1);
    const referrer = JSON.parse((await repo.fetchManifest(indexDoc.manifests[0].digest)).bytes.toString());
    expect(imageSpecErrors('image-manifest-schema.json', referrer)).toBe('');
    expect(referrer.subject).toEqual({
      mediaType: m.descriptor.mediaType,
      digest: pushed.digest,
      size: m.bytes.length,
    });
    expect(referrer.layers[0].digest).toBe(manifest.layers.find((l: any) => l.mediaType.includes('cyclonedx')).digest);
  });

  it('a second push uploads no blob (HEAD dedupe) and keeps the digest', async () => {
    const lines = await logged(async () => {
      const r = await cli(['push', pkg.dir, `${reg.host}/acme/person-detector:1.4.0`, '--plain-http', '--json']);
      expect(r.code).toBe(0);
      const again = json(r.out);
      expect(again.digest).toBe(pushed.digest);
      expect(again.uploadedBytes).toBe(0);
      expect(again.layers.every((l: { result: string }) => l.result === 'exists')).toBe(true);
    });
    expect(lines.filter((l) => /"(PATCH|PUT) \/v2\/[^ ]*\/blobs\/uploads/.test(l))).toEqual([]);
    expect(lines.filter((l) => /"HEAD \/v2\/acme\/person-detector\/blobs\//.test(l)).length).toBeGreaterThanOrEqual(6);
  });

  it('resolve names the digest and summarizes the package without downloading any blob', async () => {
    let r: Awaited<ReturnType<typeof cli>> | undefined;
    const lines = await logged(async () => {
      r = await cli(['resolve', `${reg.host}/acme/person-detector:1.4.0`, '--plain-http', '--json']);
    });
    expect(r!.code).toBe(0);
    expect(json(r!.out)).toMatchObject({
      reference: pushed.reference,
      digest: pushed.digest,
      artifactType: 'application/vnd.cncf.model.manifest.v1+json',
      summary: {
        kind: 'fleetpack',
        name: 'person-detector',
        version: '1.4.0',
        framework: 'onnx',
        profiles: ['nvidia-jetson-orin-nx-16gb-jp6.2'],
        hasSignature: true,
      },
    });
    expect(lines.some((l) => /manifests\/1\.4\.0/.test(l))).toBe(true);
    expect(lines.filter((l) => /\/blobs\//.test(l))).toEqual([]);
    const human = await cli(['resolve', `${reg.host}/acme/person-detector:1.4.0`, '--plain-http']);
    expect(human.out).toContain(pushed.digest);
    expect(human.out).toMatch(/signature\s+present/);
  });

  it('pull refuses an existing folder without --force and leaves it alone; --force replaces it', async () => {
    const out = join(base, 'existing');
    rmSync(out, { recursive: true, force: true });
    const { mkdirSync } = await import('node:fs');
    mkdirSync(out);
    writeFileSync(join(out, 'keep.txt'), 'mine');
    const r = await cli(['pull', pushed.reference, out, '--plain-http', '--json']);
    expect(r.code).toBe(2);
    expect(json(r.out).error.code).toBe('TARGET_EXISTS');
    expect(readdirSync(out)).toEqual(['keep.txt']);
    const f = await cli(['pull', pushed.reference, out, '--plain-http', '--force', '--json']);
    expect(f.code, f.out).toBe(0);
    expect(tree(out)).toEqual(tree(pkg.dir));
    expect(readdirSync(base).filter((n) => n.includes('.building.') || n.includes('.old.'))).toEqual([]);
  });

  it('a tag that moved between resolve and pull: the pinned digest wins', async () => {
    const v2 = await makeOciPackage(join(base, 'person-detector-1.5.0'), {
      seed: 2,
      version: '1.5.0',
      weightBytes: 50_000,
    });
    const first = await pushPackage(pkg.dir, `${reg.host}/acme/moving:latest`, anon);
    const resolved = await resolveReference(`${reg.host}/acme/moving:latest`, anon);
    expect(resolved.digest).toBe(first.digest);
    const second = await pushPackage(v2.dir, `${reg.host}/acme/moving:latest`, anon);
    expect(second.digest).not.toBe(first.digest);
    const out = join(base, 'pinned');
    const p = await pullPackage(resolved.reference, out, anon);
    expect(p.digest).toBe(first.digest);
    expect(JSON.parse(readFileSync(join(out, 'fleetpack.json'), 'utf8')).version).toBe('1.4.0');
    expect((await resolveReference(`${reg.host}/acme/moving:latest`, anon)).digest).toBe(second.digest);
  });

  it('refuses an invalid package (exit 1, findings listed) and pushes nothing', async () => {
    const bad = join(base, 'bad-package');
    await makeOciPackage(bad, { seed: 3, weightBytes: 10_000, sign: false });
    writeFileSync(join(bad, 'weights.bin'), 'truncated');
    const r = await cli(['push', bad, `${reg.host}/acme/bad:1.4.0`, '--plain-http']);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/not valid.*nothing was pushed/);
    expect(r.out).toMatch(/ARTIFACT_SIZE_MISMATCH|weights\.bin is 9 bytes/);
    const head = await fetch(`${reg.url}/v2/acme/bad/manifests/1.4.0`, {
      method: 'HEAD',
      headers: { accept: 'application/vnd.oci.image.manifest.v1+json' },
    });
    expect(head.status).toBe(404);
  });

  it('warns when the package is unsigned', async () => {
    const unsigned = await makeOciPackage(join(base, 'unsigned'), { seed: 4, weightBytes: 10_000, sign: false });
    const r = await cli(['push', unsigned.dir, `${reg.host}/acme/unsigned:1.4.0`, '--plain-http']);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/warning: The package is not signed/);
  });

  it('Ctrl-C during push leaves no tag pointing at an incomplete manifest', async () => {
    const big = await makeOciPackage(join(base, 'big'), { seed: 5, weightBytes: 48 * 1024 * 1024 });
    const target = `${reg.host}/acme/cancel:1.4.0`;
    // an earlier, complete version holds the tag
    const earlier = await pushPackage(pkg.dir, target, anon);
    const ctl = new AbortController();
    const err = await pushPackage(big.dir, target, {
      ...anon,
      chunkBytes: 4 * 1024 * 1024,
      monolithicMaxBytes: 1024 * 1024,
      signal: ctl.signal,
      onProgress: (p) => {
        if (p.bytesDone > 10 * 1024 * 1024) ctl.abort();
      },
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'CANCELLED' });
    expect((await resolveReference(target, anon)).digest).toBe(earlier.digest);
    // and a repository that had nothing has no tag at all
    const ctl2 = new AbortController();
    await pushPackage(big.dir, `${reg.host}/acme/cancel-new:1.4.0`, {
      ...anon,
      monolithicMaxBytes: 1024 * 1024,
      chunkBytes: 4 * 1024 * 1024,
      signal: ctl2.signal,
      onProgress: (p) => {
        if (p.bytesDone > 10 * 1024 * 1024) ctl2.abort();
      },
    }).catch(() => undefined);
    await expect(resolveReference(`${reg.host}/acme/cancel-new:1.4.0`, anon)).rejects.toMatchObject({
      code: 'OCI_NOT_FOUND',
    });
  });

  it('uploads big blobs in streamed chunks, in order, and the result pulls identical', async () => {
    const mid = await makeOciPackage(join(base, 'chunked'), { seed: 6, weightBytes: 5 * 1024 * 1024 + 123 });
    let res: Awaited<ReturnType<typeof pushPackage>> | undefined;
    const lines = await logged(async () => {
      res = await pushPackage(mid.dir, `${reg.host}/acme/chunked:1.4.0`, {
        ...anon,
        monolithicMaxBytes: 1024 * 1024,
        chunkBytes: 1024 * 1024,
      });
    });
    expect(lines.filter((l) => /"PATCH \/v2\/acme\/chunked\/blobs\/uploads\//.test(l))).toHaveLength(6);
    const out = join(base, 'chunked-out');
    await pullPackage(res!.reference, out, anon);
    expect(tree(out)).toEqual(tree(mid.dir));
  });

  it('copies between repositories of one registry by cross-repository mount, digest preserved', async () => {
    const r = await cli([
      'push',
      pushed.reference,
      `${reg.host}/team-b/person-detector:stable`,
      '--plain-http',
      '--json',
    ]);
    expect(r.code, r.out + r.err).toBe(0);
    const c = json(r.out);
    expect(c.digest).toBe(pushed.digest);
    expect(c.layers.every((l: { result: string }) => l.result === 'mounted')).toBe(true);
    expect(c.referrers).toHaveLength(1);
    const out = join(base, 'mounted-out');
    await pullPackage(`${reg.host}/team-b/person-detector:stable`, out, anon);
    expect(tree(out)).toEqual(tree(pkg.dir));
  });

  it('push DIR --mount-from REPO mounts the blobs another repository of the registry holds', async () => {
    const r = await cli([
      'push',
      pkg.dir,
      `${reg.host}/team-c/person-detector:1.4.0`,
      '--mount-from',
      'acme/person-detector',
      '--plain-http',
      '--json',
    ]);
    expect(r.code, r.out + r.err).toBe(0);
    const doc = json(r.out);
    expect(doc.digest).toBe(pushed.digest);
    expect(doc.layers.every((l: { result: string }) => l.result === 'mounted')).toBe(true);
    expect(doc.uploadedBytes).toBe(0);
  });

  it('refuses plain HTTP to a remote host unless --insecure', async () => {
    const r = await cli(['push', pkg.dir, 'registry.example.com/acme/m:1', '--plain-http', '--json']);
    expect(r.code).toBe(2);
    expect(json(r.out).error.code).toBe('OCI_PLAIN_HTTP_REFUSED');
  });
});

describe('OCI image layout (air gap)', () => {
  it('push DIR oci:PATH:TAG writes a conforming layout; pull and push on from it keep every digest', async () => {
    const layout = join(base, 'carry', 'layout');
    const w = await cli(['push', pkg.dir, `oci:${layout}:1.4.0`, '--json']);
    expect(w.code, w.out + w.err).toBe(0);
    const written = json(w.out);
    expect(JSON.parse(readFileSync(join(layout, 'oci-layout'), 'utf8'))).toEqual({ imageLayoutVersion: '1.0.0' });
    expect(
      imageSpecErrors('image-layout-schema.json', JSON.parse(readFileSync(join(layout, 'oci-layout'), 'utf8'))),
    ).toBe('');
    const index = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8'));
    expect(imageSpecErrors('image-index-schema.json', index)).toBe('');
    expect(index.manifests.map((d: any) => d.annotations['org.opencontainers.image.ref.name']).sort()).toEqual(
      ['1.4.0', referrersTag(written.digest)].sort(),
    );
    expect(existsSync(join(layout, 'blobs/sha256', written.digest.slice(7)))).toBe(true);

    // pull from the layout
    const out = join(base, 'from-layout');
    const p = await cli(['pull', `oci:${layout}:1.4.0`, out, '--json']);
    expect(p.code, p.out).toBe(0);
    expect(tree(out)).toEqual(tree(pkg.dir));

    // the connected side: layout → registry, same digest, SBOM referrer carried along
    const up = await cli([
      'push',
      `oci:${layout}:1.4.0`,
      `${reg.host}/airgap/person-detector:1.4.0`,
      '--plain-http',
      '--json',
    ]);
    expect(up.code, up.out + up.err).toBe(0);
    const u = json(up.out);
    expect(u.digest).toBe(written.digest);
    expect(u.referrers).toHaveLength(1);
    const repo = new RegistryRepository(reg.host, 'airgap/person-detector', anon);
    const idx = await repo.fetchManifest(referrersTag(written.digest));
    expect(idx.content.kind === 'index' && idx.content.index.manifests[0]!.artifactType).toBe(
      'application/vnd.cyclonedx+json',
    );
  });

  it('registry → layout export keeps the digest; the layout refuses a blob altered on disk', async () => {
    const layout = join(base, 'export');
    const r = await copyArtifact(`${reg.host}/acme/person-detector:1.4.0`, `oci:${layout}:exported`, anon);
    const pushedDigest = (await resolveReference(`${reg.host}/acme/person-detector:1.4.0`, anon)).digest;
    expect(r.digest).toBe(pushedDigest);
    const l = await OciLayout.open(layout);
    expect((await l.resolve('exported')).digest).toBe(pushedDigest);
    // damage the weights blob in the layout: pull refuses it and writes nothing
    const weights = r.layers.find((x) => x.path === 'weights.bin')!;
    const blob = join(layout, 'blobs/sha256', weights.digest.slice(7));
    const bytes = readFileSync(blob);
    bytes[1000] = bytes[1000]! ^ 0xff;
    writeFileSync(blob, bytes);
    const out = join(base, 'damaged-out');
    await expect(pullPackage(`oci:${layout}:exported`, out)).rejects.toMatchObject({ code: 'OCI_DIGEST_MISMATCH' });
    expect(existsSync(out)).toBe(false);
  });
});
