import { readFile, readdir, rm, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildDirAtomic, hashFile, packagePaths } from '../../../src-main/package/index.js';
import { DocumentError, PackageError } from '../../../src-main/errors.js';
import {
  type Manifest,
  loadManifest,
  MAX_MANIFEST_BYTES,
  readManifest,
  serializeManifest,
  writeManifest,
} from '../../../src-main/manifest/index.js';
import { tempDir } from '../../fixtures/temp.js';
import { parseJson } from '../../../src-main/json.js';

let dir: string;
beforeEach(() => {
  dir = tempDir('fp-pkg-');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const sample = {
  outputs: [],
  inputs: [{ shape: [1, 3, 'h', null], dtype: 'float32', name: 'in' }],
  name: 'x',
  'x-custom': { b: 1, a: 2 },
  version: '1.0.0',
  schemaVersion: '1.0',
  framework: { onnx: { opsets: [{ version: 17, domain: '' }], irVersion: 8 }, format: 'onnx' },
  artifact: { files: [{ role: 'model', sha256: 'a'.repeat(64), size: 3, path: 'model.onnx' }], file: 'model.onnx' },
} as unknown as Manifest;

describe('parseJson', () => {
  it('reports malformed JSON with line and column', () => {
    const err = (() => {
      try {
        parseJson('{\n  "a": 1,\n  b: 2\n}', { file: 'm.json' });
      } catch (e) {
        return e as DocumentError;
      }
    })();
    expect(err).toBeInstanceOf(DocumentError);
    expect(err!.code).toBe('MALFORMED_JSON');
    expect(err!.where).toBe('m.json:3:3');
    expect(err!.message).toMatch(/line 3, column 3/);
  });
  it('reports truncated input at its end', () => {
    expect(() => parseJson('{"a":\n')).toThrow(/line 2, column 1/);
  });
  it('refuses deep nesting before parsing, ignoring brackets inside strings', () => {
    expect(() => parseJson('['.repeat(100_000) + ']'.repeat(100_000))).toThrow(
      expect.objectContaining({ code: 'JSON_TOO_DEEP' }),
    );
    expect(parseJson(JSON.stringify({ s: '[[[[[[[['.repeat(50) + '\\"' }))).toEqual({
      s: '[[[[[[[['.repeat(50) + '\\"',
    });
  });
  it('accepts a UTF-8 byte order mark', () => {
    expect(parseJson('\ufeff{"a":1}')).toEqual({ a: 1 });
  });
});

describe('readManifest / writeManifest', () => {
  it('round-trips with schema key order, stable bytes and a trailing newline', async () => {
    const path = await writeManifest(dir, sample);
    expect(path).toBe(packagePaths(dir).manifest);
    const text = await readFile(path, 'utf8');
    expect(text.endsWith('}\n')).toBe(true);
    expect(Object.keys(JSON.parse(text))).toEqual([
      'schemaVersion',
      'name',
      'version',
      'framework',
      'artifact',
      'inputs',
      'outputs',
      'x-custom',
    ]);
    expect(Object.keys(JSON.parse(text).framework)).toEqual(['format', 'onnx']);
    expect(text).toContain('"shape": [1, 3, "h", null]');
    expect(await readManifest(dir)).toEqual(JSON.parse(JSON.stringify(sample)));
    // Same content in any key order → same bytes.
    const reordered = JSON.parse(JSON.stringify(sample), (_k, v) =>
      v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).reverse()) : v,
    );
    expect(serializeManifest(reordered)).toBe(text);
    expect((await readdir(dir)).filter((f) => f.includes('.tmp'))).toEqual([]);
  });
  it('reads a manifest file path as well as a folder', async () => {
    await writeManifest(dir, sample);
    const loaded = await loadManifest(join(dir, 'fleetpack.json'));
    expect(loaded.dir).toBe(dir);
    expect(loaded.manifest.name).toBe('x');
  });
  it('says how to create a missing manifest', async () => {
    await expect(readManifest(dir)).rejects.toMatchObject({
      code: 'MANIFEST_NOT_FOUND',
      hint: expect.stringMatching(/fleetpack init/),
    });
  });
  it('refuses an oversized manifest without reading it all', async () => {
    await writeFile(join(dir, 'fleetpack.json'), Buffer.alloc(MAX_MANIFEST_BYTES + 10, 0x20));
    await expect(readManifest(dir)).rejects.toMatchObject({ code: 'MANIFEST_TOO_LARGE' });
  });
  it('refuses non-object JSON, invalid UTF-8 and malformed JSON with a location', async () => {
    await writeFile(join(dir, 'fleetpack.json'), '[1,2]');
    await expect(readManifest(dir)).rejects.toMatchObject({ code: 'MANIFEST_NOT_OBJECT' });
    await writeFile(join(dir, 'fleetpack.json'), Buffer.from([0x7b, 0xff, 0x7d]));
    await expect(readManifest(dir)).rejects.toMatchObject({ code: 'NOT_UTF8' });
    await writeFile(join(dir, 'fleetpack.json'), '{"name": "x",\n"version": }');
    await expect(readManifest(dir)).rejects.toMatchObject({
      code: 'MALFORMED_JSON',
      where: expect.stringMatching(/fleetpack\.json:2:12$/),
    });
  });
  it('keeps a "__proto__" key as data, not a prototype', async () => {
    await writeFile(join(dir, 'fleetpack.json'), '{"__proto__": {"polluted": true}, "name": "x"}');
    const m = await readManifest(dir);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(serializeManifest(m)).toContain('"__proto__"');
  });
  it('fails cleanly when the folder does not exist, leaving nothing behind', async () => {
    await expect(writeManifest(join(dir, 'nope'), sample)).rejects.toBeInstanceOf(PackageError);
  });
});

