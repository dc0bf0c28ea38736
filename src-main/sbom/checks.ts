/**
 * The checks JSON schemas cannot express (reference/sbom.md §1.7, §2.1, §2.2):
 * CycloneDX — unique bom-refs; dependency / composition / dataset references resolve (BOM-Links
 * `urn:cdx:<uuid>/<version>#<ref>` into other BOMs are accepted and listed as info); one
 * dependencies entry per ref; modelCard only on machine-learning-model components; hash length
 * matches its algorithm; specVersion is one fleetpack knows.
 * SPDX 2 — unique SPDXIDs, relationship ends resolve, the document DESCRIBES something,
 * LicenseRefs have extracted text. SPDX 3 — unique spdxIds, references resolve (or are declared
 * in imports), the AI and Dataset profiles' mandatory properties.
 */
import { pointer as ptrOf } from '../manifest/index.js';
import { IssueList } from './issues.js';
import { CYCLONEDX_VERSIONS, deepEqual, SPDX2_VERSIONS, SPDX3_VERSIONS } from './schemas.js';
import type { ParsedSbom } from './types.js';

const BOM_LINK = /^urn:cdx:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\/[1-9]\d*#.+$/;
/** Hex digits per CycloneDX hash algorithm. */
const HASH_HEX: Record<string, number> = {
  MD5: 32,
  'SHA-1': 40,
  'SHA-256': 64,
  'SHA-384': 96,
  'SHA-512': 128,
  'SHA3-256': 64,
  'SHA3-384': 96,
  'SHA3-512': 128,
  'BLAKE2b-256': 64,
  'BLAKE2b-384': 96,
  'BLAKE2b-512': 128,
  BLAKE3: 64,
  'Streebog-256': 64,
  'Streebog-512': 128,
};

type Obj = Record<string, unknown>;
const isObj = (x: unknown): x is Obj => typeof x === 'object' && x !== null && !Array.isArray(x);
const arr = (x: unknown): unknown[] => (Array.isArray(x) ? x : []);

type Issues = IssueList;

export function isKnownVersion(p: Pick<ParsedSbom, 'format' | 'encoding' | 'specVersion'>): boolean {
  if (p.format === 'cyclonedx') return (CYCLONEDX_VERSIONS as readonly string[]).includes(p.specVersion);
  if (p.encoding === 'json-ld') return (SPDX3_VERSIONS as readonly string[]).includes(p.specVersion);
  return (SPDX2_VERSIONS as readonly string[]).includes(p.specVersion);
}

export function knownVersionsText(p: Pick<ParsedSbom, 'format' | 'encoding'>): string {
  if (p.format === 'cyclonedx') return `CycloneDX ${CYCLONEDX_VERSIONS.join(', ')}`;
  return p.encoding === 'json-ld' ? `SPDX ${SPDX3_VERSIONS.join(', ')}` : `SPDX-${SPDX2_VERSIONS.join(', SPDX-')}`;
}

export function semanticCheck(p: ParsedSbom): IssueList {
  const out = new IssueList();
  if (!isKnownVersion(p)) {
    const ptr = p.format === 'cyclonedx' ? '/specVersion' : p.encoding === 'json-ld' ? '/@context' : '/spdxVersion';
    out.add(
      'error',
      'UNKNOWN_SPEC_VERSION',
      `specVersion "${p.specVersion}" is not one fleetpack knows (${knownVersionsText(p)}); its schema cannot be checked`,
      ptr,
    );
  }
  if (p.format === 'cyclonedx') cycloneDxChecks(p.data, out);
  else if (p.encoding === 'json-ld') spdx3Checks(p.data, out);
  else spdx2Checks(p.data, out);
  return out;
}

// ---------------------------------------------------------------- CycloneDX

