/**
 * CycloneDX XML: parsed and validated against the official XSD of its version by libxml2 (xsd.ts),
 * then mapped onto the CycloneDX JSON model for the checks a schema cannot make (unique bom-refs,
 * references that resolve, NTIA elements, the artifact digest). The mapping is not validated
 * again: the XSD has decided validity. Only elements in the document's CycloneDX namespace and
 * attributes without a namespace are mapped (signatures and extensions are left to the XSD).
 *
 * Hostile XML: a DOCTYPE (the only place entities can be declared) is refused before parsing; the
 * parser loads nothing and substitutes no entity.
 */
import {
  xmlDocGetRootElement,
  XmlNamedNodeStruct,
  xmlNodeGetContent,
  XmlNodeStruct,
  XmlNsStruct,
  XmlTreeCommonStruct,
} from 'libxml2-wasm/lib/libxml2.mjs';
import { SbomError } from '../errors.js';

import { CYCLONEDX_VERSIONS } from './schemas.js';
import type { SbomIssue } from './types.js';
import { parseXml, validateXsd, type XsdResult } from './xsd.js';
import { lineColumn } from '../json.js';

const NS = /^http:\/\/cyclonedx\.org\/schema\/bom\/(\d+\.\d+)$/;

/** Wrapper element → the repeated child that makes up the JSON array. */
const LISTS: Record<string, string> = {
  components: 'component',
  services: 'service',
  externalReferences: 'reference',
  hashes: 'hash',
  authors: 'author',
  properties: 'property',
  lifecycles: 'lifecycle',
  compositions: 'composition',
  inputs: 'input',
  outputs: 'output',
  performanceMetrics: 'performanceMetric',
  users: 'user',
  useCases: 'useCase',
  technicalLimitations: 'technicalLimitation',
  performanceTradeoffs: 'performanceTradeoff',
  ethicalConsiderations: 'ethicalConsideration',
  fairnessAssessments: 'fairnessAssessment',
  tags: 'tag',
  endpoints: 'endpoint',
  energyConsumptions: 'energyConsumption',
  energyProviders: 'energyProvider',
  vulnerabilities: 'vulnerability',
  affects: 'target',
  annotations: 'annotation',
  // references written as <bom-ref> elements (declarations are always attributes)
  patentRefs: 'bom-ref',
};
/** Elements that repeat in place (no wrapper) and are arrays in JSON. */
const REPEATED = new Set(['url', 'contact', 'sensitiveData', 'omniborId', 'swhid']);
/** Organizational entities: their <url> and <contact> repeat; elsewhere <url> is single. */
const ORG = new Set([
  'supplier',
  'manufacturer',
  'manufacture',
  'provider',
  'organization',
  'licensor',
  'licensee',
  'purchaser',
  'organizationalEntity',
]);

type XNode = Record<string, unknown>;

export interface CycloneDxXml {
  specVersion: string;
  data: Record<string, unknown>;
  notes: SbomIssue[];
  /** The XSD verdict (for the versions fleetpack knows). */
  xsd?: XsdResult;
}

/** Throws SbomError with line/column for any DOCTYPE (checked on the text, before any parser sees it). */
export function checkXmlSafety(text: string, file?: string): void {
  const doctype = /<!DOCTYPE/i.exec(text);
  if (doctype) {
    const { line, column } = lineColumn(text, doctype.index);
    throw new SbomError(
      'XML_DOCTYPE_REFUSED',
      'XML with a DOCTYPE declaration is refused (entities are never expanded and nothing is fetched)',
      {
        where: `${file ? file + ' ' : ''}line ${line}, column ${column}`,
        hint: 'CycloneDX XML needs no DOCTYPE; remove it (and any <!ENTITY> declarations) and try again.',
      },
    );
  }
}

