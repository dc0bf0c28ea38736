/**
 * A Fleetpack package as a CNCF ModelPack artifact, and back.
 *
 * Writing: one raw (uncompressed) layer per package file, so a layer digest *is* the SHA-256 the
 * manifest and the OMS signature record; each layer annotated with `org.cncf.model.filepath`; a
 * ModelPack config (closed schema: only ModelPack's own fields); the facts a
 * platform needs without pulling any layer as `dev.fleetpack.*` manifest annotations.
 *
 * Reading: accepts `vnd.cncf.*` and the older `vnd.cnai.*` names, and plain ModelPack artifacts
 * from other tools (no `fleetpack.json` layer); every layer path is checked before it is used.
 */
import { OciError } from '../errors.js';
import { type Manifest, MANIFEST_FILE, SBOM_FILES, SIGNATURE_FILE } from '../manifest/index.js';

import type { Descriptor, ImageManifest } from './content.js';
import { encodeContent } from './content.js';
import { sha256Digest } from './digest.js';
import {
  ANNOTATION_DESCRIPTION,
  ANNOTATION_FILEPATH,
  ANNOTATION_LICENSES,
  ANNOTATION_TITLE,
  ANNOTATION_UNTESTED,
  ANNOTATION_VERSION,
  FILEPATH_ANNOTATIONS,
  FLEETPACK_ANNOTATIONS,
  FLEETPACK_MANIFEST_LAYER,
  type LayerEncoding,
  MODEL_ARTIFACT_TYPE,
  MODEL_ARTIFACT_TYPES,
  MODEL_CONFIG,
  MODEL_CONFIGS,
  modelLayerType,
  OCI_MANIFEST,
  parseModelLayerType,
  SBOM_LAYER_TYPES,
  SIGNATURE_LAYER,
} from './media-types.js';

/** A package file on its way to becoming a layer. */
export interface PackageFile {
  /** Relative path in the package, '/' separated. */
  path: string;
  size: number;
  /** `sha256:<hex>` */
  digest: string;
}

export interface ModelPackConfig {
  descriptor: {
    name?: string;
    version?: string;
    description?: string;
    authors?: string[];
    licenses?: string[];
  };
  config: { format?: string; precision?: string; quantization?: string };
  modelfs: { type: 'layers'; diffIds: string[] };
}

export interface BuiltArtifact {
  manifest: ImageManifest;
  manifestBytes: Buffer;
  config: Buffer;
  configDescriptor: Descriptor;
  /** Layer descriptors in manifest order, each with the package path it came from. */
  layers: { path: string; descriptor: Descriptor }[];
  /** The SBOM layer, when the package has one (pushed again as a referrer). */
  sbom: Descriptor | undefined;
}

const MODEL_EXTENSIONS = /\.(onnx|tflite|engine|plan|trt)$/i;
const DOC_FILES = /(^|\/)(readme|license|licence|notice|changelog)[^/]*$|\.(md|txt|rst|pdf|html)$/i;
const CODE_FILES = /\.(py|sh|js|ts|ipynb|c|cc|cpp|h)$/i;

/** ModelPack's precision names for the ones Fleetpack manifests use. */
const PRECISION: Record<string, string> = {
  fp32: 'float32',
  float32: 'float32',
  fp16: 'float16',
  float16: 'float16',
  bf16: 'bfloat16',
  bfloat16: 'bfloat16',
  fp64: 'float64',
  int8: 'int8',
  uint8: 'uint8',
  int16: 'int16',
  int32: 'int32',
};

/** Media type of a package file's layer, and whether the kind is a guess (ModelPack "untested"). */
export function layerMediaType(path: string, manifest: Manifest): { mediaType: string; guessed: boolean } {
  if (path === MANIFEST_FILE) return { mediaType: FLEETPACK_MANIFEST_LAYER, guessed: false };
  if (path === SIGNATURE_FILE) return { mediaType: SIGNATURE_LAYER, guessed: false };
  const sbomType = SBOM_LAYER_TYPES[path];
  if (sbomType && (manifest.sbom?.file === path || Object.values(SBOM_FILES).includes(path as never)))
    return { mediaType: sbomType, guessed: false };
  const listed = manifest.artifact.files.find((f) => f.path === path);
  if (listed?.role === 'model' || listed?.role === 'external-data')
    return { mediaType: modelLayerType('weight'), guessed: false };
  if (listed?.role === 'companion' && MODEL_EXTENSIONS.test(path))
    return { mediaType: modelLayerType('weight'), guessed: false };
  if (listed) return { mediaType: modelLayerType('weight.config'), guessed: false };
  if (DOC_FILES.test(path)) return { mediaType: modelLayerType('doc'), guessed: true };
  if (CODE_FILES.test(path)) return { mediaType: modelLayerType('code'), guessed: true };
  return { mediaType: modelLayerType('weight.config'), guessed: true };
}

