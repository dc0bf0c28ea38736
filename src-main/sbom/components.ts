/**
 * Components (CycloneDX) and packages (SPDX 2 / 3) reduced to the facts NTIA scoring and the
 * compliance report need: name, version, supplier, identifiers, digests, graph edges.
 */
import { spdx3Graph } from './checks.js';
import type { ParsedSbom, SbomComponent } from './types.js';

type Obj = Record<string, unknown>;
const isObj = (x: unknown): x is Obj => typeof x === 'object' && x !== null && !Array.isArray(x);
const arr = (x: unknown): unknown[] => (Array.isArray(x) ? x : []);
const s = (x: unknown): string | undefined => (typeof x === 'string' && x.trim() !== '' ? x : undefined);
/** 'SHA-256' / 'SHA256' / 'sha256' / 'sha3_256' → 'sha256' / 'sha3256'. */
export const normAlg = (a: string) => a.toLowerCase().replace(/[-_]/g, '');

export interface SbomView {
  components: SbomComponent[];
  /** Refs of components that take part in the dependency graph (own entry or target of one). */
  inGraph: Set<string>;
  /** Refs with their own dependency entry / outgoing relationship. */
  hasEdgesFrom: Set<string>;
  /** The primary component's ref (CycloneDX metadata.component, SPDX described package). */
  primary?: string;
  author: boolean;
  timestamp: boolean;
}

export function sbomView(p: ParsedSbom): SbomView {
  if (p.format === 'cyclonedx') return cycloneDxView(p.data);
  if (p.encoding === 'json-ld') return spdx3View(p.data);
  return spdx2View(p.data);
}

function cycloneDxView(doc: Obj): SbomView {
  const components: SbomComponent[] = [];
  const meta = isObj(doc.metadata) ? doc.metadata : {};
  const add = (c: unknown, ptr: string) => {
    if (!isObj(c)) return;
    const supplier = isObj(c.supplier) ? s(c.supplier.name) : undefined;
    const manufacturer = isObj(c.manufacturer) ? s(c.manufacturer.name) : undefined;
    const identifiers = [
      s(c.purl),
      s(c.cpe),
      isObj(c.swid) ? s(c.swid.tagId) : undefined,
      s(c.omniborId),
      s(c.swhid),
    ].filter((x): x is string => x !== undefined);
    const hashes = arr(c.hashes).flatMap((h) =>
      isObj(h) && typeof h.alg === 'string' && typeof h.content === 'string'
        ? [{ alg: normAlg(h.alg), value: h.content.toLowerCase() }]
        : [],
    );
    components.push({
      pointer: ptr,
      ...(s(c['bom-ref']) ? { ref: c['bom-ref'] as string } : {}),
      ...(s(c.name) ? { name: c.name as string } : {}),
      ...(s(c.version) ? { version: c.version as string } : {}),
      ...((supplier ?? manufacturer) ? { supplier: (supplier ?? manufacturer)! } : {}),
      ...(s(c.type) ? { type: c.type as string } : {}),
      identifiers,
      hashes,
    });
    arr(c.components).forEach((x, i) => add(x, `${ptr}/components/${i}`));
  };
  if (isObj(meta.component)) add(meta.component, '/metadata/component');
  arr(doc.components).forEach((c, i) => add(c, `/components/${i}`));
  const inGraph = new Set<string>();
  const hasEdgesFrom = new Set<string>();
  for (const d of arr(doc.dependencies)) {
    if (!isObj(d) || typeof d.ref !== 'string') continue;
    inGraph.add(d.ref);
    hasEdgesFrom.add(d.ref);
    for (const x of arr(d.dependsOn)) if (typeof x === 'string') inGraph.add(x);
  }
  const authors = arr(meta.authors).some((a) => isObj(a) && (s(a.name) || s(a.email)));
  const tools = isObj(meta.tools)
    ? arr(meta.tools.components).length + arr(meta.tools.services).length > 0
    : arr(meta.tools).length > 0;
  const primaryRef = isObj(meta.component) ? s(meta.component['bom-ref']) : undefined;
  return {
    components,
    inGraph,
    hasEdgesFrom,
    ...(primaryRef ? { primary: primaryRef } : {}),
    // NTIA: the author of the SBOM data may be a person, an organization or a tool
    author:
      authors ||
      tools ||
      (isObj(meta.manufacturer) && !!s(meta.manufacturer.name)) ||
      (isObj(meta.supplier) && !!s(meta.supplier.name)) ||
      !!s(meta.author),
    timestamp: !!s(meta.timestamp),
  };
}

const SPDX_NONE = (v: string | undefined) => (v === undefined || v === 'NOASSERTION' || v === 'NONE' ? undefined : v);

