/**
 * References: `HOST[:PORT]/REPO[:TAG][@DIGEST]` for a registry and `oci:PATH[:TAG][@DIGEST]` for an
 * OCI image layout on disk. Grammar from the distribution spec (repository names, tags) and
 * image-spec (digests). The registry host is always explicit: no Docker Hub short names.
 */
import { isAbsolute, resolve } from 'node:path';
import { OciError } from '../errors.js';
import { isDigest } from './digest.js';

export interface RegistryReference {
  kind: 'registry';
  /** `host[:port]`, as written (lower-cased). */
  registry: string;
  repository: string;
  tag?: string;
  digest?: string;
}

export interface LayoutReference {
  kind: 'layout';
  /** Absolute path of the layout folder. */
  path: string;
  tag?: string;
  digest?: string;
}

export type Reference = RegistryReference | LayoutReference;

const REPO_RE = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*$/;
export const TAG_RE = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;
const LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?';
const HOST_RE = new RegExp(`^(?:${LABEL}(?:\\.${LABEL})*|\\[[0-9A-Fa-f:.]+\\])(?::([0-9]{1,5}))?$`);

const USAGE_HINT =
  'Write a registry reference as HOST[:PORT]/REPO[:TAG][@sha256:DIGEST] (e.g. ghcr.io/acme/person-detector:1.4.0) or an OCI image layout as oci:PATH[:TAG].';

function invalid(ref: string, why: string): OciError {
  return new OciError('OCI_REF_INVALID', `Invalid reference "${ref.slice(0, 300)}": ${why}`, {
    where: ref.slice(0, 300),
    hint: USAGE_HINT,
  });
}

export function isTag(s: string): boolean {
  return TAG_RE.test(s);
}

/** Parses a reference; relative layout paths are resolved against `cwd`. */
export function parseReference(input: string, cwd = process.cwd()): Reference {
  if (input.length === 0) throw invalid(input, 'it is empty');
  if (input.startsWith('oci:')) return parseLayoutReference(input, cwd);
  if (input.length > 1024) throw invalid(input, 'it is longer than 1024 characters');
  let rest = input;
  let digest: string | undefined;
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    const d: string = rest.slice(at + 1);
    if (!isDigest(d)) throw invalid(input, `"${rest.slice(at + 1, at + 141)}" is not a sha256:<64 hex> digest`);
    digest = d;
    rest = rest.slice(0, at);
  }
  const slash = rest.indexOf('/');
  if (slash <= 0) throw invalid(input, 'it names no registry host (HOST/REPO)');
  const host = rest.slice(0, slash).toLowerCase();
  let path = rest.slice(slash + 1);
  const hostMatch = HOST_RE.exec(host);
  if (!hostMatch || (hostMatch[1] !== undefined && !(Number(hostMatch[1]) >= 1 && Number(hostMatch[1]) <= 65535)))
    throw invalid(input, `"${host}" is not a host[:port]`);
  if (!host.includes('.') && !host.includes(':') && host !== 'localhost')
    throw invalid(input, `"${host}" does not look like a registry host (Docker Hub short names are not expanded)`);
  let tag: string | undefined;
  const colon = path.lastIndexOf(':');
  if (colon >= 0) {
    tag = path.slice(colon + 1);
    path = path.slice(0, colon);
    if (!isTag(tag)) throw invalid(input, `"${tag.slice(0, 140)}" is not a valid tag`);
  }
  if (!REPO_RE.test(path))
    throw invalid(input, `"${path.slice(0, 200)}" is not a repository name (lower-case letters, digits, . _ - and /)`);
  if (host.length + 1 + path.length > 255) throw invalid(input, 'HOST/REPO is longer than 255 characters');
  return {
    kind: 'registry',
    registry: host,
    repository: path,
    ...(tag === undefined ? {} : { tag }),
    ...(digest === undefined ? {} : { digest }),
  };
}

function parseLayoutReference(input: string, cwd: string): LayoutReference {
  let rest = input.slice(4);
  let digest: string | undefined;
  const at = rest.lastIndexOf('@');
  if (at >= 0 && isDigest(rest.slice(at + 1))) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon >= 0 && !rest.slice(colon + 1).includes('/')) {
    const t = rest.slice(colon + 1);
    if (!isTag(t)) throw invalid(input, `"${t.slice(0, 140)}" is not a valid tag`);
    tag = t;
    rest = rest.slice(0, colon);
  }
  if (rest.length === 0) throw invalid(input, 'it names no layout folder (oci:PATH)');
  if (rest.includes('\0')) throw invalid(input, 'the path contains a NUL byte');
  return {
    kind: 'layout',
    path: isAbsolute(rest) ? resolve(rest) : resolve(cwd, rest),
    ...(tag === undefined ? {} : { tag }),
    ...(digest === undefined ? {} : { digest }),
  };
}

/** The reference as text; with `digest`, pinned (`…:tag@sha256:…`). */
export function formatReference(ref: Reference, digest = ref.digest): string {
  const base = ref.kind === 'registry' ? `${ref.registry}/${ref.repository}` : `oci:${ref.path}`;
  return `${base}${ref.tag === undefined ? '' : `:${ref.tag}`}${digest === undefined ? '' : `@${digest}`}`;
}

/** `host[:port]` without the port, lower case, brackets removed from IPv6. */
export function hostName(registry: string): string {
  const m = /^\[([^\]]+)\](?::\d+)?$/.exec(registry);
  if (m) return m[1]!.toLowerCase();
  return registry.replace(/:\d+$/, '').toLowerCase();
}

export function isLoopbackHost(registry: string): boolean {
  const h = hostName(registry);
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

export interface TransportOptions {
  /** Speak HTTP instead of HTTPS (only to loopback hosts unless `insecure`). */
  plainHttp?: boolean;
  /** Allow plain HTTP to a non-loopback host. */
  insecure?: boolean;
}

/** `https://host[:port]` (or `http://` when allowed); refuses plain HTTP to a remote host without `insecure`. */
export function registryOrigin(registry: string, opts: TransportOptions = {}): string {
  if (opts.plainHttp) {
    if (!isLoopbackHost(registry) && !opts.insecure) {
      throw new OciError('OCI_PLAIN_HTTP_REFUSED', `Refusing plain HTTP to ${registry}: it is not a loopback host`, {
        where: registry,
        hint: 'Credentials and content would cross the network unencrypted. Use HTTPS, or pass --insecure as well if you really mean it.',
      });
    }
    return `http://${registry}`;
  }
  return `https://${registry}`;
}
