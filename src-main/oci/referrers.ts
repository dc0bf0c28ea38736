/**
 * Referrers (distribution-spec v1.1): artifacts whose `subject` is another manifest, e.g. the SBOM
 * of a model. A registry with the referrers API indexes them itself (it answers the manifest PUT
 * with `OCI-Subject`); otherwise — distribution 2.8/3.x, OCI layouts — the client keeps the
 * referrers tag schema: an image index tagged `sha256-<hex>` listing them.
 */
import { OciError } from '../errors.js';
import { type Descriptor, encodeContent, type ImageIndex, type ImageManifest } from './content.js';
import { EMPTY_DIGEST, EMPTY_JSON, OCI_EMPTY, OCI_INDEX, OCI_MANIFEST } from './media-types.js';
import { bytesSource, type ContentStore, type TransferOptions } from './store.js';

/** `sha256:abc…` → `sha256-abc…` (the referrers tag schema). */
export function referrersTag(digest: string): string {
  const [alg, hex] = digest.split(':') as [string, string];
  return `${alg}-${hex}`.slice(0, 128);
}

export const EMPTY_DESCRIPTOR: Descriptor = { mediaType: OCI_EMPTY, digest: EMPTY_DIGEST, size: EMPTY_JSON.length };

/** An artifact manifest with no config of its own (empty descriptor), pointing at `subject`. */
export function referrerManifest(
  artifactType: string,
  layers: Descriptor[],
  subject: Descriptor,
  annotations: Record<string, string> = {},
): ImageManifest {
  return {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    artifactType,
    config: EMPTY_DESCRIPTOR,
    layers,
    subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.size },
    ...(Object.keys(annotations).length ? { annotations } : {}),
  };
}

async function fallbackIndex(store: ContentStore, subject: Descriptor, opts: TransferOptions): Promise<ImageIndex> {
  const tag = referrersTag(subject.digest);
  try {
    const got = await store.fetchManifest(tag, opts);
    if (got.content.kind !== 'index')
      throw new OciError(
        'OCI_REFERRERS_TAG_CONFLICT',
        `${store.location}:${tag} is not an image index, so it cannot list the referrers of ${subject.digest}`,
        {
          where: `${store.location}:${tag}`,
          hint: 'Something else uses the referrers tag; remove that tag and push again.',
        },
      );
    return got.content.index;
  } catch (e) {
    if (e instanceof OciError && e.code === 'OCI_NOT_FOUND')
      return { schemaVersion: 2, mediaType: OCI_INDEX, manifests: [] };
    throw e;
  }
}

/**
 * Stores a referrer manifest (already built; its blobs already in `store`) and makes it findable
 * from its subject: by the registry's referrers API when it has one, else by the tag schema.
 */
export async function attachReferrer(
  store: ContentStore,
  referrer: ImageManifest,
  opts: TransferOptions & { bytes?: Buffer } = {},
): Promise<{ descriptor: Descriptor; via: 'referrers-api' | 'tag-schema' }> {
  const subject = referrer.subject;
  if (!subject) throw new Error('attachReferrer: the manifest has no subject');
  if (referrer.config.digest === EMPTY_DIGEST)
    await store.pushBlob(EMPTY_DESCRIPTOR, bytesSource(EMPTY_JSON, 'the empty config'), opts);
  // Copies keep the referrer's exact bytes (its digest); new referrers are encoded here.
  const bytes = opts.bytes ?? encodeContent(referrer);
  const pushed = await store.pushManifest(bytes, referrer.mediaType ?? OCI_MANIFEST, opts);
  const descriptor: Descriptor = {
    ...pushed.descriptor,
    ...(referrer.artifactType ? { artifactType: referrer.artifactType } : {}),
    ...(referrer.annotations ? { annotations: referrer.annotations } : {}),
  };
  if (pushed.subjectAccepted) return { descriptor, via: 'referrers-api' };
  const index = await fallbackIndex(store, subject, opts);
  if (!index.manifests.some((d) => d.digest === descriptor.digest)) {
    const next: ImageIndex = { schemaVersion: 2, mediaType: OCI_INDEX, manifests: [...index.manifests, descriptor] };
    await store.pushManifest(encodeContent(next), OCI_INDEX, { ...opts, tag: referrersTag(subject.digest) });
  }
  return { descriptor, via: 'tag-schema' };
}

/** The referrers of `subject`: from the referrers API, else from the tag schema (none when neither has any). */
export async function listReferrers(
  store: ContentStore,
  subject: Descriptor,
  opts: TransferOptions & { artifactType?: string } = {},
): Promise<Descriptor[]> {
  const api = await store.referrersApi(subject, opts);
  const all = api ?? (await fallbackIndex(store, subject, opts)).manifests;
  return opts.artifactType ? all.filter((d) => d.artifactType === opts.artifactType) : all;
}
