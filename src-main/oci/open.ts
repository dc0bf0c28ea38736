/** Opens the store a reference names: a registry repository or an OCI image layout. */
import { OciError } from '../errors.js';
import { OciLayout } from './layout.js';
import { formatReference, parseReference, type Reference } from './reference.js';
import { type RegistryOptions, RegistryRepository } from './registry.js';
import type { ContentStore } from './store.js';

export interface OpenOptions extends RegistryOptions {
  /** For a layout: create it when missing (push targets). */
  create?: boolean;
  /** Resolves relative layout paths. */
  cwd?: string;
}

export async function openStore(
  ref: Reference | string,
  opts: OpenOptions = {},
): Promise<{ ref: Reference; store: ContentStore }> {
  const r = typeof ref === 'string' ? parseReference(ref, opts.cwd) : ref;
  if (r.kind === 'layout') return { ref: r, store: await OciLayout.open(r.path, { create: !!opts.create }) };
  return { ref: r, store: RegistryRepository.fromReference(r, opts) };
}

/** The tag or digest to read from a reference; a layout with one tag may omit it. */
export async function sourceReference(ref: Reference, store: ContentStore): Promise<string> {
  if (ref.digest) return ref.digest; // a pinned digest wins over any tag beside it
  if (ref.tag) return ref.tag;
  if (store instanceof OciLayout) {
    const tags = await store.tags();
    const names = [...tags.keys()].filter((t) => !/^sha(256|512)-/.test(t));
    if (names.length === 1) return names[0]!;
  }
  throw new OciError('OCI_REF_INVALID', `Say which artifact: ${formatReference(ref)} has no tag or digest`, {
    where: formatReference(ref),
    hint: 'Add :TAG or @sha256:DIGEST to the reference (`fleetpack resolve` shows what a tag points to).',
  });
}
