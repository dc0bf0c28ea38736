/**
 * ModelPack tar layers (as KitOps' ModelPack mode and modctl without --raw write them): archives
 * made by GNU tar (ustar and pax, long names, gzip) are unpacked by `pullPackage`; hostile ones
 * (escaping paths, links, devices, bad checksums, truncation, a file written twice) are refused
 * with a typed error and leave nothing behind.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { OciLayout, pullPackage, tarSize, tarStream, untar, type TarEntry } from '../../src-main/oci/index.js';
import { tempDir } from '../fixtures/temp.js';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const tmp = () => tempDir('fleetpack-tar-');

/** A layout holding one ModelPack artifact made of these layers. */
async function layoutWith(layers: { mediaType: string; bytes: Buffer; path?: string }[]): Promise<string> {
  const dir = join(tmp(), 'layout');
  const l = await OciLayout.open(dir, { create: true });
  const descs = [];
  for (const x of layers) {
    const d = await l.putBlob(Readable.from([x.bytes]));
    descs.push({
      mediaType: x.mediaType,
      digest: d.digest,
      size: d.size,
      ...(x.path ? { annotations: { 'org.cncf.model.filepath': x.path } } : {}),
    });
  }
  const config = Buffer.from(
    JSON.stringify({
      descriptor: { name: 'm' },
      config: {},
      modelfs: { type: 'layers', diffIds: descs.map((d) => d.digest) },
    }),
  );
  const c = await l.putBlob(Readable.from([config]));
  const manifest = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    artifactType: 'application/vnd.cncf.model.manifest.v1+json',
    config: { mediaType: 'application/vnd.cncf.model.config.v1+json', digest: c.digest, size: c.size },
    layers: descs,
  };
  await l.pushManifest(Buffer.from(JSON.stringify(manifest)), manifest.mediaType, { tag: 'v1' });
  return dir;
}

/** One tar header block (ustar), with a correct checksum unless told otherwise. */
function header(name: string, size: number, type = '0', opts: { badChecksum?: boolean } = {}): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0, 100, 'utf8');
  h.write('0000644\0', 100);
  h.write('0000000\0', 108);
  h.write('0000000\0', 116);
  h.write(size.toString(8).padStart(11, '0') + '\0', 124);
  h.write('00000000000\0', 136);
  h.write(type, 156);
  h.write('ustar\0' + '00', 257);
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  h.write((opts.badChecksum ? sum + 1 : sum).toString(8).padStart(6, '0') + '\0 ', 148);
  return h;
}
const entry = (name: string, data: Buffer, type = '0', opts: { badChecksum?: boolean } = {}) =>
  Buffer.concat([header(name, data.length, type, opts), data, Buffer.alloc((512 - (data.length % 512)) % 512)]);
const END = Buffer.alloc(1024);

