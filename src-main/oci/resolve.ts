/** Resolve: what a reference points to (tag → digest) and what it is, from the manifest alone. */
import type { Descriptor } from './content.js';
import { type PackageSummary, summarize } from './modelpack.js';
import { openStore, type OpenOptions, sourceReference } from './open.js';
import { formatReference, parseReference, type Reference } from './reference.js';

/** What a reference points to, from the manifest alone (no layer is read). */
export interface ResolveResult {
  reference: string;
  digest: string;
  mediaType: string;
  size: number;
  artifactType?: string;
  /** For a single artifact: what the annotations and layer list say. */
  summary?: PackageSummary;
  /** For an image index: its entries. */
  manifests?: Descriptor[];
}

export async function resolveReference(
  source: string | Reference,
  opts: OpenOptions & { signal?: AbortSignal } = {},
): Promise<ResolveResult> {
  const { ref, store } = await openStore(typeof source === 'string' ? parseReference(source, opts.cwd) : source, {
    ...opts,
    create: false,
  });
  const reference = await sourceReference(ref, store);
  const fetched = await store.fetchManifest(reference, opts.signal ? { signal: opts.signal } : {});
  const d = fetched.descriptor;
  const result: ResolveResult = {
    reference: formatReference(ref, d.digest),
    digest: d.digest,
    mediaType: d.mediaType,
    size: d.size,
    ...(d.artifactType ? { artifactType: d.artifactType } : {}),
    ...(fetched.content.kind === 'manifest'
      ? { summary: summarize(fetched.content.manifest) }
      : { manifests: fetched.content.index.manifests }),
  };
  return result;
}