describe('hashing', () => {
  it('streams SHA-256 and size', async () => {
    const data = Buffer.alloc(3 * 1024 * 1024 + 7, 0xab);
    await writeFile(join(dir, 'f'), data);
    expect(await hashFile(join(dir, 'f'))).toEqual({
      name: join(dir, 'f'),
      size: data.length,
      digest: createHash('sha256').update(data).digest('hex'),
    });
  });
  it('stops when aborted', async () => {
    await writeFile(join(dir, 'f'), 'x');
    const ac = new AbortController();
    ac.abort();
    await expect(hashFile(join(dir, 'f'), { signal: ac.signal })).rejects.toMatchObject({ code: 'CANCELLED' });
  });
});

describe('buildDirAtomic', () => {
  it('builds a new folder, refuses an existing one without force, replaces it with force', async () => {
    const target = join(dir, 'pkg');
    await buildDirAtomic(target, async (tmp) => writeFile(join(tmp, 'a'), '1'));
    expect(await readFile(join(target, 'a'), 'utf8')).toBe('1');
    await expect(buildDirAtomic(target, async (tmp) => writeFile(join(tmp, 'a'), '2'))).rejects.toMatchObject({
      code: 'TARGET_EXISTS',
    });
    expect(await readFile(join(target, 'a'), 'utf8')).toBe('1');
    await buildDirAtomic(target, async (tmp) => writeFile(join(tmp, 'b'), '2'), { force: true });
    expect(await readdir(target)).toEqual(['b']);
    expect((await readdir(dir)).sort()).toEqual(['pkg']);
  });
  it('leaves the old folder untouched when the build fails, even with force', async () => {
    const target = join(dir, 'pkg');
    await mkdir(target);
    await writeFile(join(target, 'keep'), 'old');
    await expect(
      buildDirAtomic(
        target,
        async (tmp) => {
          await writeFile(join(tmp, 'half'), 'x');
          throw new PackageError('BOOM', 'failed midway');
        },
        { force: true },
      ),
    ).rejects.toMatchObject({ code: 'BOOM' });
    expect(await readdir(target)).toEqual(['keep']);
    expect(await readdir(dir)).toEqual(['pkg']);
  });
});

describe('duplicate keys', () => {
  it('are refused with the position of the second one, also when escaped differently', () => {
    expect(() => parseJson('{"license": "MIT",\n "license": "LicenseRef-x"}', { file: 'f' })).toThrow(
      expect.objectContaining({ code: 'DUPLICATE_KEY', where: 'f:2:2' }),
    );
    expect(() => parseJson('{"a": {"b": 1, "\\u0062": 2}}')).toThrow(
      expect.objectContaining({ code: 'DUPLICATE_KEY' }),
    );
    expect(parseJson('[{"a": 1}, {"a": 2}]')).toEqual([{ a: 1 }, { a: 2 }]);
  });
});

describe('listPackageFiles', () => {
  it('lists every regular file except the signature, sorted, and refuses links unless told to skip them', async () => {
    const { listPackageFiles } = await import('../../../src-main/package/index.js');
    const { symlink } = await import('node:fs/promises');
    await mkdir(join(dir, 'data'));
    for (const f of ['model.onnx', 'fleetpack.json', 'model.sig', 'data/w.bin', '.hidden'])
      await writeFile(join(dir, f), f);
    expect(await listPackageFiles(dir)).toEqual(['.hidden', 'data/w.bin', 'fleetpack.json', 'model.onnx']);
    await symlink('/etc/hostname', join(dir, 'link'));
    await expect(listPackageFiles(dir)).rejects.toMatchObject({ code: 'NOT_REGULAR_FILE' });
    expect(await listPackageFiles(dir, { skipOther: true })).toEqual([
      '.hidden',
      'data/w.bin',
      'fleetpack.json',
      'model.onnx',
    ]);
    await expect(listPackageFiles(join(dir, 'nope'))).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