describe('tar layers', () => {
  it('unpacks GNU tar archives (pax, long names, gzip) made by another tool', async () => {
    const src = tmp();
    const long = `${'deep/'.repeat(25)}weights-part-0001-of-0002.safetensors`;
    mkdirSync(join(src, long, '..'), { recursive: true });
    writeFileSync(join(src, long), Buffer.alloc(70_000, 3));
    writeFileSync(join(src, 'config.json'), '{"arch":"cnn"}');
    writeFileSync(join(src, 'README.md'), '# hi\n');
    const pax = spawnSync('tar', ['--format=pax', '-C', src, '-cf', '-', 'deep'], { maxBuffer: 1 << 26 }).stdout;
    const gnu = spawnSync('tar', ['--format=gnu', '-C', src, '-cf', '-', 'config.json'], { maxBuffer: 1 << 26 }).stdout;
    const gz = gzipSync(spawnSync('tar', ['--format=ustar', '-C', src, '-cf', '-', 'README.md']).stdout);
    const dir = await layoutWith([
      { mediaType: 'application/vnd.cncf.model.weight.v1.tar', bytes: pax, path: 'deep' },
      { mediaType: 'application/vnd.cnai.model.weight.config.v1.tar', bytes: gnu, path: 'config.json' },
      { mediaType: 'application/vnd.cncf.model.doc.v1.tar+gzip', bytes: gz, path: 'README.md' },
    ]);
    const out = join(tmp(), 'out');
    const r = await pullPackage(`oci:${dir}:v1`, out);
    expect(r.kind).toBe('modelpack');
    expect(r.unpacked.flatMap((u) => u.files).sort()).toEqual(['README.md', 'config.json', long].sort());
    expect(sha(readFileSync(join(out, long)))).toBe(sha(Buffer.alloc(70_000, 3)));
    expect(readFileSync(join(out, 'config.json'), 'utf8')).toBe('{"arch":"cnn"}');
    expect(readFileSync(join(out, 'README.md'), 'utf8')).toBe('# hi\n');
  });

  it('refuses a symbolic link made by GNU tar', async () => {
    const src = tmp();
    symlinkSync('/etc/passwd', join(src, 'passwd'));
    const t = spawnSync('tar', ['-C', src, '-cf', '-', 'passwd']).stdout;
    const dir = await layoutWith([{ mediaType: 'application/vnd.cncf.model.weight.v1.tar', bytes: t, path: 'passwd' }]);
    const out = join(tmp(), 'out');
    await expect(pullPackage(`oci:${dir}:v1`, out)).rejects.toMatchObject({
      code: 'OCI_LAYER_INVALID',
      message: expect.stringContaining('symbolic link'),
    });
    expect(existsSync(out)).toBe(false);
  });

  it.each([
    [
      'a path that escapes',
      Buffer.concat([entry('../../escape.txt', Buffer.from('x')), END]),
      'OCI_LAYER_PATH_INVALID',
    ],
    ['an absolute path', Buffer.concat([entry('/tmp/abs.txt', Buffer.from('x')), END]), 'OCI_LAYER_PATH_INVALID'],
    ['a hard link', Buffer.concat([entry('h', Buffer.alloc(0), '1'), END]), 'OCI_LAYER_INVALID'],
    ['a device', Buffer.concat([entry('d', Buffer.alloc(0), '3'), END]), 'OCI_LAYER_INVALID'],
    [
      'a bad header checksum',
      Buffer.concat([entry('f', Buffer.from('x'), '0', { badChecksum: true }), END]),
      'OCI_LAYER_INVALID',
    ],
    ['a truncated entry', entry('f', Buffer.alloc(4000, 1)).subarray(0, 1500), 'OCI_LAYER_INVALID'],
    ['no end blocks', entry('f', Buffer.from('x')), 'OCI_LAYER_INVALID'],
    [
      'the same file twice',
      Buffer.concat([entry('f', Buffer.from('a')), entry('F', Buffer.from('b')), END]),
      'OCI_LAYER_INVALID',
    ],
    [
      'a size that is not a number',
      Buffer.concat([
        (() => {
          const h = header('f', 1);
          h.write('zz', 124);
          return h;
        })(),
        END,
      ]),
      'OCI_LAYER_INVALID',
    ],
  ])('refuses %s and writes nothing', async (_name, bytes, code) => {
    const dir = await layoutWith([{ mediaType: 'application/vnd.cncf.model.weight.v1.tar', bytes, path: 'w' }]);
    const out = join(tmp(), 'out');
    await expect(pullPackage(`oci:${dir}:v1`, out)).rejects.toMatchObject({ code });
    expect(existsSync(out)).toBe(false);
  });

  it('refuses a corrupt gzip stream, and tar+zstd it cannot decompress', async () => {
    const gz = gzipSync(Buffer.concat([entry('f', Buffer.alloc(10_000, 1)), END]));
    gz[gz.length - 30] = gz[gz.length - 30]! ^ 0xff;
    const dir = await layoutWith([
      { mediaType: 'application/vnd.cncf.model.weight.v1.tar+gzip', bytes: gz, path: 'f' },
    ]);
    await expect(pullPackage(`oci:${dir}:v1`, join(tmp(), 'out'))).rejects.toMatchObject({ code: 'OCI_LAYER_INVALID' });
    const z = await layoutWith([
      { mediaType: 'application/vnd.cncf.model.weight.v1.tar+zstd', bytes: Buffer.from('x'), path: 'f' },
    ]);
    await expect(pullPackage(`oci:${z}:v1`, join(tmp(), 'out'))).rejects.toMatchObject({
      code: 'OCI_UNSUPPORTED_MEDIA_TYPE',
    });
  });
});

describe('tar writer', () => {
  const files: [string, Buffer][] = [
    ['pkg-1.0.0/model.onnx', Buffer.alloc(70_000, 7)],
    ['pkg-1.0.0/empty.bin', Buffer.alloc(0)],
    ['pkg-1.0.0/exactly-512.bin', Buffer.alloc(512, 1)],
    [`pkg-1.0.0/${'deep/'.repeat(30)}weights.bin`, Buffer.from('deep')],
    [`pkg-1.0.0/données-${'é'.repeat(120)}.bin`, Buffer.from('utf8 name')],
  ];
  async function written(): Promise<{ tar: Buffer; entries: TarEntry[] }> {
    const src = tmp();
    const entries = files.map(([name, bytes], i) => {
      const path = join(src, `f${i}`);
      writeFileSync(path, bytes);
      return { name, path, size: bytes.length, mtime: 1_700_000_000 };
    });
    const chunks: Buffer[] = [];
    for await (const c of tarStream(entries)) chunks.push(c);
    return { tar: Buffer.concat(chunks), entries };
  }

  it('writes what untar and GNU tar read back, at the length tarSize promised', async () => {
    const { tar, entries } = await written();
    expect(tar.length).toBe(tarSize(entries));
    const out = tmp();
    const names = await untar(Readable.from([tar]), out, { where: 't', written: new Set() });
    expect(names.sort()).toEqual(files.map(([n]) => n).sort());
    for (const [name, bytes] of files) expect(sha(readFileSync(join(out, name)))).toBe(sha(bytes));
    const file = join(tmp(), 'p.tar');
    writeFileSync(file, tar);
    const gnuOut = tmp();
    const r = spawnSync('tar', ['-xf', file, '-C', gnuOut], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    for (const [name, bytes] of files) expect(readFileSync(join(gnuOut, name)).equals(bytes)).toBe(true);
  });

  it('refuses a file that changed size since it was listed', async () => {
    const path = join(tmp(), 'grows');
    writeFileSync(path, 'abc');
    const run = async () => {
      let bytes = 0;
      for await (const c of tarStream([{ name: 'x/grows', path, size: 2 }])) bytes += c.length;
      return bytes;
    };
    await expect(run()).rejects.toMatchObject({ code: 'TAR_SOURCE_CHANGED' });
  });
});
