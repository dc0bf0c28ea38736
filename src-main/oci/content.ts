/**
 * OCI content documents (image-spec v1.1): descriptors, image manifests and image indexes, parsed
 * from untrusted bytes without assuming their shape. Callers cap the bytes first (MAX_MANIFEST_BYTES).
 */
import { isFleetpackError, OciError } from '../errors.js';

import { isDigest } from './digest.js';
import { DOCKER_MANIFEST, DOCKER_MANIFEST_LIST, OCI_INDEX, OCI_MANIFEST } from './media-types.js';
import { decodeUtf8, parseJson } from '../json.js';

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
  artifactType?: string;
  urls?: string[];
  /** Embedded content, base64. */
  data?: string;
  platform?: Record<string, unknown>;
}

export interface ImageManifest {
  schemaVersion: 2;
  mediaType?: string;
  artifactType?: string;
  config: Descriptor;
  layers: Descriptor[];
  subject?: Descriptor;
  annotations?: Record<string, string>;
}

export interface ImageIndex {
  schemaVersion: 2;
  mediaType?: string;
  artifactType?: string;
  manifests: Descriptor[];
  subject?: Descriptor;
  annotations?: Record<string, string>;
}

export type ParsedContent = { kind: 'manifest'; manifest: ImageManifest } | { kind: 'index'; index: ImageIndex };

/** RFC 6838 type/subtype, as image-spec's schema checks it (parameters are not allowed). */
const MEDIA_TYPE_RE = /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}$/;

export function isMediaType(s: unknown): s is string {
  return typeof s === 'string' && MEDIA_TYPE_RE.test(s);
}

const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

function bad(what: string, where: string): OciError {
  return new OciError('OCI_MANIFEST_INVALID', `Invalid OCI content: ${what}`, {
    where,
    hint: 'The registry or layout holds a manifest Fleetpack cannot use; push it again with a conforming tool.',
  });
}

function annotations(v: unknown, at: string, where: string): Record<string, string> | undefined {
  if (v === undefined) return undefined;
  if (!isObj(v)) throw bad(`${at}/annotations is not an object`, where);
  for (const [k, val] of Object.entries(v))
    if (typeof val !== 'string') throw bad(`${at}/annotations/${k} is not a string`, where);
  return v as Record<string, string>;
}

/** Checks one descriptor's shape: media type, digest, a size that is a safe non-negative integer. */
export function parseDescriptor(v: unknown, at: string, where: string): Descriptor {
  if (!isObj(v)) throw bad(`${at} is not a descriptor object`, where);
  if (!isMediaType(v.mediaType)) throw bad(`${at}/mediaType is missing or not a media type`, where);
  if (!isDigest(v.digest)) throw bad(`${at}/digest is not a sha256/sha512 digest`, where);
  if (typeof v.size !== 'number' || !Number.isSafeInteger(v.size) || v.size < 0)
    throw bad(`${at}/size is not a non-negative integer`, where);
  if (v.artifactType !== undefined && !isMediaType(v.artifactType))
    throw bad(`${at}/artifactType is not a media type`, where);
  if (v.data !== undefined && typeof v.data !== 'string') throw bad(`${at}/data is not base64 text`, where);
  const ann = annotations(v.annotations, at, where);
  return {
    ...(v as object),
    mediaType: v.mediaType,
    digest: v.digest,
    size: v.size,
    ...(ann ? { annotations: ann } : {}),
  };
}

/**
 * Parses manifest or index bytes. `contentType` is what the registry said (undefined for a layout);
 * the body's `mediaType`, when present, must agree with it. Docker and unknown types are refused
 * with OCI_UNSUPPORTED_MEDIA_TYPE.
 */
