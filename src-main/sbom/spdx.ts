/**
 * SPDX specifics: the tag-value reader (mapped onto the SPDX 2 JSON model so the JSON schema and
 * checks apply) and the SPDX 3.0 JSON-LD structural validator.
 *
 * SPDX 3: the official JSON schema (spdx-json-schema.json, 3.0.1) is not on npm and is not
 * vendored here, so `validateSpdx3Structure` checks, per the 3.0.1 model, what that schema
 * checks for the classes an ML package uses: the @context, @graph of typed objects, Element
 * classes carrying spdxId + creationInfo, CreationInfo's required fields and formats, Hash,
 * ExternalIdentifier, DictionaryEntry (string values: a numeric ai_metric fails), Relationship,
 * and the value types / enumerations of Core, Software, AI and Dataset properties. Unknown
 * properties are not reported (the official schema rejects them). See resources/schema/spdx/README.md.
 */
import { SbomError } from '../errors.js';
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
  let current: { kind: 'doc' | 'package' | 'file' | 'license'; obj: Record<string, unknown> } = { kind: 'doc', obj: doc };
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
        buf += '\n' + lines[i];
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
        continue;
      case 'FileName':
        current = { kind: 'file', obj: { fileName: value } };
        files.push(current.obj);
        continue;
      case 'LicenseID':
        current = { kind: 'license', obj: { licenseId: value } };
        extracted.push(current.obj);
        continue;
      case 'Relationship': {
        const r = /^(\S+)\s+(\S+)\s+(\S+)$/.exec(value);
        if (r) relationships.push({ spdxElementId: r[1], relationshipType: r[2], relatedSpdxElement: r[3] });
        else notes.push({ severity: 'error', code: 'MALFORMED_TAG_VALUE', message: `line ${i + 1}: Relationship needs "A TYPE B"`, pointer: `/relationships/${relationships.length}` });
        continue;
      }
    }
    if (current.kind === 'doc' && (tag in DOC_TAGS || tag === 'SPDXID')) {
      doc[tag === 'SPDXID' ? 'SPDXID' : DOC_TAGS[tag]!] = value;
    } else if (current.kind === 'package' && tag in PKG_TAGS) {
      current.obj[PKG_TAGS[tag]!] = value;
    } else if (current.kind === 'package' && tag === 'FilesAnalyzed') {
      current.obj.filesAnalyzed = value.toLowerCase() === 'true';
    } else if (current.kind === 'package' && tag === 'PackageChecksum') {
      pushChecksum(current.obj, value);
    } else if (current.kind === 'package' && tag === 'ExternalRef') {
      const r = /^(\S+)\s+(\S+)\s+(\S+)$/.exec(value);
      if (r) ((current.obj.externalRefs ??= []) as unknown[]).push({ referenceCategory: r[1]!.replace(/_/g, '-'), referenceType: r[2], referenceLocator: r[3] });
    } else if (current.kind === 'package' && tag === 'PackageLicenseInfoFromFiles') {
      ((current.obj.licenseInfoFromFiles ??= []) as unknown[]).push(value);
    } else if (current.kind === 'file' && tag in FILE_TAGS) {
      current.obj[FILE_TAGS[tag]!] = value;
    } else if (current.kind === 'file' && tag === 'FileChecksum') {
      pushChecksum(current.obj, value);
    } else if (current.kind === 'file' && tag === 'LicenseInfoInFile') {
      ((current.obj.licenseInfoInFiles ??= []) as unknown[]).push(value);
    } else if (current.kind === 'license' && (tag === 'ExtractedText' || tag === 'LicenseName' || tag === 'LicenseCrossReference' || tag === 'LicenseComment')) {
      if (tag === 'ExtractedText') current.obj.extractedText = value;
      else if (tag === 'LicenseName') current.obj.name = value;
      else if (tag === 'LicenseComment') current.obj.comment = value;
      else ((current.obj.seeAlsos ??= []) as unknown[]).push(value);
    } else {
      unknown.add(tag);
    }
  }
  if (creators.length) creation.creators = creators;
  if (Object.keys(creation).length) doc.creationInfo = creation;
  if (packages.length) doc.packages = packages;
  if (files.length) doc.files = files;
  if (relationships.length) doc.relationships = relationships;
  if (extracted.length) doc.hasExtractedLicensingInfos = extracted;
  for (const t of unknown) notes.push({ severity: 'info', code: 'TAG_NOT_CHECKED', message: `tag-value tag ${t} is not mapped and was not checked`, pointer: '' });
  return { data: doc, notes };
}