function spdx2View(doc: Obj): SbomView {
  const components: SbomComponent[] = [];
  arr(doc.packages).forEach((p, i) => {
    if (!isObj(p)) return;
    const refs = arr(p.externalRefs).flatMap((r) =>
      isObj(r) &&
      typeof r.referenceType === 'string' &&
      /^(purl|cpe22Type|cpe23Type|swid)$/.test(r.referenceType) &&
      typeof r.referenceLocator === 'string'
        ? [r.referenceLocator]
        : [],
    );
    const hashes = arr(p.checksums).flatMap((h) =>
      isObj(h) && typeof h.algorithm === 'string' && typeof h.checksumValue === 'string'
        ? [{ alg: normAlg(h.algorithm), value: h.checksumValue.toLowerCase() }]
        : [],
    );
    const supplier = SPDX_NONE(s(p.supplier)) ?? SPDX_NONE(s(p.originator));
    components.push({
      pointer: `/packages/${i}`,
      ...(s(p.SPDXID) ? { ref: p.SPDXID as string } : {}),
      ...(s(p.name) ? { name: p.name as string } : {}),
      ...(SPDX_NONE(s(p.versionInfo)) ? { version: p.versionInfo as string } : {}),
      ...(supplier ? { supplier } : {}),
      ...(s(p.primaryPackagePurpose) ? { type: p.primaryPackagePurpose as string } : {}),
      identifiers: refs,
      hashes,
    });
  });
  const inGraph = new Set<string>();
  const hasEdgesFrom = new Set<string>();
  let primary: string | undefined;
  for (const r of arr(doc.relationships)) {
    if (!isObj(r) || typeof r.spdxElementId !== 'string' || typeof r.relatedSpdxElement !== 'string') continue;
    if (r.relationshipType === 'DESCRIBES' && r.spdxElementId === doc.SPDXID) {
      primary ??= r.relatedSpdxElement;
      continue; // DESCRIBES places a package in the document, it is not a dependency relationship
    }
    inGraph.add(r.spdxElementId);
    inGraph.add(r.relatedSpdxElement);
    hasEdgesFrom.add(r.spdxElementId);
  }
  primary ??= s(arr(doc.documentDescribes)[0]);
  const ci = isObj(doc.creationInfo) ? doc.creationInfo : {};
  return {
    components,
    inGraph,
    hasEdgesFrom,
    ...(primary ? { primary } : {}),
    author: arr(ci.creators).some((c) => typeof c === 'string' && /^(Person|Organization|Tool):\s*\S/.test(c)),
    timestamp: !!s(ci.created),
  };
}

const SPDX3_PACKAGES = new Set(['software_Package', 'ai_AIPackage', 'dataset_DatasetPackage']);

function spdx3View(doc: Obj): SbomView {
  const graph = spdx3Graph(doc);
  const byId = new Map<string, Obj>();
  for (const { node } of graph) if (typeof node.spdxId === 'string') byId.set(node.spdxId, node);
  const nameOf = (ref: unknown): string | undefined => {
    if (isObj(ref)) return s(ref.name);
    if (typeof ref === 'string') return s(byId.get(ref)?.name) ?? ref;
    return undefined;
  };
  const components: SbomComponent[] = [];
  for (const { node, ptr } of graph) {
    if (typeof node.type !== 'string' || !SPDX3_PACKAGES.has(node.type)) continue;
    const identifiers = [
      s(node.software_packageUrl),
      ...arr(node.externalIdentifier).map((e) =>
        isObj(e) &&
        typeof e.externalIdentifierType === 'string' &&
        /^(packageUrl|cpe22|cpe23|swid|swhid|gitoid)$/.test(e.externalIdentifierType)
          ? s(e.identifier)
          : undefined,
      ),
    ].filter((x): x is string => x !== undefined);
    const hashes = arr(node.verifiedUsing).flatMap((h) =>
      isObj(h) && typeof h.algorithm === 'string' && typeof h.hashValue === 'string'
        ? [{ alg: normAlg(h.algorithm), value: h.hashValue.toLowerCase() }]
        : [],
    );
    const supplier = nameOf(node.suppliedBy);
    components.push({
      pointer: ptr,
      ...(s(node.spdxId) ? { ref: node.spdxId as string } : {}),
      ...(s(node.name) ? { name: node.name as string } : {}),
      ...(s(node.software_packageVersion) ? { version: node.software_packageVersion as string } : {}),
      ...(supplier ? { supplier } : {}),
      type: node.type,
      identifiers,
      hashes,
    });
  }
  const inGraph = new Set<string>();
  const hasEdgesFrom = new Set<string>();
  let primary: string | undefined;
  let creation: Obj | undefined;
  for (const { node } of graph) {
    if (node.type === 'Relationship' && typeof node.from === 'string') {
      if (node.relationshipType === 'describes') continue;
      inGraph.add(node.from);
      hasEdgesFrom.add(node.from);
      for (const t of arr(node.to)) if (typeof t === 'string') inGraph.add(t);
    }
    if ((node.type === 'SpdxDocument' || node.type === 'software_Sbom') && !primary) {
      primary = arr(node.rootElement).find(
        (r): r is string => typeof r === 'string' && SPDX3_PACKAGES.has(String(byId.get(r)?.type)),
      );
    }
    if (node.type === 'CreationInfo') creation ??= node;
  }
  if (!creation) for (const { node } of graph) if (isObj(node.creationInfo)) creation ??= node.creationInfo;
  return {
    components,
    inGraph,
    hasEdgesFrom,
    ...(primary ? { primary } : {}),
    author: arr(creation?.createdBy).length > 0,
    timestamp: !!s(creation?.created),
  };
}
