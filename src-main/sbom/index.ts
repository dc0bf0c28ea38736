/** Public surface of the sbom domain: detect, validate, NTIA, generate, attach, compliance report. */
export * from './types.js';
export { readSbom, parseSbom, detectJson, MAX_SBOM_BYTES, type ReadOptions } from './detect.js';
export { validateSbomFile, validateParsed, schemaCheck, MAX_ISSUES } from './validate.js';
export { isKnownVersion } from './checks.js';
export { ntiaReport } from './ntia.js';
export { sbomView, type SbomView } from './components.js';
export { CYCLONEDX_VERSIONS, SPDX2_VERSIONS, SPDX3_VERSIONS } from './schemas.js';
export { readSbomWithBytes, parseSbomBytes } from './detect.js';
export { generateSbom, mlBomFromManifest, type GenerateOptions, type GeneratedSbom } from './generate.js';
export { attachSbom, namesDigest, noteText, type AttachNote, type AttachResult } from './attach.js';
export {
  complianceReport,
  sbomCompliance,
  COMPLIANCE_DEFINITION,
  type ComplianceReport,
  type PackageCompliance,
} from './report.js';