function pushChecksum(obj: Record<string, unknown>, value: string): void {
  const m = /^([A-Za-z0-9-]+)\s*:\s*(\S+)$/.exec(value);
  if (m) ((obj.checksums ??= []) as unknown[]).push({ algorithm: m[1], checksumValue: m[2] });
}

// ---------------------------------------------------------------- SPDX 3 structure

export const SPDX3_CONTEXT_301 = 'https://spdx.org/rdf/3.0.1/spdx-context.jsonld';

/** Classes that are not Elements (no spdxId / creationInfo of their own). */
const NON_ELEMENT = new Set([
  'CreationInfo', 'DictionaryEntry', 'ExternalIdentifier', 'ExternalMap', 'ExternalRef', 'Hash', 'NamespaceMap',
  'PackageVerificationCode', 'PositiveIntegerRange', 'ai_EnergyConsumption', 'ai_EnergyConsumptionDescription',
  'extension_CdxPropertyEntry', 'extension_CdxPropertiesExtension', 'security_CvssV2VulnAssessmentRelationship',
]);
const CORE_CLASSES = new Set([
  ...NON_ELEMENT, 'Annotation', 'Bom', 'Bundle', 'IndividualElement', 'LifecycleScopedRelationship', 'Organization', 'Person',
  'Relationship', 'SoftwareAgent', 'SpdxDocument', 'Tool', 'Agent',
]);
const PROFILE_PREFIX = /^(ai|dataset|software|security|simplelicensing|expandedlicensing|build|extension)_[A-Za-z]+$/;

const DATE_TIME = /^\d\d\d\d-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;
const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;
const PURPOSES = ['application', 'archive', 'bom', 'configuration', 'container', 'data', 'device', 'deviceDriver', 'diskImage', 'documentation', 'evidence', 'executable', 'file', 'filesystemImage', 'firmware', 'framework', 'install', 'library', 'manifest', 'model', 'module', 'operatingSystem', 'other', 'patch', 'platform', 'requirement', 'source', 'specification', 'test'];
const HASH_ALGS = ['adler32', 'blake2b256', 'blake2b384', 'blake2b512', 'blake3', 'crystalsDilithium', 'crystalsKyber', 'falcon', 'md2', 'md4', 'md5', 'md6', 'other', 'sha1', 'sha224', 'sha256', 'sha384', 'sha3_224', 'sha3_256', 'sha3_384', 'sha3_512', 'sha512'];
const EXT_ID_TYPES = ['cpe22', 'cpe23', 'cve', 'email', 'gitoid', 'other', 'packageUrl', 'securityOther', 'swhid', 'swid', 'urlScheme'];
const PRESENCE = ['yes', 'no', 'noAssertion'];
const REL_TYPES = ['affects', 'amendedBy', 'ancestorOf', 'availableFrom', 'configures', 'contains', 'coordinatedBy', 'copiedTo', 'delegatedTo', 'dependsOn', 'descendantOf', 'describes', 'doesNotAffect', 'expandsTo', 'exploitCreatedBy', 'fixedBy', 'fixedIn', 'foundBy', 'generates', 'hasAddedFile', 'hasAssessmentFor', 'hasAssociatedVulnerability', 'hasConcludedLicense', 'hasDataFile', 'hasDeclaredLicense', 'hasDeletedFile', 'hasDependencyManifest', 'hasDistributionArtifact', 'hasDocumentation', 'hasDynamicLink', 'hasEvidence', 'hasExample', 'hasHost', 'hasInput', 'hasMetadata', 'hasOptionalComponent', 'hasOptionalDependency', 'hasOutput', 'hasPrerequisite', 'hasProvidedDependency', 'hasRequirement', 'hasSpecification', 'hasStaticLink', 'hasTest', 'hasTestCase', 'hasVariant', 'invokedBy', 'modifiedBy', 'other', 'packagedBy', 'patchedBy', 'publishedBy', 'reportedBy', 'republishedBy', 'serializedInArtifact', 'testedOn', 'trainedOn', 'underInvestigationFor', 'usesTool'];
const DATASET_TYPES = ['audio', 'categorical', 'graph', 'image', 'noAssertion', 'numeric', 'other', 'sensor', 'structured', 'syntactic', 'text', 'timeseries', 'timestamp', 'video'];
const PROFILES = ['ai', 'build', 'core', 'dataset', 'expandedLicensing', 'extension', 'lite', 'security', 'simpleLicensing', 'software'];