function cycloneDxChecks(doc: Obj, out: Issues): void {
  // 1. every bom-ref anywhere, unique
  const refs = new Map<string, () => string>();
  const models: { c: Obj; ptr: string }[] = [];
  const datasetRefs: { ref: string; ptr: string }[] = [];
  walk(doc, '', (node, ptr) => {
    const r = node['bom-ref'];
    if (typeof r === 'string') {
      const first = refs.get(r);
      if (first !== undefined)
        out.add(
          'error',
          'DUPLICATE_BOM_REF',
          `bom-ref "${r}" is used again (first at ${first() || '/'}); every bom-ref must be unique`,
          `${ptr()}/bom-ref`,
        );
      else refs.set(r, ptr);
    }
    if ('modelCard' in node && typeof node.type === 'string' && 'name' in node) models.push({ c: node, ptr: ptr() });
    if (Array.isArray(node.hashes)) checkHashes(node.hashes, ptr, out);
  });
  // 2. model cards only on ML components; their dataset refs
  for (const { c, ptr } of models) {
    if (c.type !== 'machine-learning-model') {
      out.add(
        'error',
        'MODELCARD_ON_NON_MODEL',
        `component "${String(c.name)}" of type "${String(c.type)}" has a modelCard; only machine-learning-model components may`,
        `${ptr}/modelCard`,
      );
    }
    const mp = isObj(c.modelCard) && isObj(c.modelCard.modelParameters) ? c.modelCard.modelParameters : undefined;
    arr(mp?.datasets).forEach((d, i) => {
      if (isObj(d) && typeof d.ref === 'string')
        datasetRefs.push({ ref: d.ref, ptr: `${ptr}/modelCard/modelParameters/datasets/${i}/ref` });
    });
  }
  const resolve = (ref: unknown, ptr: string, what: string) => {
    if (typeof ref !== 'string') return;
    if (refs.has(ref)) return;
    if (BOM_LINK.test(ref))
      out.add('info', 'EXTERNAL_REF', `${what} "${ref}" is a BOM-Link into another BOM (not resolved here)`, ptr);
    else if (ref.startsWith('urn:cdx:'))
      out.add(
        'error',
        'BAD_BOM_LINK',
        `${what} "${ref}" starts with urn:cdx: but is not a BOM-Link (urn:cdx:<uuid>/<version>#<bom-ref>)`,
        ptr,
      );
    else out.add('error', 'DANGLING_REF', `${what} "${ref}" matches no bom-ref in this document`, ptr);
  };
  // 3. dependencies: refs resolve, one entry per ref
  const seen = new Map<string, number>();
  arr(doc.dependencies).forEach((d, i) => {
    if (!isObj(d)) return;
    const ptr = `/dependencies/${i}`;
    if (typeof d.ref === 'string') {
      const first = seen.get(d.ref);
      if (first !== undefined)
        out.add(
          'error',
          'DUPLICATE_DEPENDENCY',
          `"${d.ref}" has a second dependencies entry (first at /dependencies/${first}); merge them into one`,
          `${ptr}/ref`,
        );
      else seen.set(d.ref, i);
    }
    resolve(d.ref, `${ptr}/ref`, 'dependency ref');
    arr(d.dependsOn).forEach((x, j) => {
      resolve(x, `${ptr}/dependsOn/${j}`, 'dependsOn');
      if (x === d.ref)
        out.add('warning', 'SELF_DEPENDENCY', `"${String(x)}" depends on itself`, `${ptr}/dependsOn/${j}`);
    });
    arr(d.provides).forEach((x, j) => resolve(x, `${ptr}/provides/${j}`, 'provides'));
  });
  // 4. compositions
  arr(doc.compositions).forEach((c, i) => {
    if (!isObj(c)) return;
    for (const key of ['assemblies', 'dependencies', 'vulnerabilities']) {
      arr(c[key]).forEach((x, j) => resolve(x, `/compositions/${i}/${key}/${j}`, `composition ${key}`));
    }
  });
  // 5. dataset refs of model cards
  for (const d of datasetRefs) resolve(d.ref, d.ptr, 'modelCard dataset ref');
  // 6. vulnerability affects
  arr(doc.vulnerabilities).forEach((v, i) => {
    if (isObj(v))
      arr(v.affects).forEach(
        (a, j) => isObj(a) && resolve(a.ref, `/vulnerabilities/${i}/affects/${j}/ref`, 'affects ref'),
      );
  });
}