/** The ModelPack config for a package: ModelPack's fields only (its schema is closed). */
export function buildConfig(manifest: Manifest, diffIds: string[]): ModelPackConfig {
  const authors = (manifest.authors ?? []).map(
    (a) => `${a.name}${a.email ? ` <${a.email}>` : ''}${a.organization ? ` (${a.organization})` : ''}`,
  );
  const precision = manifest.framework.precision ? PRECISION[manifest.framework.precision.toLowerCase()] : undefined;
  const config: ModelPackConfig = {
    descriptor: {
      name: manifest.name,
      version: manifest.version,
      ...(manifest.description ? { description: manifest.description } : {}),
      ...(authors.length ? { authors } : {}),
      ...(manifest.license ? { licenses: [manifest.license] } : {}),
    },
    config: {
      format: manifest.framework.format,
      ...(precision ? { precision } : {}),
      ...(manifest.framework.quantization ? { quantization: manifest.framework.quantization } : {}),
    },
    modelfs: { type: 'layers', diffIds },
  };
  // Valid by construction (strings from a validated manifest, a fixed precision map, at least one
  // layer); the tests check it against the vendored ModelPack schema. No schema compile per push.
  return config;
}

const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

/**
 * The artifact for a package: `files` are every file of the folder (signature included) with their
 * digests; the model file and its data files come first, in manifest order, the rest by path.
 */
export function buildArtifact(manifest: Manifest, files: readonly PackageFile[]): BuiltArtifact {
  const order = new Map(manifest.artifact.files.map((f, i) => [f.path, i]));
  const sorted = [...files].sort((a, b) => {
    const ia = order.get(a.path) ?? Infinity;
    const ib = order.get(b.path) ?? Infinity;
    if (ia !== ib) return ia - ib;
    return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
  });
  const layers = sorted.map((f) => {
    const { mediaType, guessed } = layerMediaType(f.path, manifest);
    const descriptor: Descriptor = {
      mediaType,
      digest: f.digest,
      size: f.size,
      annotations: {
        [ANNOTATION_FILEPATH]: f.path,
        [ANNOTATION_TITLE]: f.path,
        ...(guessed ? { [ANNOTATION_UNTESTED]: 'true' } : {}),
      },
    };
    return { path: f.path, descriptor };
  });
  const config = encodeConfig(
    buildConfig(
      manifest,
      layers.map((l) => l.descriptor.digest),
    ),
  );
  const configDescriptor: Descriptor = { mediaType: MODEL_CONFIG, digest: sha256Digest(config), size: config.length };
  const find = (p: string) => layers.find((l) => l.path === p)?.descriptor;
  const sbom = layers.find((l) => Object.values(SBOM_LAYER_TYPES).includes(l.descriptor.mediaType))?.descriptor;
  const model = find(manifest.artifact.file);
  const sig = find(SIGNATURE_FILE);
  const a = FLEETPACK_ANNOTATIONS;
  const profiles = manifest.target?.profiles ?? [];
  const annotations: Record<string, string> = {
    [ANNOTATION_TITLE]: manifest.name,
    [ANNOTATION_VERSION]: manifest.version,
    ...(manifest.license ? { [ANNOTATION_LICENSES]: manifest.license } : {}),
    ...(manifest.description ? { [ANNOTATION_DESCRIPTION]: clip(manifest.description, 1024) } : {}),
    [a.name]: manifest.name,
    [a.version]: manifest.version,
    [a.framework]: manifest.framework.format,
    ...(profiles.length ? { [a.profiles]: profiles.join(',') } : {}),
    ...(manifest.channel ? { [a.channel]: manifest.channel } : {}),
    ...(find(MANIFEST_FILE) ? { [a.manifestDigest]: find(MANIFEST_FILE)!.digest } : {}),
    ...(model ? { [a.modelDigest]: model.digest } : {}),
    ...(sig ? { [a.signatureDigest]: sig.digest } : {}),
    ...(sbom ? { [a.sbomDigest]: sbom.digest } : {}),
  };
  const imageManifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    artifactType: MODEL_ARTIFACT_TYPE,
    config: configDescriptor,
    layers: layers.map((l) => l.descriptor),
    annotations,
  };
  return {
    manifest: imageManifest,
    manifestBytes: encodeContent(imageManifest),
    config,
    configDescriptor,
    layers,
    sbom,
  };
}

