/** The OMS conformance adapter executable, driven the way the public conformance suite drives it. */
import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { makePackage, MT_VECTORS } from '../fixtures/signing.js';
import { tempDir } from '../fixtures/temp.js';

const ADAPTER = resolve(import.meta.dirname, '../conformance/oms-adapter');
const run = promisify(execFile);

async function adapter(args: string[]): Promise<{ code: number; stderr: string }> {
  try {
    const r = await run(ADAPTER, args, { cwd: tempDir(), timeout: 60_000 });
    return { code: 0, stderr: r.stderr };
  } catch (e) {
    const err = e as { code?: number; stderr?: string };
    return { code: typeof err.code === 'number' ? err.code : -1, stderr: err.stderr ?? '' };
  }
}

function keyFiles(curve: string, format: 'pkcs8' | 'sec1' = 'pkcs8') {
  const dir = tempDir('fleetpack-keys-');
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: curve });
  const priv = join(dir, 'key.pem');
  const pub = join(dir, 'key.pub');
  writeFileSync(priv, privateKey.export({ type: format, format: 'pem' }));
  writeFileSync(pub, publicKey.export({ type: 'spki', format: 'pem' }));
  return { priv, pub };
}

describe('test/conformance/oms-adapter (key method)', () => {
  it('round-trips P-256, P-384 (SEC1) and P-521 with the bundle inside the model folder', async () => {
    await Promise.all(
      (
        [
          ['prime256v1', 'pkcs8'],
          ['secp384r1', 'sec1'],
          ['secp521r1', 'pkcs8'],
        ] as const
      ).map(async ([curve, format]) => {
        const k = keyFiles(curve, format);
        const model = makePackage();
        mkdirSync(join(model, '.git'));
        writeFileSync(join(model, '.git', 'HEAD'), 'ref');
        const bundle = join(model, 'sig.bundle.json');
        const s = await adapter([
          'sign-model',
          '--method',
          'key',
          '--model-path',
          model,
          '--output-bundle',
          bundle,
          '--private-key',
          k.priv,
        ]);
        expect(s, curve).toMatchObject({ code: 0 });
        const v = await adapter([
          'verify-model',
          '--method',
          'key',
          '--model-path',
          model,
          '--bundle',
          bundle,
          '--public-key',
          k.pub,
        ]);
        expect(v, curve).toMatchObject({ code: 0 });
      }),
    );
  });

  it('fails verification for a wrong key, a tampered file and an extra file (unless unsigned files are ignored)', async () => {
    const k = keyFiles('prime256v1');
    const other = keyFiles('prime256v1');
    const model = makePackage();
    const bundle = join(tempDir(), 'model.sig');
    expect(
      (
        await adapter([
          'sign-model',
          '--method',
          'key',
          '--model-path',
          model,
          '--output-bundle',
          bundle,
          '--private-key',
          k.priv,
        ])
      ).code,
    ).toBe(0);
    const verify = (pub: string, ...extra: string[]) =>
      adapter([
        'verify-model',
        '--method',
        'key',
        '--model-path',
        model,
        '--bundle',
        bundle,
        '--public-key',
        pub,
        ...extra,
      ]);
    const [wrong] = await Promise.all([verify(other.pub)]);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/WRONG_KEY/);
    writeFileSync(join(model, 'extra.txt'), 'x');
    const [extra, tolerated, ignored] = await Promise.all([
      verify(k.pub),
      verify(k.pub, '--ignore-unsigned-files'),
      verify(k.pub, '--ignore-paths', join(model, 'extra.txt')),
    ]);
    expect(extra.code).toBe(1);
    expect(extra.stderr).toMatch(/FILE_EXTRA/);
    expect(tolerated.code).toBe(0);
    expect(ignored.code).toBe(0);
    writeFileSync(join(model, 'model.onnx'), 'tampered');
    const tampered = await verify(k.pub, '--ignore-unsigned-files');
    expect(tampered.code).toBe(1);
    expect(tampered.stderr).toMatch(/FILE_MODIFIED/);
  });

  it('verifies a pre-signed reference bundle and refuses unsupported methods and an empty model', async () => {
    const dir = join(MT_VECTORS, 'v1.0.1-elliptic-key');
    const k = keyFiles('prime256v1');
    const empty = tempDir('fleetpack-empty-');
    const [pre, cert, emptyModel] = await Promise.all([
      adapter([
        'verify-model',
        '--method',
        'key',
        '--model-path',
        dir,
        '--bundle',
        join(dir, 'model.sig'),
        '--public-key',
        join(MT_VECTORS, 'signing-key-pub.pem'),
        '--ignore-paths',
        join(dir, 'ignore-me'),
      ]),
      adapter([
        'sign-model',
        '--method',
        'certificate',
        '--model-path',
        dir,
        '--output-bundle',
        join(tempDir(), 'x.sig'),
        '--private-key',
        k.priv,
      ]),
      adapter([
        'sign-model',
        '--method',
        'key',
        '--model-path',
        empty,
        '--output-bundle',
        join(tempDir(), 'x.sig'),
        '--private-key',
        k.priv,
      ]),
    ]);
    expect(pre.code).toBe(0);
    expect(cert.code).not.toBe(0);
    expect(cert.stderr).toMatch(/not supported/);
    expect(emptyModel.code).not.toBe(0);
    expect(emptyModel.stderr).toMatch(/EMPTY_MODEL/);
  });
});

describe('hash workers from the esbuild-bundled CLI', () => {
  it('verifies a reference vector with the bundled `fleetpack verify` (exit 0) and reports an extra file (exit 1)', async () => {
    const { build } = await import('esbuild');
    const root = resolve(import.meta.dirname, '../..');
    // Under .tmp/ in the repo so the bundle's external imports resolve from node_modules.
    const outdir = join(root, '.tmp', `cli-${process.pid}`);
    await build({
      entryPoints: [join(root, 'src-main/cli/fleetpack.ts')],
      outdir,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      packages: 'external',
      logLevel: 'warning',
    });
    const cli = join(outdir, 'fleetpack.js');
    const dir = join(MT_VECTORS, 'v1.1.0-elliptic-key');
    const pub = join(MT_VECTORS, 'signing-key-pub.pem');
    const ok = await run(
      process.execPath,
      [cli, 'verify', dir, '--public-key', pub, '--ignore', 'ignore-me', '--json'],
      { cwd: root },
    );
    expect(JSON.parse(ok.stdout)).toMatchObject({
      verified: true,
      files: [
        { name: 'signme-1', status: 'ok' },
        { name: 'signme-2', status: 'ok' },
      ],
    });
    const legacy = join(MT_VECTORS, 'v1.0.1-elliptic-key');
    // v1.0.1 does not record ignore-me in the bundle, so without --ignore it is an extra file.
    const extra = await run(process.execPath, [cli, 'verify', legacy, '--public-key', pub, '--json'], {
      cwd: root,
    }).catch((e: unknown) => e);
    rmSync(outdir, { recursive: true, force: true });
    expect((extra as { code: number }).code).toBe(1);
    expect(JSON.parse((extra as { stdout: string }).stdout).problems).toEqual([
      expect.objectContaining({ code: 'FILE_EXTRA', file: 'ignore-me' }),
    ]);
  });
});