export function parseContent(bytes: Uint8Array, contentType: string | undefined, where: string): ParsedContent {
  let doc: unknown;
  try {
    doc = parseJson(decodeUtf8(bytes, where), { file: where });
  } catch (e) {
    if (isFleetpackError(e)) throw bad(e.message, e.where ?? where);
    throw e;
  }
  if (!isObj(doc)) throw bad('the document is not a JSON object', where);
  const ct = contentType?.split(';')[0]?.trim().toLowerCase();
  const declared = doc.mediaType;
  if (declared !== undefined && typeof declared !== 'string') throw bad('/mediaType is not a string', where);
  const type = declared ?? (ct && ct !== 'application/json' ? ct : undefined);
  if (declared !== undefined && ct && ct !== 'application/json' && ct !== declared)
    throw bad(`the registry says ${ct} but the document says ${declared}`, where);
  if (type === DOCKER_MANIFEST || type === DOCKER_MANIFEST_LIST) {
    throw new OciError(
      'OCI_UNSUPPORTED_MEDIA_TYPE',
      `This is a Docker container image (${type}), not OCI model content`,
      {
        where,
        hint: 'Point at a model package pushed with `fleetpack push` or another ModelPack tool.',
      },
    );
  }
  if (type !== undefined && type !== OCI_MANIFEST && type !== OCI_INDEX) {
    throw new OciError(
      'OCI_UNSUPPORTED_MEDIA_TYPE',
      `Unsupported manifest media type ${JSON.stringify(type.slice(0, 200))}`,
      {
        where,
        hint: `Fleetpack reads OCI image manifests (${OCI_MANIFEST}) and indexes (${OCI_INDEX}).`,
      },
    );
  }
  if (doc.schemaVersion !== 2) throw bad('/schemaVersion is not 2', where);
  if (doc.artifactType !== undefined && !isMediaType(doc.artifactType))
    throw bad('/artifactType is not a media type', where);
  const isIndex = type === OCI_INDEX || (type === undefined && Array.isArray(doc.manifests) && !('layers' in doc));
  const subject = doc.subject === undefined ? undefined : parseDescriptor(doc.subject, '/subject', where);
  const ann = annotations(doc.annotations, '', where);
  if (isIndex) {
    if (!Array.isArray(doc.manifests)) throw bad('/manifests is not a list', where);
    const index: ImageIndex = {
      ...(doc as object),
      schemaVersion: 2,
      manifests: doc.manifests.map((m, i) => parseDescriptor(m, `/manifests/${i}`, where)),
      ...(subject ? { subject } : {}),
      ...(ann ? { annotations: ann } : {}),
    };
    return { kind: 'index', index };
  }
  if (!Array.isArray(doc.layers)) throw bad('/layers is not a list', where);
  const manifest: ImageManifest = {
    ...(doc as object),
    schemaVersion: 2,
    config: parseDescriptor(doc.config, '/config', where),
    layers: doc.layers.map((l, i) => parseDescriptor(l, `/layers/${i}`, where)),
    ...(subject ? { subject } : {}),
    ...(ann ? { annotations: ann } : {}),
  };
  return { kind: 'manifest', manifest };
}

/** Canonical bytes we write for a manifest or index: compact JSON, key order as given. */
export function encodeContent(doc: ImageManifest | ImageIndex): Buffer {
  return Buffer.from(JSON.stringify(doc), 'utf8');
}

/**
 * The descriptor of fetched manifest bytes: its media type (the body's, else `fallback`, else the
 * kind's OCI type), digest, size and artifactType.
 */
export function describeContent(content: ParsedContent, digest: string, size: number, fallback?: string): Descriptor {
  const doc = content.kind === 'manifest' ? content.manifest : content.index;
  return {
    mediaType: doc.mediaType ?? fallback ?? (content.kind === 'index' ? OCI_INDEX : OCI_MANIFEST),
    digest,
    size,
    ...(doc.artifactType ? { artifactType: doc.artifactType } : {}),
  };
}

/** A descriptor with only the fields that identify content (drops annotations, data, …). */
export function bareDescriptor(d: Descriptor): Descriptor {
  return { mediaType: d.mediaType, digest: d.digest, size: d.size };
}