function checkHashes(hashes: unknown[], ptr: () => string, out: Issues): void {
  hashes.forEach((h, i) => {
    if (!isObj(h) || typeof h.alg !== 'string' || typeof h.content !== 'string') return;
    const want = Object.hasOwn(HASH_HEX, h.alg) ? HASH_HEX[h.alg] : undefined;
    if (want !== undefined && h.content.length !== want) {
      out.add(
        'error',
        'HASH_LENGTH',
        `${h.alg} digest has ${h.content.length} hex digits; ${h.alg} has ${want}`,
        `${ptr()}/hashes/${i}/content`,
      );
    }
  });
}

/**
 * Visits every object of a JSON tree. Iterative (deep documents cannot overflow the stack); the
 * JSON pointer is built only when asked for, since most nodes never need one.
 */
export function walk(root: unknown, rootPtr: string, visit: (node: Obj, ptr: () => string) => void): void {
  interface Frame {
    node: unknown;
    parent: Frame | null;
    key: string;
  }
  const pointer = (f: Frame): string => {
    const parts: string[] = [];
    for (let x: Frame = f; x.parent; x = x.parent) parts.push(ptrOf(x.key));
    return rootPtr + parts.reverse().join('');
  };
  const stack: Frame[] = [{ node: root, parent: null, key: '' }];
  while (stack.length) {
    const f = stack.pop()!;
    const node = f.node;
    if (Array.isArray(node)) {
      for (let i = node.length - 1; i >= 0; i--)
        if (typeof node[i] === 'object' && node[i] !== null) stack.push({ node: node[i], parent: f, key: String(i) });
    } else if (isObj(node)) {
      visit(node, () => pointer(f));
      const keys = Object.keys(node);
      for (let i = keys.length - 1; i >= 0; i--) {
        const v = node[keys[i]!];
        if (typeof v === 'object' && v !== null) stack.push({ node: v, parent: f, key: keys[i]! });
      }
    }
  }
}

// ---------------------------------------------------------------- SPDX 2

const SPDX2_SPECIAL = new Set(['NONE', 'NOASSERTION']);

function spdx2Checks(doc: Obj, out: Issues): void {
  const ids = new Map<string, string>();
  const note = (id: unknown, ptr: string) => {
    if (typeof id !== 'string') return;
    const first = ids.get(id);
    if (first !== undefined)
      out.add('error', 'DUPLICATE_SPDXID', `SPDXID "${id}" is used again (first at ${first || '/'})`, ptr);
    else ids.set(id, ptr);
  };
  note(doc.SPDXID, '/SPDXID');
  for (const k of ['packages', 'files', 'snippets'])
    arr(doc[k]).forEach((x, i) => isObj(x) && note(x.SPDXID, `/${k}/${i}/SPDXID`));
  const resolve = (id: unknown, ptr: string, allowSpecial: boolean) => {
    if (typeof id !== 'string' || ids.has(id)) return;
    if (/^DocumentRef-[A-Za-z0-9.+-]+:SPDXRef-[A-Za-z0-9.-]+$/.test(id)) return;
    if (allowSpecial && SPDX2_SPECIAL.has(id)) return;
    out.add('error', 'DANGLING_REF', `"${id}" matches no SPDXID in this document`, ptr);
  };
  let describes = arr(doc.documentDescribes).length > 0;
  arr(doc.documentDescribes).forEach((x, i) => resolve(x, `/documentDescribes/${i}`, false));
  arr(doc.relationships).forEach((r, i) => {
    if (!isObj(r)) return;
    resolve(r.spdxElementId, `/relationships/${i}/spdxElementId`, false);
    resolve(r.relatedSpdxElement, `/relationships/${i}/relatedSpdxElement`, true);
    if (r.relationshipType === 'DESCRIBES' && r.spdxElementId === doc.SPDXID) describes = true;
    if (r.relationshipType === 'DESCRIBED_BY' && r.relatedSpdxElement === doc.SPDXID) describes = true;
  });
  if (!describes && arr(doc.packages).length > 0) {
    out.add(
      'warning',
      'NO_DESCRIBES',
      'The document DESCRIBES no package (no DESCRIBES relationship from SPDXRef-DOCUMENT, no documentDescribes)',
      '/relationships',
    );
  }
  filesNotAnalyzed(doc, out);
  // LicenseRef-… used must be defined in hasExtractedLicensingInfos
  const defined = new Set(arr(doc.hasExtractedLicensingInfos).map((x) => (isObj(x) ? x.licenseId : undefined)));
  arr(doc.packages).forEach((p, i) => {
    if (!isObj(p)) return;
    for (const k of ['licenseConcluded', 'licenseDeclared']) {
      const v = p[k];
      if (typeof v !== 'string') continue;
      for (const m of v.matchAll(/(?<!:)\bLicenseRef-[A-Za-z0-9.-]+/g)) {
        if (!defined.has(m[0]))
          out.add(
            'warning',
            'UNDEFINED_LICENSEREF',
            `${m[0]} has no hasExtractedLicensingInfos entry`,
            `/packages/${i}/${k}`,
          );
      }
    }
  });
}