export function encodeConfig(config: ModelPackConfig): Buffer {
  return Buffer.from(JSON.stringify(config), 'utf8');
}

/** What a platform needs to know about a pushed package, from the manifest alone. */
export interface PackageSummary {
  /** `fleetpack`: has a fleetpack.json layer; `modelpack`: a ModelPack artifact without one. */
  kind: 'fleetpack' | 'modelpack';
  artifactType?: string;
  configMediaType: string;
  name?: string;
  version?: string;
  framework?: string;
  profiles: string[];
  channel?: string;
  manifestDigest?: string;
  modelDigest?: string;
  /** A model.sig layer is present (not verified: verification needs the signer's key). */
  hasSignature: boolean;
  signatureDigest?: string;
  sbomDigest?: string;
  layers: { path?: string; mediaType: string; digest: string; size: number }[];
  totalSize: number;
}

/** A layer as a file to write: where, and how it is encoded. */
export interface ArtifactFile {
  path: string;
  descriptor: Descriptor;
  encoding: LayerEncoding;
}

const ARCHIVE_TYPE = /(\.tar|tar\+gzip|tar\+zstd|\+gzip|\+zstd|\.gzip|\.zstd)$/;

function layerEncoding(mediaType: string): LayerEncoding | 'unknown-archive' {
  const mp = parseModelLayerType(mediaType);
  if (mp) return mp.encoding;
  if (mediaType === 'application/vnd.oci.image.layer.v1.tar') return 'tar';
  if (mediaType === 'application/vnd.oci.image.layer.v1.tar+gzip') return 'tar+gzip';
  if (mediaType === 'application/vnd.oci.image.layer.v1.tar+zstd') return 'tar+zstd';
  return ARCHIVE_TYPE.test(mediaType) ? 'unknown-archive' : 'raw';
}

function layerPath(d: Descriptor): string | undefined {
  for (const k of FILEPATH_ANNOTATIONS) if (d.annotations?.[k]) return d.annotations[k];
  return d.annotations?.[ANNOTATION_TITLE];
}

const MAX_PATH = 1024;

/** Refuses a layer path that could escape the target folder or is not portable. */
export function checkLayerPath(path: string, where: string): string {
  const fail = (why: string) =>
    new OciError('OCI_LAYER_PATH_INVALID', `Layer path ${JSON.stringify(clip(path, 200))} ${why}`, {
      where,
      hint: 'The artifact names a file outside the package folder or with an unusable name; it was not written. Ask its publisher to fix it.',
    });
  if (path.length === 0 || path.length > MAX_PATH) throw fail(`is empty or longer than ${MAX_PATH} characters`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f\\]/.test(path)) throw fail('contains a control character or a backslash');
  if (path.startsWith('/') || /^[A-Za-z]:/.test(path)) throw fail('is absolute');
  for (const seg of path.split('/')) {
    if (seg === '' || seg === '.' || seg === '..') throw fail('has an empty, "." or ".." segment');
    if (Buffer.byteLength(seg) > 255) throw fail('has a name longer than 255 bytes');
  }
  return path;
}

function isModelPack(m: ImageManifest): boolean {
  return (
    (m.artifactType !== undefined && MODEL_ARTIFACT_TYPES.includes(m.artifactType)) ||
    MODEL_CONFIGS.includes(m.config.mediaType)
  );
}

/**
 * The files an artifact unpacks to, checked: a model package (Fleetpack or plain ModelPack),
 * every layer with a safe, unique path. Throws OCI_NOT_A_PACKAGE for anything else.
 */