/** The root element's local name and namespace, read from the raw text (cheap, prefix-aware). */
export function sniffXmlRoot(text: string): { name: string; namespace?: string } {
  const body = text.replace(/<\?[\s\S]*?\?>/g, '').replace(/<!--[\s\S]*?-->/g, '');
  const m = /<([A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)([^>]*)>/.exec(body);
  if (!m) return { name: '' };
  const prefix = m[1] ? m[1].slice(0, -1) : '';
  const attrs = m[3] ?? '';
  const nsAttr = new RegExp(`xmlns${prefix ? ':' + prefix : ''}\\s*=\\s*["']([^"']*)["']`).exec(attrs);
  return { name: m[2]!, ...(nsAttr ? { namespace: nsAttr[1]! } : {}) };
}

export function cycloneDxXmlVersion(namespace: string | undefined): string | undefined {
  return namespace ? NS.exec(namespace)?.[1] : undefined;
}

function notCycloneDx(name: string, namespace: string | undefined, file?: string): SbomError {
  return new SbomError(
    'NOT_AN_SBOM',
    `XML document with root <${name}>${namespace ? ` in namespace ${namespace}` : ''} is not CycloneDX XML`,
    {
      ...(file ? { where: file } : {}),
      hint: 'CycloneDX XML has a <bom> root in namespace http://cyclonedx.org/schema/bom/1.x. SPDX RDF/XML is not supported: use SPDX JSON.',
    },
  );
}

export function parseCycloneDxXml(text: string, file?: string): CycloneDxXml {
  checkXmlSafety(text, file);
  const sniffed = sniffXmlRoot(text);
  if (sniffed.name !== 'bom' || !cycloneDxXmlVersion(sniffed.namespace))
    throw notCycloneDx(sniffed.name, sniffed.namespace, file);
  const doc = parseXml(text, file);
  let bom: XNode;
  let specVersion: string;
  let xsd: XsdResult | undefined;
  try {
    const root = xmlDocGetRootElement((doc as unknown as { _ptr: number })._ptr);
    const namespace = nsHref(root);
    const version = cycloneDxXmlVersion(namespace);
    if (XmlTreeCommonStruct.name_(root) !== 'bom' || !version)
      throw notCycloneDx(XmlTreeCommonStruct.name_(root), namespace, file);
    specVersion = version;
    if ((CYCLONEDX_VERSIONS as readonly string[]).includes(version)) xsd = validateXsd(doc, version, text);
    bom = toNode(root, namespace!);
  } finally {
    doc.dispose();
  }
  const notes: SbomIssue[] = [];
  const data: Record<string, unknown> = { bomFormat: 'CycloneDX', specVersion };
  for (const [k, v] of Object.entries(bom)) {
    if (k.startsWith('@')) {
      const name = k.slice(1);
      data[name] = name === 'version' && /^\d+$/.test(String(v)) ? Number(v) : String(v);
      continue;
    }
    if (k === '#text') continue;
    const items = v as unknown[];
    if (k === 'dependencies') data.dependencies = mapDependencies(items[0]);
    else data[k] = mapChild(k, items[0], `/${k}`);
  }
  return { specVersion, data, notes, ...(xsd ? { xsd } : {}) };
}

// ---------------------------------------------------------------- libxml2 tree → plain nodes

const ELEMENT = 1;
const TEXT = 3;
const CDATA = 4;

function nsHref(node: number): string | undefined {
  const ns = XmlNamedNodeStruct.namespace(node);
  return ns ? XmlNsStruct.href(ns) : undefined;
}

/**
 * An element as `{ child: [nodes…], '@attr': value, '#text': text }`: children in `namespace` only,
 * attributes without a namespace only, text and CDATA joined and trimmed. Depth is bounded by the
 * parser (MAX_XML_DEPTH), so recursion is safe.
 */
function toNode(el: number, namespace: string): XNode {
  const out: XNode = {};
  for (let a = XmlNodeStruct.properties(el); a; a = XmlTreeCommonStruct.next(a))
    if (!XmlNamedNodeStruct.namespace(a)) out[`@${XmlTreeCommonStruct.name_(a)}`] = xmlNodeGetContent(a);
  let text = '';
  for (let c = XmlTreeCommonStruct.children(el); c; c = XmlTreeCommonStruct.next(c)) {
    const type = XmlTreeCommonStruct.type(c);
    if (type === ELEMENT) {
      if (nsHref(c) !== namespace) continue;
      const name = XmlTreeCommonStruct.name_(c);
      const list = (out[name] ??= []) as XNode[];
      list.push(toNode(c, namespace));
    } else if (type === TEXT || type === CDATA) text += xmlNodeGetContent(c);
  }
  text = text.trim();
  if (text) out['#text'] = text;
  return out;
}

// ---------------------------------------------------------------- plain nodes → JSON model

function mapDependencies(node: unknown): unknown[] {
  if (!isObj(node)) return [];
  return ((node.dependency as unknown[] | undefined) ?? []).map((d) => {
    const o = isObj(d) ? d : {};
    const out: Record<string, unknown> = { ref: scalar(o['@ref']) };
    const inner = (o.dependency as unknown[] | undefined) ?? [];
    if (inner.length) out.dependsOn = inner.map((x) => scalar(isObj(x) ? x['@ref'] : ''));
    const provides = (o.provides as unknown[] | undefined) ?? [];
    if (provides.length) out.provides = provides.map((x) => scalar(isObj(x) ? x['@ref'] : ''));
    return out;
  });
}

/** Maps one element (given by its name and content) to its JSON value. */
function mapChild(name: string, node: unknown, pointer: string): unknown {
  if (name === 'licenses') return mapLicenses(node, pointer);
  if (name === 'tools') return mapTools(node, pointer);
  if (name === 'hash') return { alg: attr(node, 'alg'), content: text(node) };
  if (name === 'property') return { name: attr(node, 'name'), value: text(node) };
  if (name === 'datasets' && isObj(node)) {
    // a choice of inline <dataset> and <ref> (JSON: {ref} objects among the datasets)
    const inline = ((node.dataset as unknown[] | undefined) ?? []).map((d, i) =>
      mapObject('dataset', d, `${pointer}/${i}`),
    );
    return [...inline, ...((node.ref as unknown[] | undefined) ?? []).map((r) => ({ ref: text(r) }))];
  }
  if (name === 'assemblies' || (name === 'dependencies' && pointer.includes('/compositions/'))) {
    // compositions list refs as <assembly ref="x"/> / <dependency ref="x"/>
    return isObj(node)
      ? Object.values(node).flatMap((v) => (Array.isArray(v) ? v.map((x) => attr(x, 'ref')) : []))
      : [];
  }
  const item = Object.hasOwn(LISTS, name) ? LISTS[name] : undefined;
  if (item) {
    const children = isObj(node) ? ((node[item] as unknown[] | undefined) ?? []) : [];
    return children.map((c, i) => mapChild(item, c, `${pointer}/${i}`));
  }
  return mapObject(name, node, pointer);
}

function mapObject(name: string, node: unknown, pointer: string): unknown {
  if (!isObj(node)) return scalar(node);
  const keys = Object.keys(node);
  const hasChildren = keys.some((k) => !k.startsWith('@') && k !== '#text');
  const hasAttrs = keys.some((k) => k.startsWith('@'));
  if (!hasChildren && !hasAttrs) return scalar(node['#text']);
  const out: Record<string, unknown> = {};
  for (const k of keys) {
    const v = node[k];
    if (k.startsWith('@')) {
      out[k.slice(1)] = String(v);
      continue;
    }
    if (k === '#text') {
      // text beside attributes: CycloneDX JSON names it by context; 'content' is the common case (attachments)
      if (!hasChildren) out.content = String(v);
      continue;
    }
    const list = v as unknown[];
    const repeats = k === 'url' || k === 'contact' ? ORG.has(name) : REPEATED.has(k);
    if (repeats) out[k] = list.map((x, i) => mapObject(k, x, `${pointer}/${k}/${i}`));
    else if (list.length > 1 && !Object.hasOwn(LISTS, k))
      // an element the mapping has no rule for, repeated in place: keep every one
      out[k] = list.map((x, i) => mapChild(k, x, `${pointer}/${k}/${i}`));
    else out[k] = mapChild(k, list[0], `${pointer}/${k}`);
  }
  return out;
}

function mapLicenses(node: unknown, pointer: string): unknown[] {
  if (!isObj(node)) return [];
  const out: unknown[] = [];
  for (const l of (node.license as unknown[] | undefined) ?? [])
    out.push({ license: mapObject('license', l, `${pointer}/${out.length}/license`) });
  for (const e of (node.expression as unknown[] | undefined) ?? []) {
    const o: Record<string, unknown> = { expression: text(e) };
    const ack = attr(e, 'acknowledgement');
    const ref = attr(e, 'bom-ref');
    if (ack) o.acknowledgement = ack;
    if (ref) o['bom-ref'] = ref;
    out.push(o);
  }
  return out;
}

function mapTools(node: unknown, pointer: string): unknown {
  if (!isObj(node)) return [];
  if (node.tool) return (node.tool as unknown[]).map((t, i) => mapObject('tool', t, `${pointer}/${i}`));
  const out: Record<string, unknown> = {};
  if (node.components)
    out.components = mapChild('components', (node.components as unknown[])[0], `${pointer}/components`);
  if (node.services) out.services = mapChild('services', (node.services as unknown[])[0], `${pointer}/services`);
  return out;
}

/** A mapped value as text: attributes and text content are strings; anything else has none. */
function scalar(v: unknown): string {
  return typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : '';
}
function isObj(x: unknown): x is XNode {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}
function attr(node: unknown, name: string): string | undefined {
  return isObj(node) && node[`@${name}`] !== undefined ? String(node[`@${name}`]) : undefined;
}
function text(node: unknown): string {
  return scalar(isObj(node) ? node['#text'] : node);
}