/**
 * A package with `filesAnalyzed: false` describes something whose files were not looked at, so it
 * contains no files (§7.8: no CONTAINS to a file, no hasFiles), has no verification code (§7.9) and
 * no license information from files (§7.14).
 */
function filesNotAnalyzed(doc: Obj, out: Issues): void {
  const fileIds = new Set(arr(doc.files).map((f) => (isObj(f) ? f.SPDXID : undefined)));
  const notAnalyzed = new Map<string, { name: string; ptr: string }>();
  arr(doc.packages).forEach((p, i) => {
    if (!isObj(p) || p.filesAnalyzed !== false) return;
    const ptr = `/packages/${i}`;
    const name = String(p.name ?? p.SPDXID);
    if (typeof p.SPDXID === 'string') notAnalyzed.set(p.SPDXID, { name, ptr });
    const rule = (key: string, what: string) =>
      out.add(
        'error',
        'FILES_NOT_ANALYZED',
        `package "${name}" has filesAnalyzed: false, so it ${what}`,
        `${ptr}/${key}`,
      );
    if (arr(p.hasFiles).length) rule('hasFiles', 'contains no files (SPDX 2.3 §7.8): hasFiles must be empty');
    if (p.packageVerificationCode !== undefined)
      rule('packageVerificationCode', 'has no package verification code (SPDX 2.3 §7.9)');
    if (p.licenseInfoFromFiles !== undefined)
      rule('licenseInfoFromFiles', 'has no license information from files (SPDX 2.3 §7.14)');
  });
  if (notAnalyzed.size === 0) return;
  arr(doc.relationships).forEach((r, i) => {
    if (!isObj(r)) return;
    const [pkg, file] =
      r.relationshipType === 'CONTAINS'
        ? [r.spdxElementId, r.relatedSpdxElement]
        : r.relationshipType === 'CONTAINED_BY'
          ? [r.relatedSpdxElement, r.spdxElementId]
          : [];
    const p = typeof pkg === 'string' ? notAnalyzed.get(pkg) : undefined;
    if (p && fileIds.has(file))
      out.add(
        'error',
        'FILES_NOT_ANALYZED',
        `package "${p.name}" has filesAnalyzed: false but ${String(r.relationshipType)} file "${String(file)}"; such a package contains no files (SPDX 2.3 §7.8)`,
        `/relationships/${i}`,
      );
  });
}

// ---------------------------------------------------------------- SPDX 3

/** Properties whose values are references to other graph nodes. */
const REF_PROPS = [
  'creationInfo',
  'suppliedBy',
  'from',
  'to',
  'rootElement',
  'element',
  'createdBy',
  'createdUsing',
  'originatedBy',
  'subject',
  'dataLicense',
  'verifiedUsing',
  'externalIdentifier',
];

/** Mandatory properties the SPDX 3.0.1 model adds for AI and Dataset packages ("External properties restrictions"). */
export const SPDX3_PROFILE_REQUIRED: Record<string, string[]> = {
  ai_AIPackage: [
    'releaseTime',
    'suppliedBy',
    'software_downloadLocation',
    'software_packageVersion',
    'software_primaryPurpose',
  ],
  dataset_DatasetPackage: [
    'builtTime',
    'originatedBy',
    'releaseTime',
    'software_downloadLocation',
    'software_primaryPurpose',
    'dataset_datasetType',
  ],
};

