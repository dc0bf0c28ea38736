/**
 * The OCI parsers and rules that need no registry: references, WWW-Authenticate challenges,
 * manifests/indexes from untrusted bytes (plus a fuzz run), layer paths, digest verification,
 * the ModelPack config against its vendored schema, Docker config credentials.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { isFleetpackError, OciError } from '../../src-main/errors.js';
import type { Manifest } from '../../src-main/manifest/index.js';
import {
  artifactFiles,
  buildArtifact,
  checkLayerPath,
  DigestVerifier,
  dockerConfigCredentials,
  encodeContent,
  formatReference,
  type ImageManifest,
  parseContent,
  parseReference,
  registryOrigin,
  sha256Digest,
  summarize,
  tagForVersion,
} from '../../src-main/oci/index.js';
import { parseChallenges } from '../../src-main/oci/challenge.js';
import { modelPackConfigValidator } from '../fixtures/oci-schemas.js';
import { rng } from '../fixtures/rng.js';
import { tempDir } from '../fixtures/temp.js';

const code = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (e) {
    if (isFleetpackError(e)) return e.code;
    throw e;
  }
  return undefined;
};

describe('references', () => {
  it('parses registry references with port, nested repository, tag and digest', () => {
    const d = `sha256:${'a'.repeat(64)}`;
    expect(parseReference(`127.0.0.1:5000/acme/vision/person-detector:1.4.0@${d}`)).toEqual({
      kind: 'registry',
      registry: '127.0.0.1:5000',
      repository: 'acme/vision/person-detector',
      tag: '1.4.0',
      digest: d,
    });
    expect(parseReference('ghcr.io/acme/model')).toEqual({
      kind: 'registry',
      registry: 'ghcr.io',
      repository: 'acme/model',
    });
    expect(parseReference('localhost/m:latest')).toMatchObject({ registry: 'localhost', tag: 'latest' });
    expect(parseReference('[::1]:5000/m:t')).toMatchObject({ registry: '[::1]:5000', repository: 'm' });
    expect(formatReference(parseReference(`ghcr.io/a/b:t`), d)).toBe(`ghcr.io/a/b:t@${d}`);
  });

  it('parses layout references relative to cwd, with tag and digest', () => {
    expect(parseReference('oci:out/layout:v1', '/work')).toEqual({
      kind: 'layout',
      path: '/work/out/layout',
      tag: 'v1',
    });
    expect(parseReference('oci:/abs/layout')).toEqual({ kind: 'layout', path: '/abs/layout' });
    const d = `sha256:${'b'.repeat(64)}`;
    expect(parseReference(`oci:/l:t@${d}`)).toEqual({ kind: 'layout', path: '/l', tag: 't', digest: d });
  });

  it.each([
    ['person-detector:1.0', 'no registry host'],
    ['docker/model:1.0', 'Docker Hub short names'],
    ['ghcr.io/Acme/model:1', 'not a repository name'],
    ['ghcr.io/acme/model:bad tag', 'not a valid tag'],
    ['ghcr.io/acme/model@sha256:abc', 'digest'],
    ['ghcr.io:99999/m', 'host[:port]'],
    ['', 'empty'],
    ['oci::tag', 'no layout folder'],
  ])('refuses %j (%s) with OCI_REF_INVALID', (ref, why) => {
    let err: unknown;
    try {
      parseReference(ref);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(OciError);
    expect((err as OciError).code).toBe('OCI_REF_INVALID');
    expect((err as OciError).message).toContain(why);
    expect((err as OciError).hint).toMatch(/HOST\[:PORT\]\/REPO/);
  });

  it('allows plain HTTP only to loopback hosts unless --insecure', () => {
    expect(registryOrigin('127.0.0.1:5000', { plainHttp: true })).toBe('http://127.0.0.1:5000');
    expect(registryOrigin('localhost:5000', { plainHttp: true })).toBe('http://localhost:5000');
    expect(registryOrigin('[::1]:5000', { plainHttp: true })).toBe('http://[::1]:5000');
    expect(registryOrigin('registry.example.com')).toBe('https://registry.example.com');
    expect(code(() => registryOrigin('registry.example.com', { plainHttp: true }))).toBe('OCI_PLAIN_HTTP_REFUSED');
    expect(code(() => registryOrigin('10.0.0.5:5000', { plainHttp: true }))).toBe('OCI_PLAIN_HTTP_REFUSED');
    expect(registryOrigin('10.0.0.5:5000', { plainHttp: true, insecure: true })).toBe('http://10.0.0.5:5000');
  });

  it('derives a tag from a semver version', () => {
    expect(tagForVersion('1.4.0')).toBe('1.4.0');
    expect(tagForVersion('2.0.0-rc.1+build.5')).toBe('2.0.0-rc.1_build.5');
  });
});

describe('WWW-Authenticate', () => {
  it('reads Bearer and Basic challenges with quoted and token values', () => {
    expect(
      parseChallenges(
        'Bearer realm="https://auth.example.com/token",service="registry.example.com",scope="repository:a/b:pull,push", Basic realm=x',
      ),
    ).toEqual([
      {
        scheme: 'bearer',
        params: {
          realm: 'https://auth.example.com/token',
          service: 'registry.example.com',
          scope: 'repository:a/b:pull,push',
        },
      },
      { scheme: 'basic', params: { realm: 'x' } },
    ]);
    expect(parseChallenges('Basic realm="a \\"quoted\\" realm"')).toEqual([
      { scheme: 'basic', params: { realm: 'a "quoted" realm' } },
    ]);
    expect(parseChallenges('')).toEqual([]);
    expect(parseChallenges(null)).toEqual([]);
  });

  it('never throws on garbage', () => {
    const r = rng(16);
    const alphabet = 'Bearer realm="=,\\ \t;ab';
    for (let i = 0; i < 2000; i++) {
      let s = '';
      for (let k = Math.floor(r() * 60); k > 0; k--) s += alphabet.charAt(Math.floor(r() * alphabet.length));
      expect(Array.isArray(parseChallenges(s))).toBe(true);
    }
  });
});

const D = (c: string) => `sha256:${c.repeat(64)}`;
const validManifest = {
  schemaVersion: 2,
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
  artifactType: 'application/vnd.cncf.model.manifest.v1+json',
  config: { mediaType: 'application/vnd.cncf.model.config.v1+json', digest: D('1'), size: 10 },
  layers: [
    {
      mediaType: 'application/vnd.cncf.model.weight.v1.raw',
      digest: D('2'),
      size: 20,
      annotations: { 'org.cncf.model.filepath': 'model.onnx' },
    },
  ],
};

describe('manifests from untrusted bytes', () => {
  const bytes = (o: unknown) => Buffer.from(JSON.stringify(o));

  it('parses an OCI manifest and an index, agreeing with the Content-Type', () => {
    const m = parseContent(bytes(validManifest), 'application/vnd.oci.image.manifest.v1+json', 'test');
    expect(m.kind).toBe('manifest');
    const i = parseContent(
      bytes({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [] }),
      undefined,
      'test',
    );
    expect(i.kind).toBe('index');
    // KitOps-style: no mediaType in the body, the Content-Type says what it is
    const { mediaType: _, ...noType } = validManifest;
    expect(parseContent(bytes(noType), 'application/vnd.oci.image.manifest.v1+json', 'test').kind).toBe('manifest');
  });

  it.each([
    [
      'an unknown mediaType',
      { ...validManifest, mediaType: 'application/vnd.example.thing+json' },
      undefined,
      'OCI_UNSUPPORTED_MEDIA_TYPE',
    ],
    [
      'a Docker image manifest',
      { ...validManifest, mediaType: 'application/vnd.docker.distribution.manifest.v2+json' },
      undefined,
      'OCI_UNSUPPORTED_MEDIA_TYPE',
    ],
    [
      'an unknown Content-Type',
      { ...validManifest, mediaType: undefined },
      'application/x-whatever',
      'OCI_UNSUPPORTED_MEDIA_TYPE',
    ],
    ['a Content-Type that disagrees', validManifest, 'application/vnd.oci.image.index.v1+json', 'OCI_MANIFEST_INVALID'],
    ['schemaVersion 1', { ...validManifest, schemaVersion: 1 }, undefined, 'OCI_MANIFEST_INVALID'],
    [
      'a negative size',
      { ...validManifest, config: { ...validManifest.config, size: -1 } },
      undefined,
      'OCI_MANIFEST_INVALID',
    ],
    [
      'a size past 2^53',
      { ...validManifest, config: { ...validManifest.config, size: 2 ** 60 } },
      undefined,
      'OCI_MANIFEST_INVALID',
    ],
    [
      'an uppercase digest',
      { ...validManifest, config: { ...validManifest.config, digest: D('A') } },
      undefined,
      'OCI_MANIFEST_INVALID',
    ],
    [
      'a md5 digest',
      { ...validManifest, config: { ...validManifest.config, digest: `md5:${'a'.repeat(32)}` } },
      undefined,
      'OCI_MANIFEST_INVALID',
    ],
    [
      'annotations that are not strings',
      { ...validManifest, annotations: { a: 1 } },
      undefined,
      'OCI_MANIFEST_INVALID',
    ],
    ['layers that are not a list', { ...validManifest, layers: {} }, undefined, 'OCI_MANIFEST_INVALID'],
  ])('refuses %s', (_name, doc, contentType, expected) => {
    expect(code(() => parseContent(bytes(doc), contentType, 'test'))).toBe(expected);
  });

  it('refuses malformed JSON, duplicate keys, deep nesting and invalid UTF-8 as OCI_MANIFEST_INVALID', () => {
    expect(code(() => parseContent(Buffer.from('{"schemaVersion":2,'), undefined, 't'))).toBe('OCI_MANIFEST_INVALID');
    expect(code(() => parseContent(Buffer.from('{"schemaVersion":2,"schemaVersion":2}'), undefined, 't'))).toBe(
      'OCI_MANIFEST_INVALID',
    );
    expect(code(() => parseContent(Buffer.from('['.repeat(100000)), undefined, 't'))).toBe('OCI_MANIFEST_INVALID');
    expect(code(() => parseContent(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), undefined, 't'))).toBe(
      'OCI_MANIFEST_INVALID',
    );
  });

  it('fuzz: mutated manifests give a typed error or a parsed document, never anything else', () => {
    const seed = JSON.stringify(validManifest);
    const r = rng(42);
    const alphabet = '{}[]":,0123456789abcdef-.\\ ';
    for (let i = 0; i < 3000; i++) {
      let s = seed;
      for (let k = 1 + Math.floor(r() * 4); k > 0; k--) {
        const at = Math.floor(r() * s.length);
        const op = r();
        if (op < 0.4) s = s.slice(0, at) + s.slice(at + 1 + Math.floor(r() * 8));
        else if (op < 0.8) s = s.slice(0, at) + alphabet.charAt(Math.floor(r() * alphabet.length)) + s.slice(at);
        else s = s.slice(0, at) + s.slice(at, at + 40) + s.slice(at);
      }
      try {
        const parsed = parseContent(Buffer.from(s), undefined, 'fuzz');
        if (parsed.kind === 'manifest') {
          // whatever parsed must be safe to map to files: typed error or a checked list
          try {
            artifactFiles(parsed.manifest, 'fuzz');
          } catch (e) {
            expect(isFleetpackError(e)).toBe(true);
          }
        }
      } catch (e) {
        expect(isFleetpackError(e)).toBe(true);
      }
    }
  });
});

describe('layer paths', () => {
  it.each([
    '../escape',
    'a/../../b',
    '/etc/passwd',
    'C:/x',
    'a\\b',
    'a//b',
    './a',
    '',
    'a\u0000b',
    `${'x'.repeat(256)}/y`,
  ])('refuses %j', (p) => {
    expect(code(() => checkLayerPath(p, 'test'))).toBe('OCI_LAYER_PATH_INVALID');
  });
  it('accepts ordinary relative paths', () => {
    expect(checkLayerPath('weights/part-1.bin', 't')).toBe('weights/part-1.bin');
  });

  it('refuses two layers writing the same file (up to case) and a layer without a path', () => {
    const m = structuredClone(validManifest) as ImageManifest;
    m.layers.push({ ...m.layers[0]!, digest: D('3'), annotations: { 'org.cncf.model.filepath': 'MODEL.onnx' } });
    expect(code(() => artifactFiles(m, 't'))).toBe('OCI_LAYER_PATH_INVALID');
    const n = structuredClone(validManifest) as ImageManifest;
    delete n.layers[0]!.annotations;
    expect(code(() => artifactFiles(n, 't'))).toBe('OCI_LAYER_PATH_INVALID');
  });

  it('reads the older vnd.cnai names and refuses artifacts that are not models', () => {
    const m = structuredClone(validManifest) as ImageManifest;
    m.artifactType = 'application/vnd.cnai.model.manifest.v1+json';
    m.config.mediaType = 'application/vnd.cnai.model.config.v1+json';
    m.layers[0] = {
      mediaType: 'application/vnd.cnai.model.weight.v1.raw',
      digest: D('2'),
      size: 20,
      annotations: { 'org.cnai.model.filepath': 'w.bin' },
    };
    expect(artifactFiles(m, 't')).toMatchObject({ kind: 'modelpack', files: [{ path: 'w.bin', encoding: 'raw' }] });
    const other = {
      ...m,
      artifactType: 'application/vnd.example.other',
      config: { ...m.config, mediaType: 'application/json' },
    };
    expect(code(() => artifactFiles(other, 't'))).toBe('OCI_NOT_A_PACKAGE');
  });
});

describe('digest verification', () => {
  const run = async (data: Buffer, desc: { digest: string; size: number }) => {
    const chunks: Buffer[] = [];
    await pipeline(
      Readable.from([data.subarray(0, 3), data.subarray(3)]),
      new DigestVerifier(desc, 'blob', 'here'),
      async (src) => {
        for await (const c of src) chunks.push(c as Buffer);
      },
    );
    return Buffer.concat(chunks);
  };
  const data = Buffer.from('hello, registry');

  it('passes content that matches and refuses content that does not', async () => {
    expect(await run(data, { digest: sha256Digest(data), size: data.length })).toEqual(data);
    await expect(run(data, { digest: sha256Digest(Buffer.from('other')), size: data.length })).rejects.toMatchObject({
      code: 'OCI_DIGEST_MISMATCH',
    });
    await expect(run(data, { digest: sha256Digest(data), size: data.length + 1 })).rejects.toMatchObject({
      code: 'OCI_SIZE_MISMATCH',
    });
    await expect(run(data, { digest: sha256Digest(data), size: 4 })).rejects.toMatchObject({
      code: 'OCI_SIZE_MISMATCH',
    });
  });
});

describe('ModelPack mapping', () => {
  const manifest: Manifest = {
    schemaVersion: '1.0',
    name: 'person-detector',
    version: '1.4.0',
    description: 'Detects people.',
    authors: [{ name: 'Vision Team', email: 'v@example.com', organization: 'Example' }],
    framework: { format: 'onnx', precision: 'fp16' },
    artifact: {
      file: 'model.onnx',
      files: [
        { path: 'model.onnx', size: 10, sha256: 'a'.repeat(64), role: 'model' },
        { path: 'weights.bin', size: 20, sha256: 'b'.repeat(64), role: 'external-data' },
      ],
    },
    inputs: [],
    outputs: [],
    target: { profiles: ['raspberrypi-5-8gb-ai-kit', 'coral-dev-board'] },
    license: 'Apache-2.0',
    sbom: { file: 'sbom.cdx.json', format: 'cyclonedx', specVersion: '1.6', sha256: 'c'.repeat(64) },
  };
  const files = [
    { path: 'sbom.cdx.json', size: 5, digest: D('c') },
    { path: 'README.md', size: 7, digest: D('e') },
    { path: 'fleetpack.json', size: 3, digest: D('d') },
    { path: 'weights.bin', size: 20, digest: D('b') },
    { path: 'model.sig', size: 4, digest: D('f') },
    { path: 'model.onnx', size: 10, digest: D('a') },
  ];

  it('maps each file to one raw layer, model first, with ModelPack and Fleetpack media types', () => {
    const a = buildArtifact(manifest, files);
    expect(a.layers.map((l) => [l.path, l.descriptor.mediaType])).toEqual([
      ['model.onnx', 'application/vnd.cncf.model.weight.v1.raw'],
      ['weights.bin', 'application/vnd.cncf.model.weight.v1.raw'],
      ['README.md', 'application/vnd.cncf.model.doc.v1.raw'],
      ['fleetpack.json', 'application/vnd.fleetpack.manifest.v1+json'],
      ['model.sig', 'application/vnd.dev.sigstore.bundle.v0.3+json'],
      ['sbom.cdx.json', 'application/vnd.cyclonedx+json'],
    ]);
    expect(a.layers.every((l) => l.descriptor.annotations?.['org.cncf.model.filepath'] === l.path)).toBe(true);
    expect(a.layers.find((l) => l.path === 'README.md')!.descriptor.annotations).toMatchObject({
      'org.cncf.model.file.mediatype.untested': 'true',
    });
    expect(a.manifest).toMatchObject({
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      artifactType: 'application/vnd.cncf.model.manifest.v1+json',
      config: { mediaType: 'application/vnd.cncf.model.config.v1+json' },
    });
    expect(a.manifest.annotations).toMatchObject({
      'dev.fleetpack.name': 'person-detector',
      'dev.fleetpack.version': '1.4.0',
      'dev.fleetpack.framework': 'onnx',
      'dev.fleetpack.target.profiles': 'raspberrypi-5-8gb-ai-kit,coral-dev-board',
      'dev.fleetpack.manifest.digest': D('d'),
      'dev.fleetpack.model.digest': D('a'),
      'dev.fleetpack.signature.digest': D('f'),
      'dev.fleetpack.sbom.digest': D('c'),
    });
    expect(encodeContent(a.manifest)).toEqual(a.manifestBytes);
    expect(a.sbom?.digest).toBe(D('c'));
  });

  it('writes a ModelPack config that validates against the vendored schema and holds nothing of ours', () => {
    const a = buildArtifact(manifest, files);
    const config = JSON.parse(a.config.toString());
    const validate = modelPackConfigValidator();
    expect(validate(config), JSON.stringify(validate.errors)).toBe(true);
    expect(config).toEqual({
      descriptor: {
        name: 'person-detector',
        version: '1.4.0',
        description: 'Detects people.',
        authors: ['Vision Team <v@example.com> (Example)'],
        licenses: ['Apache-2.0'],
      },
      config: { format: 'onnx', precision: 'float16' },
      modelfs: { type: 'layers', diffIds: a.layers.map((l) => l.descriptor.digest) },
    });
    expect(a.configDescriptor.digest).toBe(sha256Digest(a.config));
    // the schema is closed: a field of ours would be refused
    expect(validate({ ...config, fleetpack: {} })).toBe(false);
  });

  it.each([
    ['minimal', { description: undefined, authors: undefined, license: undefined, target: undefined }],
    [
      'tflite int8 with quantization',
      { framework: { format: 'tflite', precision: 'int8', quantization: 'full-integer' } },
    ],
    ['tensorrt mixed precision', { framework: { format: 'tensorrt', precision: 'mixed' } }],
    ['an author without email', { authors: [{ name: 'Solo' }] }],
  ])('builds a schema-valid config for a %s manifest', (_name, over) => {
    const m = { ...manifest, ...over } as Manifest;
    const config = JSON.parse(buildArtifact(m, files).config.toString());
    const validate = modelPackConfigValidator();
    expect(validate(config), JSON.stringify(validate.errors)).toBe(true);
  });

  it('is deterministic: the same package gives the same manifest digest', () => {
    expect(sha256Digest(buildArtifact(manifest, files).manifestBytes)).toBe(
      sha256Digest(buildArtifact(manifest, [...files].reverse()).manifestBytes),
    );
  });

  it('summarizes from the manifest alone', () => {
    const s = summarize(buildArtifact(manifest, files).manifest);
    expect(s).toMatchObject({
      kind: 'fleetpack',
      name: 'person-detector',
      version: '1.4.0',
      framework: 'onnx',
      profiles: ['raspberrypi-5-8gb-ai-kit', 'coral-dev-board'],
      hasSignature: true,
      signatureDigest: D('f'),
      sbomDigest: D('c'),
    });
    expect(s.totalSize).toBe(49 + buildArtifact(manifest, files).config.length);
  });
});

describe('Docker config credentials (read only)', () => {
  const dir = tempDir('fleetpack-docker-');
  const env = { DOCKER_CONFIG: dir, HOME: dir };
  it('reads auth, username/password and identitytoken entries keyed in any common form', async () => {
    writeFileSync(
      join(dir, 'config.json'),
      JSON.stringify({
        auths: {
          'https://reg.example.com/v1/': { auth: Buffer.from('alice:s3cr:et').toString('base64') },
          'other.example.com:5000': { identitytoken: 'refresh-me' },
        },
        credHelpers: { 'ecr.example.com': 'ecr-login' },
      }),
    );
    expect(await dockerConfigCredentials('reg.example.com', env)).toMatchObject({
      source: 'docker-config',
      credentials: { username: 'alice', password: 's3cr:et' },
    });
    expect(await dockerConfigCredentials('other.example.com:5000', env)).toMatchObject({
      credentials: { identityToken: 'refresh-me' },
    });
    const helper = await dockerConfigCredentials('ecr.example.com', env);
    expect(helper.source).toBe('none');
    expect(helper.note).toMatch(/docker-credential-ecr-login.*fleetpack registry login/);
    expect((await dockerConfigCredentials('none.example.com', env)).source).toBe('none');
  });

  it('treats a malformed config as a note, never a crash', async () => {
    writeFileSync(join(dir, 'config.json'), '{"auths": ');
    expect(await dockerConfigCredentials('reg.example.com', env)).toMatchObject({ source: 'none' });
  });
});
