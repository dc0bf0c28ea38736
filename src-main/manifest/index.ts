/** The manifest domain: schema, prefill, validation, license, metrics import and diff. */
export * from './types.js';
export { manifestSchema, schemaValidator, schemaErrors, type JsonSchema } from './schema.js';
export { Findings, hinted, type Finding, type ValidationReport } from './findings.js';
export { validateDocument, requireValidManifest } from './validate.js';
export {
  MANIFEST_FILE,
  SIGNATURE_FILE,
  SBOM_FILES,
  RESERVED_FILES,
  MAX_MANIFEST_BYTES,
  loadManifest,
  readManifest,
  parseManifestText,
  serializeManifest,
  writeManifest,
  isManifestDocumentError,
  type LoadedManifest,
} from './file.js';
export { isObj } from './guards.js';
export { compareWithModel } from './compare.js';
export {
  checkLicense,
  analyzeLicense,
  normalizeLicenseCase,
  suggestLicense,
  HUB_LICENSES,
  licenseFromInputs,
  type CardLicense,
  type LicenseChoice,
  type LicenseAnalysis,
  type LicenseSuggestion,
  type HubLicense,
} from './license.js';
export {
  draftManifest,
  artifactSources,
  nameFromFile,
  EDGETPU_CUSTOM_OP,
  type DraftOptions,
  type ManifestFields,
  type ArtifactSource,
} from './prefill.js';
export { refreshTodo, isTodoOpen } from './todo.js';
export { assertManifestShape, modelFileEntry } from './shape.js';
export { canBeImage, guessLayout } from './layout.js';
export { pointer, resolvePointer, splitPointer } from './pointer.js';
export { KNOWN_CHANNELS, isChannelName } from './semantics.js';
export { manifestVocabulary, type ManifestVocabulary } from './vocabulary.js';
export {
  compareDotted,
  major,
  matchExact,
  parseDotted,
  parseRange,
  rangeWithin,
  satisfiesRange,
  type VersionRange,
} from './version.js';
export {
  importMetrics,
  parseMetricsJson,
  parseMetricsCsv,
  parseModelCard,
  mergeMetrics,
  type MetricsFormat,
  type MetricsImport,
} from './metrics.js';
export { changeRows, showValue, type ChangeRow } from './diff-view.js';
export { diffManifests, type ManifestDiff, type Change, type Effect, type Section, type VersionBump } from './diff.js';
