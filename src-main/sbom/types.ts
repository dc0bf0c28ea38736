/** Shared shapes of the sbom domain: what a document is, what was found wrong, how complete it is. */

export type SbomFormat = 'cyclonedx' | 'spdx';
/** How the document was written: CycloneDX JSON/XML, SPDX 2 JSON/tag-value, SPDX 3 JSON-LD. */
export type SbomEncoding = 'json' | 'xml' | 'tag-value' | 'json-ld';

export interface SbomKind {
  format: SbomFormat;
  encoding: SbomEncoding;
  /** The version the document declares: '1.6' for CycloneDX, '2.3' / '3.0.1' for SPDX. */
  specVersion: string;
}

/** A document after detection: its kind and its JSON model (XML and tag-value are mapped to it). */
export interface ParsedSbom extends SbomKind {
  data: Record<string, unknown>;
  /** Things noticed while mapping XML / tag-value to the JSON model (parts that were not checked). */
  notes: SbomIssue[];
  /** CycloneDX XML: the XSD verdict, found while the document was parsed (the JSON model is not schema-checked). */
  xsd?: SchemaVerdict;
}

/** What a schema said about a document. */
export interface SchemaVerdict {
  /** Which schema, e.g. 'CycloneDX 1.6 JSON schema', 'CycloneDX 1.6 XSD'. */
  schema: string;
  /** Schema errors, at most MAX_ISSUES: past the cap the schema check stops. */
  issues: SbomIssue[];
  /** Errors found past the cap and not kept. */
  truncated: number;
  /** The check stopped at the cap: there may be more errors than `issues` + `truncated`. */
  stoppedAtCap?: boolean;
}

export type IssueSeverity = 'error' | 'warning' | 'info';

export interface SbomIssue {
  severity: IssueSeverity;
  /** Stable code, e.g. 'SCHEMA', 'DUPLICATE_BOM_REF', 'DANGLING_REF'. */
  code: string;
  message: string;
  /** JSON pointer into the (JSON model of the) document; '' is the whole document. */
  pointer: string;
  /** XML: where in the text (1-based; the column counts UTF-16 code units). */
  line?: number;
  column?: number;
}

/** The seven NTIA (2021) minimum data fields; the first five are per component. */
export type NtiaElement = 'supplier' | 'name' | 'version' | 'uniqueId' | 'dependency' | 'author' | 'timestamp';

export interface NtiaGap {
  /** JSON pointer of the component, or '' for document-level elements. */
  pointer: string;
  /** Component name (or bom-ref / SPDXID when unnamed); 'document' for document-level elements. */
  component: string;
  missing: NtiaElement[];
}

export interface NtiaReport {
  /** Components examined (CycloneDX components + metadata.component, SPDX packages). */
  components: number;
  /** Per element: how many components have it (author/timestamp: 1 of 1 or 0 of 1). */
  elements: Record<NtiaElement, { present: number; total: number }>;
  /** present ÷ total over every element of every component plus the two document-level ones. */
  score: number;
  /** True when nothing is missing. */
  meetsMinimum: boolean;
  gaps: NtiaGap[];
}

export interface SbomValidation {
  kind: SbomKind;
  /** Which schema the document was checked against, e.g. 'CycloneDX 1.6 JSON schema'. */
  schema: string;
  /** No error-severity issue (schema errors and semantic checks). */
  valid: boolean;
  /** Schema errors first, then semantic checks; all of them (see `truncated`). */
  issues: SbomIssue[];
  /**
   * Issues found past the cap (MAX_ISSUES) and not kept; 0 normally.
   */
  truncated: number;
  /** The JSON-schema check stopped at the cap (its work is bounded): there may be more errors. */
  stoppedAtCap: boolean;
  ntia: NtiaReport;
}

/** A component (CycloneDX) or package (SPDX) reduced to the facts NTIA and compliance need. */
export interface SbomComponent {
  pointer: string;
  /** bom-ref, SPDXID or spdxId, when present. */
  ref?: string;
  name?: string;
  version?: string;
  supplier?: string;
  /** CycloneDX type, SPDX primaryPackagePurpose / software_primaryPurpose, or the SPDX 3 class. */
  type?: string;
  /** purl / cpe / swid identifiers found. */
  identifiers: string[];
  /** Digests, algorithm names normalised to lower case without dashes ('sha256'). */
  hashes: { alg: string; value: string }[];
}
