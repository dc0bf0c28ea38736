/**
 * ONNX operator-set domains: the one list of the ONNX standard's domains and the one list of
 * the domains ONNX Runtime implements itself. The reader (custom ops), the manifest prefill
 * (custom domains) and the fleet rules (what a device's ONNX Runtime loads) all use these.
 */

/**
 * The ONNX standard's domains. Source: onnx/onnx `onnx/common/constants.h` (ONNX_DOMAIN "",
 * AI_ONNX_DOMAIN "ai.onnx" — the same default domain —, AI_ONNX_ML_DOMAIN,
 * AI_ONNX_TRAINING_DOMAIN, AI_ONNX_PREVIEW_TRAINING_DOMAIN, and AI_ONNX_PREVIEW_DOMAIN in newer
 * releases). Canonical names: the default domain is 'ai.onnx'.
 */
export const ONNX_STANDARD_DOMAINS: ReadonlySet<string> = new Set([
  'ai.onnx',
  'ai.onnx.ml',
  'ai.onnx.training',
  'ai.onnx.preview.training',
  'ai.onnx.preview',
]);

/**
 * Domains whose operators ONNX Runtime implements in its own builds, so a model using them needs
 * no custom-op library. Source: microsoft/onnxruntime `onnxruntime/core/graph/constants.h`
 * (kOnnxDomain, kMLDomain, kMSDomain "com.microsoft" — the contrib ops —, kMSExperimentalDomain,
 * kMSNchwcDomain, kMSInternalNHWCDomain). Left out on purpose: the training domains (training
 * builds only), org.pytorch.aten (ATen builds only), com.microsoft.dml (DirectML builds only) and
 * execution-provider domains such as com.xilinx; a model using those is "cannot tell".
 */
export const ORT_BUILTIN_DOMAINS: ReadonlySet<string> = new Set([
  'ai.onnx',
  'ai.onnx.ml',
  'com.microsoft',
  'com.microsoft.experimental',
  'com.microsoft.nchwc',
  'com.ms.internal.nhwc',
]);

/**
 * Domains ONNX Runtime checks every opset import of when it loads a model, used by a node or not:
 * an import above the version it knows fails the load ("Opset N is under development…",
 * `onnxruntime/core/graph/model_load_utils.h` ValidateOpsetForDomain, called for each
 * opset_import in `model.cc`). Its schema registry holds the ONNX standard's domains and its own.
 * An import of any other domain that no node uses is ignored by the load.
 */
export const ORT_CHECKED_IMPORT_DOMAINS: ReadonlySet<string> = new Set([
  ...ONNX_STANDARD_DOMAINS,
  ...ORT_BUILTIN_DOMAINS,
]);

/** The canonical name of a domain: '' and 'ai.onnx' are the same default domain. */
export function canonicalDomain(domain: string): string {
  return domain === '' ? 'ai.onnx' : domain;
}

/** The spelling `ModelInfo.operators` uses (as most ONNX files write it): '' for the default domain. */
export function operatorDomain(domain: string): string {
  return canonicalDomain(domain) === 'ai.onnx' ? '' : domain;
}

/** True for a domain of the ONNX standard (either spelling of the default domain). */
export function isOnnxStandardDomain(domain: string): boolean {
  return ONNX_STANDARD_DOMAINS.has(canonicalDomain(domain));
}
