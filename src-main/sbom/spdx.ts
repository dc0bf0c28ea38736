/**
 * SPDX specifics: the tag-value reader (mapped onto the SPDX 2 JSON model so the JSON schema and
 * checks apply) and SPDX 3.0.1 JSON-LD validation against the official JSON schema.
 */
import type { ValidateFunction } from 'ajv';
import { SbomError } from '../errors.js';
import { pointer as pointerOf, splitPointer } from '../manifest/index.js';
import { schemaErrorMessage, spdx3Ajv, SPDX3_SCHEMA_KEY, type ErrorObject } from './schemas.js';
import type { IssueList } from './issues.js';
import type { SbomIssue } from './types.js';

// ---------------------------------------------------------------- tag-value

const DOC_TAGS: Record<string, string> = {
  SPDXVersion: 'spdxVersion',
  DataLicense: 'dataLicense',
  DocumentName: 'name',
  DocumentNamespace: 'documentNamespace',
  DocumentComment: 'comment',
};
const PKG_TAGS: Record<string, string> = {
  SPDXID: 'SPDXID',
  PackageVersion: 'versionInfo',
  PackageFileName: 'packageFileName',
  PackageSupplier: 'supplier',
  PackageOriginator: 'originator',
  PackageDownloadLocation: 'downloadLocation',
  PackageHomePage: 'homepage',
  PackageSourceInfo: 'sourceInfo',
  PackageLicenseConcluded: 'licenseConcluded',
  PackageLicenseDeclared: 'licenseDeclared',
  PackageLicenseComments: 'licenseComments',
  PackageCopyrightText: 'copyrightText',
  PackageSummary: 'summary',
  PackageDescription: 'description',
  PackageComment: 'comment',
  PrimaryPackagePurpose: 'primaryPackagePurpose',
  ReleaseDate: 'releaseDate',
  BuiltDate: 'builtDate',
  ValidUntilDate: 'validUntilDate',
};
const FILE_TAGS: Record<string, string> = {
  SPDXID: 'SPDXID',
  LicenseConcluded: 'licenseConcluded',
  FileCopyrightText: 'copyrightText',
  FileComment: 'comment',
  FileNotice: 'noticeText',
  LicenseComments: 'licenseComments',
};