type Check = (v: unknown, ptr: string, out: SbomIssue[]) => void;

const err = (out: SbomIssue[], pointer: string, message: string): void => void out.push({ severity: 'error', code: 'SCHEMA', message, pointer });
const str: Check = (v, p, o) => void (typeof v !== 'string' && err(o, p, 'must be a string'));
const ref: Check = (v, p, o) => {
  if (typeof v === 'string') return;
  if (typeof v === 'object' && v !== null && !Array.isArray(v)) return; // inline object, checked as a node
  err(o, p, 'must be an IRI / blank node id (string) or an object');
};
const pattern = (re: RegExp, what: string): Check => (v, p, o) => {
  if (typeof v !== 'string') err(o, p, 'must be a string');
  else if (!re.test(v)) err(o, p, `must be ${what}`);
};
const oneOf = (values: string[]): Check => (v, p, o) => {
  if (typeof v !== 'string' || !values.includes(v)) err(o, p, `must be one of: ${values.join(', ')}`);
};
const list = (item: Check, min = 0): Check => (v, p, o) => {
  if (!Array.isArray(v)) return err(o, p, 'must be an array');
  if (v.length < min) err(o, p, `must have at least ${min} item(s)`);
  v.forEach((x, i) => item(x, `${p}/${i}`, o));
};
const int0: Check = (v, p, o) => void ((typeof v !== 'number' || !Number.isInteger(v) || v < 0) && err(o, p, 'must be a non-negative integer'));

/** Property value checks by JSON name (3.0.1). Nested objects are checked as nodes as well. */
const PROPS: Record<string, Check> = {
  spdxId: str, name: str, summary: str, description: str, comment: str,
  creationInfo: ref,
  created: pattern(DATE_TIME, 'a UTC date-time like 2024-05-01T12:00:00Z'),
  createdBy: list(ref, 1),
  createdUsing: list(ref),
  specVersion: pattern(SEMVER, 'a semantic version like 3.0.1'),
  releaseTime: pattern(DATE_TIME, 'a UTC date-time like 2024-05-01T12:00:00Z'),
  builtTime: pattern(DATE_TIME, 'a UTC date-time like 2024-05-01T12:00:00Z'),
  validUntilTime: pattern(DATE_TIME, 'a UTC date-time like 2024-05-01T12:00:00Z'),
  suppliedBy: ref,
  originatedBy: list(ref),
  verifiedUsing: list(ref),
  externalIdentifier: list(ref),
  externalRef: list(ref),
  algorithm: oneOf(HASH_ALGS),
  hashValue: str,
  externalIdentifierType: oneOf(EXT_ID_TYPES),
  identifier: str,
  key: str,
  value: str,
  from: ref,
  to: list(ref, 1),
  relationshipType: oneOf(REL_TYPES),
  completeness: oneOf(['complete', 'incomplete', 'noAssertion']),
  rootElement: list(ref),
  element: list(ref),
  profileConformance: list(oneOf(PROFILES)),
  dataLicense: ref,
  software_packageVersion: str,
  software_downloadLocation: str,
  software_packageUrl: str,
  software_homePage: str,
  software_sourceInfo: str,
  software_copyrightText: str,
  software_primaryPurpose: oneOf(PURPOSES),
  software_additionalPurpose: list(oneOf(PURPOSES)),
  ai_autonomyType: oneOf(PRESENCE),
  ai_domain: list(str),
  ai_energyConsumption: ref,
  ai_hyperparameter: list(ref),
  ai_informationAboutApplication: str,
  ai_informationAboutTraining: str,
  ai_limitation: str,
  ai_metric: list(ref),
  ai_metricDecisionThreshold: list(ref),
  ai_modelDataPreprocessing: list(str),
  ai_modelExplainability: list(str),
  ai_safetyRiskAssessment: oneOf(['serious', 'high', 'medium', 'low']),
  ai_standardCompliance: list(str),
  ai_typeOfModel: list(str),
  ai_useSensitivePersonalInformation: oneOf(PRESENCE),
  dataset_datasetType: list(oneOf(DATASET_TYPES), 1),
  dataset_datasetSize: int0,
  dataset_hasSensitivePersonalInformation: oneOf(PRESENCE),
  dataset_confidentialityLevel: oneOf(['amber', 'clear', 'green', 'red']),
  dataset_datasetAvailability: oneOf(['clickthrough', 'directDownload', 'query', 'registration', 'scrapingScript']),
  dataset_intendedUse: str,
  dataset_knownBias: list(str),
  dataset_dataCollectionProcess: str,
  dataset_dataPreprocessing: list(str),
  dataset_anonymizationMethodUsed: list(str),
  dataset_datasetNoise: str,
  dataset_datasetUpdateMechanism: str,
};