export function artifactFiles(
  m: ImageManifest,
  where: string,
): { kind: PackageSummary['kind']; files: ArtifactFile[] } {
  const fleetpack = m.layers.some((l) => l.mediaType === FLEETPACK_MANIFEST_LAYER);
  if (!fleetpack && !isModelPack(m)) {
    throw new OciError(
      'OCI_NOT_A_PACKAGE',
      `Not a model package: artifactType ${m.artifactType ?? '(none)'}, config ${m.config.mediaType}`,
      {
        where,
        hint: `Fleetpack pulls ModelPack artifacts (${MODEL_ARTIFACT_TYPE}) and Fleetpack packages; point at one of those.`,
      },
    );
  }
  const seen = new Set<string>();
  const files = m.layers.map((d, i) => {
    const at = `${where} layer ${i} (${d.digest})`;
    const encoding = layerEncoding(d.mediaType);
    if (encoding === 'unknown-archive')
      throw new OciError(
        'OCI_UNSUPPORTED_MEDIA_TYPE',
        `Layer ${i} has an archive type Fleetpack cannot unpack: ${d.mediaType}`,
        { where: at, hint: 'Fleetpack unpacks raw layers and ModelPack tar layers.' },
      );
    const raw = layerPath(d);
    // A tar layer names its own files; its path annotation only describes it.
    if (encoding !== 'raw') return { path: raw ?? `(layer ${i})`, descriptor: d, encoding };
    if (raw === undefined)
      throw new OciError('OCI_LAYER_PATH_INVALID', `Layer ${i} (${d.mediaType}) has no file path annotation`, {
        where: at,
        hint: `Fleetpack places each layer by its ${ANNOTATION_FILEPATH} annotation; this artifact does not say where the file goes.`,
      });
    const path = checkLayerPath(raw, at);
    const key = path.toLowerCase();
    if (seen.has(key))
      throw new OciError('OCI_LAYER_PATH_INVALID', `Two layers write ${JSON.stringify(clip(path, 200))}`, {
        where: at,
        hint: 'The artifact is ambiguous (paths equal up to case); it was not written.',
      });
    seen.add(key);
    return { path, descriptor: d, encoding };
  });
  return { kind: fleetpack ? 'fleetpack' : 'modelpack', files };
}

/** The summary of a pushed package, from its manifest's annotations and layer list. */
export function summarize(m: ImageManifest): PackageSummary {
  const ann = m.annotations ?? {};
  const a = FLEETPACK_ANNOTATIONS;
  const fleetpack = m.layers.some((l) => l.mediaType === FLEETPACK_MANIFEST_LAYER);
  const sig = m.layers.find((l) => l.mediaType === SIGNATURE_LAYER);
  const sbom = m.layers.find((l) => Object.values(SBOM_LAYER_TYPES).includes(l.mediaType));
  const str = (k: string) => (typeof ann[k] === 'string' && ann[k] !== '' ? ann[k] : undefined);
  const name = str(a.name) ?? str(ANNOTATION_TITLE);
  const version = str(a.version) ?? str(ANNOTATION_VERSION);
  const framework = str(a.framework);
  const channel = str(a.channel);
  const manifestDigest =
    str(a.manifestDigest) ?? m.layers.find((l) => l.mediaType === FLEETPACK_MANIFEST_LAYER)?.digest;
  const modelDigest = str(a.modelDigest);
  const signatureDigest = sig?.digest;
  const sbomDigest = sbom?.digest;
  return {
    kind: fleetpack ? 'fleetpack' : 'modelpack',
    ...(m.artifactType ? { artifactType: m.artifactType } : {}),
    configMediaType: m.config.mediaType,
    ...(name ? { name } : {}),
    ...(version ? { version } : {}),
    ...(framework ? { framework } : {}),
    profiles: (str(a.profiles) ?? '').split(',').filter(Boolean),
    ...(channel ? { channel } : {}),
    ...(manifestDigest ? { manifestDigest } : {}),
    ...(modelDigest ? { modelDigest } : {}),
    hasSignature: !!sig,
    ...(signatureDigest ? { signatureDigest } : {}),
    ...(sbomDigest ? { sbomDigest } : {}),
    layers: m.layers.map((l) => {
      const path = layerPath(l);
      return { ...(path ? { path } : {}), mediaType: l.mediaType, digest: l.digest, size: l.size };
    }),
    totalSize: m.layers.reduce((s, l) => s + l.size, m.config.size),
  };
}
