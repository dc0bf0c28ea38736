/** Fleet compatibility: hardware profiles, device inventory, rules and the preview. */
export {
  Catalog,
  defaultCatalog,
  loadCatalog,
  validateCatalogDocument,
  validateFacts,
  type CatalogSource,
  type ResolvedProfile,
} from './catalog.js';
export {
  type Accelerator,
  type Device,
  type DeviceFacts,
  type Runtimes,
  type RuntimeName,
  RUNTIME_NAMES,
  factsKey,
  mergeFacts,
  normalizeArch,
  userlandArch,
} from './facts.js';
export {
  CSV_COLUMNS,
  MAX_JSON_BYTES,
  importInventory,
  parseInventory,
  type ImportOptions,
  type Inventory,
  type InventoryError,
  type InventoryFormat,
} from './inventory.js';
export { modelNeeds, type ModelNeeds, type HardwareCompatibility } from './needs.js';
export {
  ORT_TABLE,
  ORT_TABLE_SOURCE,
  ORT_TRT_EP,
  ORT_TRT_EP_SOURCE,
  ortLimits,
  ortTrtEpVersion,
  type OrtRow,
} from './ort-table.js';
export {
  preview,
  previewNeeds,
  channelsOf,
  type PreviewGroup,
  type PreviewOptions,
  type PreviewResult,
  type ReasonTotal,
  type VerdictCounts,
} from './preview.js';
export {
  RULES,
  evaluate,
  rulesFor,
  verdictOf,
  type Evaluation,
  type Reason,
  type Rule,
  type Severity,
  type Verdict,
} from './rules/index.js';
