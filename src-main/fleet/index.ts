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
  type UnreadableFact,
  RUNTIME_NAMES,
  factsKey,
  mergeFacts,
  normalizeArch,
  userlandArch,
} from './facts.js';
export {
  CSV_COLUMNS,
  Inventory,
  MAX_LISTED_ROWS,
  importInventory,
  parseInventory,
  type ImportOptions,
  type InventoryError,
  type InventoryFormat,
  type InventoryWarning,
} from './inventory.js';
export { modelNeeds, type ModelNeeds, type HardwareCompatibility } from './needs.js';
export { ORT_TABLE, ortLimits, ortTrtEpVersion, type OrtRow } from './ort-table.js';
export {
  preview,
  checkedPreview,
  channelsOf,
  groupMembers,
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
  type RuleSeverity,
  type Verdict,
} from './rules/index.js';