/** Properties the profiles allow at most so many values of (SPDX 3.0.1 model, "External properties restrictions"). */
export const SPDX3_PROFILE_MAX: Record<string, Record<string, number>> = {
  dataset_DatasetPackage: { originatedBy: 1 },
};

export function spdx3Graph(doc: Obj): { node: Obj; ptr: string }[] {
  if (Array.isArray(doc['@graph']))
    return (doc['@graph'] as unknown[]).flatMap((n, i) => (isObj(n) ? [{ node: n, ptr: `/@graph/${i}` }] : []));
  return [{ node: doc, ptr: '' }];
}

function spdx3Checks(doc: Obj, out: Issues): void {
  const graph = spdx3Graph(doc);
  const ids = new Map<string, { ptr: () => string; node: Obj }>();
  const external = new Set<string>();
  const prefixes: string[] = [];
  walk(doc, '', (n, ptr) => {
    const id = typeof n.spdxId === 'string' ? n.spdxId : typeof n['@id'] === 'string' ? n['@id'] : undefined;
    if (id !== undefined) {
      const first = ids.get(id);
      if (first === undefined) ids.set(id, { ptr, node: n });
      // JSON-LD merges nodes with the same id: an identical repeat is redundant, a different one conflicts
      else if (deepEqual(first.node, n))
        out.add(
          'warning',
          'REPEATED_NODE',
          `"${id}" repeats the node at ${first.ptr() || '/'} exactly; JSON-LD merges the two, so one can go`,
          ptr(),
        );
      else
        out.add(
          'error',
          'DUPLICATE_SPDXID',
          `spdxId "${id}" is used again, with different content (first at ${first.ptr() || '/'})`,
          ptr(),
        );
    }
    if (n.type === 'ExternalMap' && typeof n.externalSpdxId === 'string') external.add(n.externalSpdxId);
    if (n.type === 'NamespaceMap' && typeof n.namespace === 'string') prefixes.push(n.namespace);
  });
  const resolve = (v: unknown, ptr: () => string) => {
    if (typeof v !== 'string') return;
    if (ids.has(v) || external.has(v) || prefixes.some((p) => v.startsWith(p))) return;
    if (/^spdx:/.test(v) || /^https:\/\/spdx\.org\/rdf\/3\./.test(v)) return; // vocabulary / license-list individuals
    out.add(
      'error',
      'DANGLING_REF',
      `"${v}" matches no spdxId / @id in this document and is not declared in an import (ExternalMap)`,
      ptr(),
    );
  };
  walk(doc, '', (n, ptr) => {
    for (const k of REF_PROPS) {
      const v = n[k];
      if (Array.isArray(v)) v.forEach((x, i) => resolve(x, () => `${ptr()}/${k}/${i}`));
      else resolve(v, () => `${ptr()}/${k}`);
    }
  });
  for (const { node, ptr } of graph) {
    const max =
      typeof node.type === 'string' && Object.hasOwn(SPDX3_PROFILE_MAX, node.type) ? SPDX3_PROFILE_MAX[node.type]! : {};
    for (const [k, n] of Object.entries(max)) {
      const v = node[k];
      if (Array.isArray(v) && v.length > n)
        out.add(
          'error',
          'PROFILE_CARDINALITY',
          `${String(node.type)} "${String(node.name ?? node.spdxId)}" has ${v.length} ${k}; the SPDX 3 Dataset profile allows ${n}`,
          `${ptr}/${k}`,
        );
    }
    const need =
      typeof node.type === 'string' && Object.hasOwn(SPDX3_PROFILE_REQUIRED, node.type)
        ? SPDX3_PROFILE_REQUIRED[node.type]
        : undefined;
    if (!need) continue;
    for (const k of need) {
      const v = node[k];
      if (v === undefined || v === null || v === '' || (Array.isArray(v) && v.length === 0)) {
        out.add(
          'error',
          'PROFILE_REQUIRED',
          `${String(node.type)} "${String(node.name ?? node.spdxId)}" lacks ${k}, mandatory in the SPDX 3 ${String(node.type).split('_')[0] === 'ai' ? 'AI' : 'Dataset'} profile`,
          `${ptr}/${k}`,
        );
      }
    }
  }
}
