/**
 * CycloneDX XML → the CycloneDX JSON model, so one JSON-schema validator and one set of checks
 * serve both. XSD validation is not available offline in Node, so this is structural: the parts of
 * the XML that map cleanly onto the JSON model (bom attributes, metadata, components incl. model
 * cards, services, external references, dependencies, compositions, properties) are mapped and
 * validated with the JSON schema; other sections are skipped and listed as `info` notes.
 *
 * Hostile XML: a DOCTYPE (the only place entities can be declared) is refused before parsing;
 * the parser runs with entity processing off and we decode only the five predefined entities and
 * numeric character references ourselves, so nothing is ever expanded or fetched.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { SbomError } from '../errors.js';
import { lineColumn } from '../package/index.js';
import type { SbomIssue } from './types.js';

const NS = /^http:\/\/cyclonedx\.org\/schema\/bom\/(\d+\.\d+)$/;

/** Sections of the XML that are not mapped (their JSON forms differ too much to map blindly). */
const SKIPPED_TOP = new Set([
  'vulnerabilities',
  'formulation',
  'annotations',
  'declarations',
  'definitions',
  'signature',
  'citations',
]);
const SKIPPED_COMPONENT = new Set([
  'pedigree',
  'evidence',
  'releaseNotes',
  'cryptoProperties',
  'signature',
  'data',
  'swid',
  'patentAssertions',
]);

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
  datasets: 'dataset',
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
};
/** Elements that repeat in place (no wrapper) and are arrays in JSON. */
const REPEATED = new Set(['url', 'contact', 'sensitiveData']);
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
}

/** Throws SbomError with line/column for malformed XML and for any DOCTYPE. */
export function checkXmlSafety(text: string, file?: string): void {
  const doctype = /<!DOCTYPE/i.exec(text);
  if (doctype) {
    throw new SbomError(
      'XML_DOCTYPE_REFUSED',
      'XML with a DOCTYPE declaration is refused (entities are never expanded and nothing is fetched)',
      {
        where: where(text, doctype.index, file),
        hint: 'CycloneDX XML needs no DOCTYPE; remove it (and any <!ENTITY> declarations) and try again.',
      },
    );
  }
  // fast-xml-parser deprecates its validator in favour of a separate package (fast-xml-validator); it
  // still ships and is tested here, and a new dependency would change every message: kept for now.
  // eslint-disable-next-line @typescript-eslint/no-deprecated
  const v = XMLValidator.validate(text, { allowBooleanAttributes: false });
  if (v !== true) {
    throw new SbomError('MALFORMED_XML', `Malformed XML: ${v.err.msg} at line ${v.err.line}, column ${v.err.col}`, {
      where: `${file ? file + ' ' : ''}line ${v.err.line}, column ${v.err.col}`,
      hint: 'Fix the XML syntax (xmllint --noout FILE shows the same spot) and try again.',
    });
  }
}

function where(text: string, offset: number, file?: string): string {
  const { line, column } = lineColumn(text, offset);
  return `${file ? file + ' ' : ''}line ${line}, column ${column}`;
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

export function parseCycloneDxXml(text: string, file?: string): CycloneDxXml {
  checkXmlSafety(text, file);
  const root = sniffXmlRoot(text);
  const specVersion = cycloneDxXmlVersion(root.namespace);
  if (root.name !== 'bom' || !specVersion) {
    throw new SbomError(
      'NOT_AN_SBOM',
      `XML document with root <${root.name}>${root.namespace ? ` in namespace ${root.namespace}` : ''} is not CycloneDX XML`,
      {
        ...(file ? { where: file } : {}),
        hint: 'CycloneDX XML has a <bom> root in namespace http://cyclonedx.org/schema/bom/1.x. SPDX RDF/XML is not supported: use SPDX JSON.',
      },
    );
  }
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '@',
    removeNSPrefix: true,
    processEntities: false,
    parseTagValue: false,
    parseAttributeValue: false,
    trimValues: true,
    ignoreDeclaration: true,
    ignorePiTags: true,
    textNodeName: '#text',
    isArray: (_name, _path, _leaf, isAttribute) => !isAttribute,
  });
  const doc = parser.parse(text) as XNode;
  const bom = (doc.bom as XNode[] | undefined)?.[0];
  if (!bom || typeof bom !== 'object')
    throw new SbomError('NOT_AN_SBOM', 'CycloneDX XML without a <bom> element', { ...(file ? { where: file } : {}) });
  const notes: SbomIssue[] = [];
  const data: Record<string, unknown> = { bomFormat: 'CycloneDX', specVersion };
  for (const [k, v] of Object.entries(bom)) {
    if (k.startsWith('@')) {
      const name = k.slice(1);
      if (name === 'xmlns' || name.startsWith('xmlns:') || name.includes(':')) continue;
      data[name] = name === 'version' && /^\d+$/.test(String(v)) ? Number(v) : decode(String(v));
      continue;
    }
    if (k === '#text') continue;
    if (SKIPPED_TOP.has(k)) {
      notes.push({
        severity: 'info',
        code: 'XML_NOT_CHECKED',
        message: `<${k}> is not mapped from XML and was not checked`,
        pointer: `/${k}`,
      });
      continue;
    }
    const items = v as unknown[];
    if (k === 'dependencies') data.dependencies = mapDependencies(items[0]);
    else data[k] = mapChild(k, items[0], `/${k}`, notes);
  }
  return { specVersion, data, notes };
}