/** Required properties by class (beyond spdxId/creationInfo for Elements). */
const REQUIRED: Record<string, string[]> = {
  CreationInfo: ['created', 'createdBy', 'specVersion'],
  Hash: ['algorithm', 'hashValue'],
  ExternalIdentifier: ['externalIdentifierType', 'identifier'],
  DictionaryEntry: ['key'],
  Relationship: ['from', 'relationshipType'],
  LifecycleScopedRelationship: ['from', 'relationshipType'],
  ExternalMap: ['externalSpdxId'],
  NamespaceMap: ['namespace', 'prefix'],
  dataset_DatasetPackage: ['dataset_datasetType'],
  SpdxDocument: [],
};

/** Structural validation of an SPDX 3.0.1 JSON-LD document (see the module comment). */
export function validateSpdx3Structure(doc: Record<string, unknown>): SbomIssue[] {
  const out: SbomIssue[] = [];
  const ctx = doc['@context'];
  if (ctx !== SPDX3_CONTEXT_301) err(out, '/@context', `must be "${SPDX3_CONTEXT_301}"`);
  if ('@graph' in doc) {
    const g = doc['@graph'];
    if (!Array.isArray(g)) err(out, '/@graph', 'must be an array');
    else g.forEach((n, i) => checkNode(n, `/@graph/${i}`, out, true));
    for (const k of Object.keys(doc)) if (k !== '@context' && k !== '@graph') err(out, `/${k}`, `unexpected top-level property "${k}" beside @graph`);
  } else {
    checkNode(doc, '', out, true);
  }
  return out;
}

function checkNode(n: unknown, ptr: string, out: SbomIssue[], top: boolean): void {
  if (typeof n !== 'object' || n === null || Array.isArray(n)) return err(out, ptr, 'must be an object');
  const o = n as Record<string, unknown>;
  const type = o.type;
  if (typeof type !== 'string') return err(out, ptr, 'must have a "type" naming its SPDX class');
  if (!CORE_CLASSES.has(type) && !PROFILE_PREFIX.test(type) && !type.includes(':')) err(out, `${ptr}/type`, `unknown SPDX 3 class "${type}"`);
  const element = !NON_ELEMENT.has(type);
  if (element) {
    if (!('spdxId' in o) && !('@id' in o)) err(out, ptr, `${type} must have "spdxId"`);
    if (!('creationInfo' in o)) err(out, ptr, `${type} must have "creationInfo"`);
  } else if (top && type !== 'CreationInfo' && !('@id' in o)) {
    // non-Element objects at the top of @graph are only useful when referenced by @id
    out.push({ severity: 'warning', code: 'SCHEMA', message: `${type} at the top of @graph has no "@id"; nothing can reference it`, pointer: ptr });
  }
  for (const req of REQUIRED[type] ?? []) if (!(req in o)) err(out, ptr, `${type} must have "${req}"`);
  for (const [k, v] of Object.entries(o)) {
    const p = `${ptr}/${k}`;
    PROPS[k]?.(v, p, out);
    // inline objects are nodes too
    if (k === 'type' || k === '@context') continue;
    if (Array.isArray(v)) v.forEach((x, i) => typeof x === 'object' && x !== null && checkNode(x, `${p}/${i}`, out, false));
    else if (typeof v === 'object' && v !== null) checkNode(v, p, out, false);
  }
}