/** Reads SPDX 2 tag-value into the SPDX 2 JSON model. Unknown tags become `info` notes. */
export function parseSpdxTagValue(text: string, file?: string): { data: Record<string, unknown>; notes: SbomIssue[] } {
  const doc: Record<string, unknown> = {};
  const creation: Record<string, unknown> = {};
  const creators: string[] = [];
  const packages: Record<string, unknown>[] = [];
  const files: Record<string, unknown>[] = [];
  const relationships: Record<string, unknown>[] = [];
  const extracted: Record<string, unknown>[] = [];
  const notes: SbomIssue[] = [];
  const unknown = new Set<string>();
  let lastPackage: Record<string, unknown> | undefined;
  const contained: [Record<string, unknown>, Record<string, unknown>][] = [];
  let current: { kind: 'doc' | 'package' | 'file' | 'license'; obj: Record<string, unknown> } = {
    kind: 'doc',
    obj: doc,
  };
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (/^\s*(#|$)/.test(line)) continue;
    const m = /^([A-Za-z][A-Za-z0-9]*)\s*:\s?(.*)$/.exec(line);
    if (!m) {
      throw new SbomError('MALFORMED_TAG_VALUE', `Malformed SPDX tag-value line ${i + 1}: expected "Tag: value"`, {
        where: `${file ? file + ' ' : ''}line ${i + 1}, column 1`,
        hint: 'Each line is "Tag: value"; multi-line values go between <text> and </text>.',
      });
    }
    const tag = m[1]!;
    let value = m[2]!.trim();
    if (value.startsWith('<text>')) {
      const startLine = i + 1;
      let buf = value.slice(6);
      while (!buf.includes('</text>')) {
        i++;
        if (i >= lines.length) {
          throw new SbomError('MALFORMED_TAG_VALUE', `Unclosed <text> block started at line ${startLine}`, {
            where: `${file ? file + ' ' : ''}line ${startLine}`,
            hint: 'Close multi-line values with </text>.',
          });
        }
        buf += '\n' + lines[i]!;
      }
      value = buf.slice(0, buf.indexOf('</text>'));
    }
    switch (tag) {
      case 'Creator':
        creators.push(value);
        continue;
      case 'Created':
        creation.created = value;
        continue;
      case 'LicenseListVersion':
        creation.licenseListVersion = value;
        continue;
      case 'CreatorComment':
        creation.comment = value;
        continue;
      case 'PackageName':
        current = { kind: 'package', obj: { name: value } };
        packages.push(current.obj);
        lastPackage = current.obj;
        continue;
      case 'FileName':
        // "files are assumed to be associated with the package information that immediately precedes" (§5.2.3)
        current = { kind: 'file', obj: { fileName: value } };
        files.push(current.obj);
        if (lastPackage) contained.push([lastPackage, current.obj]);
        continue;
      case 'LicenseID':
        current = { kind: 'license', obj: { licenseId: value } };
        extracted.push(current.obj);
        continue;
      case 'Relationship': {
        const r = /^(\S+)\s+(\S+)\s+(\S+)$/.exec(value);
        if (r) relationships.push({ spdxElementId: r[1], relationshipType: r[2], relatedSpdxElement: r[3] });
        else
          notes.push({
            severity: 'error',
            code: 'MALFORMED_TAG_VALUE',
            message: `line ${i + 1}: Relationship needs "A TYPE B"`,
            pointer: `/relationships/${relationships.length}`,
          });
        continue;
      }
    }
    if (current.kind === 'doc' && (Object.hasOwn(DOC_TAGS, tag) || tag === 'SPDXID')) {
      doc[tag === 'SPDXID' ? 'SPDXID' : DOC_TAGS[tag]!] = value;
    } else if (current.kind === 'package' && Object.hasOwn(PKG_TAGS, tag)) {
      current.obj[PKG_TAGS[tag]!] = value;
    } else if (current.kind === 'package' && tag === 'FilesAnalyzed') {
      current.obj.filesAnalyzed = value.toLowerCase() === 'true';
    } else if (current.kind === 'package' && tag === 'PackageChecksum') {
      pushChecksum(current.obj, value);
    } else if (current.kind === 'package' && tag === 'ExternalRef') {
      const r = /^(\S+)\s+(\S+)\s+(\S+)$/.exec(value);
      if (r)
        ((current.obj.externalRefs ??= []) as unknown[]).push({
          referenceCategory: r[1]!.replace(/_/g, '-'),
          referenceType: r[2],
          referenceLocator: r[3],
        });
    } else if (current.kind === 'package' && tag === 'PackageVerificationCode') {
      const m = /^([0-9a-fA-F]+)\s*(?:\(excludes:\s*(.*)\))?$/.exec(value);
      current.obj.packageVerificationCode = {
        packageVerificationCodeValue: m ? m[1] : value,
        ...(m?.[2] ? { packageVerificationCodeExcludedFiles: m[2].split(/\s*,\s*|\s+/).filter(Boolean) } : {}),
      };
    } else if (current.kind === 'package' && tag === 'PackageLicenseInfoFromFiles') {
      ((current.obj.licenseInfoFromFiles ??= []) as unknown[]).push(value);
    } else if (current.kind === 'file' && Object.hasOwn(FILE_TAGS, tag)) {
      current.obj[FILE_TAGS[tag]!] = value;
    } else if (current.kind === 'file' && tag === 'FileChecksum') {
      pushChecksum(current.obj, value);
    } else if (current.kind === 'file' && tag === 'LicenseInfoInFile') {
      ((current.obj.licenseInfoInFiles ??= []) as unknown[]).push(value);
    } else if (
      current.kind === 'license' &&
      (tag === 'ExtractedText' || tag === 'LicenseName' || tag === 'LicenseCrossReference' || tag === 'LicenseComment')
    ) {
      if (tag === 'ExtractedText') current.obj.extractedText = value;
      else if (tag === 'LicenseName') current.obj.name = value;
      else if (tag === 'LicenseComment') current.obj.comment = value;
      else ((current.obj.seeAlsos ??= []) as unknown[]).push(value);
    } else {
      unknown.add(tag);
    }
  }
  for (const [pkg, file] of contained)
    if (typeof file.SPDXID === 'string') ((pkg.hasFiles ??= []) as unknown[]).push(file.SPDXID);
  if (creators.length) creation.creators = creators;
  if (Object.keys(creation).length) doc.creationInfo = creation;
  if (packages.length) doc.packages = packages;
  if (files.length) doc.files = files;
  if (relationships.length) doc.relationships = relationships;
  if (extracted.length) doc.hasExtractedLicensingInfos = extracted;
  for (const t of unknown)
    notes.push({
      severity: 'info',
      code: 'TAG_NOT_CHECKED',
      message: `tag-value tag ${t} is not mapped and was not checked`,
      pointer: '',
    });
  return { data: doc, notes };
}

function pushChecksum(obj: Record<string, unknown>, value: string): void {
  const m = /^([A-Za-z0-9-]+)\s*:\s*(\S+)$/.exec(value);
  if (m) ((obj.checksums ??= []) as unknown[]).push({ algorithm: m[1], checksumValue: m[2] });
}

// ---------------------------------------------------------------- SPDX 3

export const SPDX3_CONTEXT_301 = 'https://spdx.org/rdf/3.0.1/spdx-context.jsonld';

const nodeValidators = new Map<string, ValidateFunction>();

/**
 * Validates an SPDX 3.0.1 document with the official JSON schema. The schema decides; its raw
 * errors are unreadable (every @graph node is tried against ~80 classes), so when it fails, each
 * node is validated again against the class its `type` names, and only the errors that explain
 * the failure are kept (see `explain`).
 */
export function validateSpdx3(doc: Record<string, unknown>, out: IssueList): void {
  const { ajv, full } = spdx3Ajv();
  if (full(doc)) return;
  const before = out.list.length + out.dropped;
  const err = (pointer: string, message: string) => out.push({ severity: 'error', code: 'SCHEMA', message, pointer });
  if (doc['@context'] !== SPDX3_CONTEXT_301) err('/@context', `must be "${SPDX3_CONTEXT_301}"`);
  const nodes: [unknown, string][] = Array.isArray(doc['@graph'])
    ? (doc['@graph'] as unknown[]).map((n, i) => [n, `/@graph/${i}`])
    : [[doc, '']];
  if ('@graph' in doc) {
    if (!Array.isArray(doc['@graph'])) err('/@graph', 'must be an array');
    for (const k of Object.keys(doc))
      if (k !== '@context' && k !== '@graph') err(`/${k}`, `unexpected top-level property "${k}" beside @graph`);
  }
  const defs = (ajv.getSchema(SPDX3_SCHEMA_KEY)!.schema as { $defs: Record<string, unknown> }).$defs;
  for (const [node, ptr] of nodes) {
    if (out.isFull()) return;
    if (typeof node !== 'object' || node === null || Array.isArray(node)) {
      err(ptr, 'must be an object');
      continue;
    }
    const type = (node as Record<string, unknown>).type;
    if (typeof type !== 'string') {
      err(ptr, 'must have a "type" naming its SPDX class');
      continue;
    }
    if (!isClass(type, defs)) {
      if (!type.includes(':')) err(`${ptr}/type`, `unknown SPDX 3 class "${type}"`);
      continue;
    }
    for (const e of classErrors(node as Record<string, unknown>, defs)) err(ptr + e.path, e.message);
  }
  if (out.list.length + out.dropped === before) {
    // the schema failed for a reason the per-node pass does not show: report its own error
    for (const e of explain(full.errors ?? [])) err(e.instancePath, schemaErrorMessage(e));
  }
}

/**
 * The errors of one object against the class its `type` names. Where an error lies inside a
 * nested inline object that names its own class (a Hash in verifiedUsing, a DictionaryEntry in
 * ai_metric), that object is checked against its own class instead, so the alternatives it was
 * tried against (PackageVerificationCode, an IRI string, …) do not show up.
 */
function classErrors(
  obj: Record<string, unknown>,
  defs: Record<string, unknown>,
  depth = 0,
): { path: string; message: string }[] {
  const type = obj.type as string;
  let v = nodeValidators.get(type);
  if (!v) {
    v = spdx3Ajv().ajv.compile({ $ref: `${SPDX3_SCHEMA_KEY}#/$defs/${type}`, unevaluatedProperties: false });
    nodeValidators.set(type, v);
  }
  if (v(obj)) return [];
  const errors = explain(v.errors ?? []);
  const out: { path: string; message: string }[] = [];
  const nested = new Map<string, Record<string, unknown>>();
  for (const e of errors) {
    const inner = depth < 8 ? typedAncestor(obj, e.instancePath, defs) : undefined;
    if (inner) nested.set(inner.path, inner.node);
    else out.push({ path: e.instancePath, message: schemaErrorMessage(e) });
  }
  for (const [path, node] of nested)
    for (const e of classErrors(node, defs, depth + 1)) out.push({ path: path + e.path, message: e.message });
  return out;
}

/** The outermost object strictly inside `root` on the way to `pointer` that names a known class. */
function typedAncestor(
  root: unknown,
  pointer: string,
  defs: Record<string, unknown>,
): { path: string; node: Record<string, unknown> } | undefined {
  const parts = splitPointer(pointer);
  let cur: unknown = root;
  for (let i = 0; i < parts.length; i++) {
    if (typeof cur !== 'object' || cur === null) return undefined;
    cur = (cur as Record<string, unknown>)[parts[i]!];
    const t =
      typeof cur === 'object' && cur !== null && !Array.isArray(cur)
        ? (cur as Record<string, unknown>).type
        : undefined;
    if (typeof t === 'string' && isClass(t, defs)) {
      return { path: pointerOf(...parts.slice(0, i + 1)), node: cur as Record<string, unknown> };
    }
  }
  return undefined;
}

const NOT_CLASSES = new Set(['IRI', 'BlankNode', 'BlankNodeOrIRI', 'anyURI', 'SHACLClass', 'AnyClass']);
function isClass(t: string, defs: Record<string, unknown>): boolean {
  return Object.hasOwn(defs, t) && !t.endsWith('_props') && !t.endsWith('_derived') && !NOT_CLASSES.has(t);
}

/**
 * Keeps the errors that explain a failure and drops the noise of alternatives (anyOf/oneOf over
 * classes, "object or IRI string"): branch verdicts, a `type` or `unevaluatedProperties` error on
 * an object that also has an error deeper inside. Unknown properties of the node itself are kept.
 */
function explain(errors: ErrorObject[]): ErrorObject[] {
  const kept = errors.filter(
    (e) => e.keyword !== 'anyOf' && e.keyword !== 'oneOf' && e.keyword !== 'allOf' && e.keyword !== 'not',
  );
  const deeper = (p: string) => kept.some((o) => o.instancePath.startsWith(p + '/'));
  const seen = new Set<string>();
  return kept.filter((e) => {
    if ((e.keyword === 'type' || e.keyword === 'const' || e.keyword === 'pattern') && deeper(e.instancePath))
      return false;
    if (e.keyword === 'unevaluatedProperties' && e.instancePath !== '' && deeper(e.instancePath)) return false;
    const key = `${e.instancePath} ${schemaErrorMessage(e)}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