function mapDependencies(node: unknown): unknown[] {
  if (!isObj(node)) return [];
  return ((node.dependency as unknown[] | undefined) ?? []).map((d) => {
    const o = isObj(d) ? d : {};
    const out: Record<string, unknown> = { ref: decode(scalar(o['@ref'])) };
    const inner = (o.dependency as unknown[] | undefined) ?? [];
    if (inner.length) out.dependsOn = inner.map((x) => decode(scalar(isObj(x) ? x['@ref'] : '')));
    const provides = (o.provides as unknown[] | undefined) ?? [];
    if (provides.length) out.provides = provides.map((x) => decode(scalar(isObj(x) ? x['@ref'] : '')));
    return out;
  });
}

/** Maps one element (given by its name and content) to its JSON value. */
function mapChild(name: string, node: unknown, pointer: string, notes: SbomIssue[]): unknown {
  if (name === 'licenses') return mapLicenses(node, pointer, notes);
  if (name === 'tools') return mapTools(node, pointer, notes);
  if (name === 'hash') return { alg: attr(node, 'alg'), content: text(node) };
  if (name === 'property') return { name: attr(node, 'name'), value: text(node) };
  if (name === 'assemblies' || (name === 'dependencies' && pointer.includes('/compositions/'))) {
    // compositions list refs as <assembly ref="x"/> / <dependency ref="x"/>
    return isObj(node)
      ? Object.values(node).flatMap((v) => (Array.isArray(v) ? v.map((x) => attr(x, 'ref')) : []))
      : [];
  }
  const item = Object.hasOwn(LISTS, name) ? LISTS[name] : undefined;
  if (item) {
    const children = isObj(node) ? ((node[item] as unknown[] | undefined) ?? []) : [];
    const extra = isObj(node) ? Object.keys(node).filter((k) => k !== item && !k.startsWith('@') && k !== '#text') : [];
    for (const k of extra)
      notes.push({
        severity: 'info',
        code: 'XML_NOT_CHECKED',
        message: `<${k}> inside <${name}> is not mapped from XML`,
        pointer,
      });
    return children.map((c, i) => mapChild(item, c, `${pointer}/${i}`, notes));
  }
  return mapObject(name, node, pointer, notes);
}

function mapObject(name: string, node: unknown, pointer: string, notes: SbomIssue[]): unknown {
  if (!isObj(node)) return decode(scalar(node));
  const keys = Object.keys(node);
  const hasChildren = keys.some((k) => !k.startsWith('@') && k !== '#text');
  const hasAttrs = keys.some((k) => k.startsWith('@'));
  if (!hasChildren && !hasAttrs) return decode(scalar(node['#text']));
  const out: Record<string, unknown> = {};
  for (const k of keys) {
    const v = node[k];
    if (k.startsWith('@')) {
      const a = k.slice(1);
      if (a === 'xmlns' || a.includes(':')) continue;
      out[a] = decode(String(v));
      continue;
    }
    if (k === '#text') {
      if (hasChildren) continue;
      // text beside attributes: CycloneDX JSON names it by context; 'content' is the common case (attachments)
      out.content = decode(String(v));
      continue;
    }
    if ((name === 'component' || name === 'service') && SKIPPED_COMPONENT.has(k)) {
      notes.push({
        severity: 'info',
        code: 'XML_NOT_CHECKED',
        message: `<${k}> of a ${name} is not mapped from XML and was not checked`,
        pointer: `${pointer}/${k}`,
      });
      continue;
    }
    const list = v as unknown[];
    if (REPEATED.has(k) && (k === 'sensitiveData' || ORG.has(name)))
      out[k] = list.map((x, i) => mapObject(k, x, `${pointer}/${k}/${i}`, notes));
    else out[k] = mapChild(k, list[0], `${pointer}/${k}`, notes);
  }
  return out;
}

function mapLicenses(node: unknown, pointer: string, notes: SbomIssue[]): unknown[] {
  if (!isObj(node)) return [];
  const out: unknown[] = [];
  for (const l of (node.license as unknown[] | undefined) ?? [])
    out.push({ license: mapObject('license', l, `${pointer}/${out.length}/license`, notes) });
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

function mapTools(node: unknown, pointer: string, notes: SbomIssue[]): unknown {
  if (!isObj(node)) return [];
  if (node.tool) return (node.tool as unknown[]).map((t, i) => mapObject('tool', t, `${pointer}/${i}`, notes));
  const out: Record<string, unknown> = {};
  if (node.components)
    out.components = mapChild('components', (node.components as unknown[])[0], `${pointer}/components`, notes);
  if (node.services) out.services = mapChild('services', (node.services as unknown[])[0], `${pointer}/services`, notes);
  return out;
}

function isObj(x: unknown): x is XNode {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}
function attr(node: unknown, name: string): string | undefined {
  return isObj(node) && node[`@${name}`] !== undefined ? decode(scalar(node[`@${name}`])) : undefined;
}
function text(node: unknown): string {
  return decode(scalar(isObj(node) ? node['#text'] : node));
}

const PREDEFINED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
/** Decodes the predefined XML entities and character references; anything else is left as written. */
/** A parsed text or attribute value as a string ('' for a missing value or an element where text was expected). */
function scalar(v: unknown): string {
  return typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : '';
}

export function decode(s: string): string {
  if (!s.includes('&')) return s;
  return s.replace(/&(#x[0-9a-fA-F]{1,6}|#\d{1,7}|amp|lt|gt|quot|apos);/g, (m, e: string) => {
    if (e[0] !== '#') return PREDEFINED[e] ?? m;
    const cp = e[1] === 'x' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
    return cp <= 0x10ffff ? String.fromCodePoint(cp) : m;
  });
}
