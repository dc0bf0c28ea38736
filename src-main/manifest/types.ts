/**
 * The manifest (`fleetpack.json`) as TypeScript. The JSON Schema in
 * `resources/schema/fleetpack-manifest.schema.json` is the source of truth; a test checks that
 * these types and the schema agree (same properties, same required sets).
 */
import type { Dim, ModelFormat, OpsetImport } from '../formats/index.js';

export const MANIFEST_SCHEMA_VERSION = '1.0';
/** `$id` of the published schema (resources/schema/fleetpack-manifest.schema.json). */
export const MANIFEST_SCHEMA_ID = 'https://fleetpack.dev/schema/manifest/1.0.json';

export interface Manifest {
  $schema?: string;
  schemaVersion: string;
  name: string;
  /** semver */
  version: string;
  description?: string;
  authors?: { name: string; email?: string; organization?: string }[];
  /** 'stable' | 'beta' | 'canary' | custom name */
  channel?: string;
  framework: Framework;
  artifact: Artifact;
  inputs: ManifestTensor[];
  outputs: ManifestTensor[];
  metrics?: Metric[];
  target?: Target;
  /** SPDX license expression (may contain LicenseRef-…). */
  license?: string;
  /** Required for LicenseRef-… licenses: where the text lives, or the text itself. */
  licenseRef?: { id: string; url?: string; text?: string; name?: string }[];
  sbom?: SbomRef;
  /** Fields the engineer must still fill, as JSON pointers; written by prefill, removed as they fill. */
  todo?: string[];
}

export interface Framework {
  format: ModelFormat;
  onnx?: {
    irVersion: number;
    opsets: OpsetImport[];
    /** Domains outside the ONNX standard that the graph's nodes call. */
    customDomains?: string[];
    /**
     * Every domain the graph's nodes call (subgraphs and local functions included), canonical
     * ('ai.onnx' for the default). An opset import of a domain not listed is unused: information,
     * not a requirement. Absent in manifests written before it existed: then imports count.
     */
    usedDomains?: string[];
  };
  tflite?: { schemaVersion?: number; minRuntimeVersion?: string; customOps?: string[]; edgetpu?: boolean };
  tensorrt?: {
    /** Full version from the engine header, e.g. '10.3.0.30'. */
    version?: string;
    serializationVersion?: number;
    versionCompatible?: boolean;
    /** 'none' | 'ampere-plus' | 'same-compute-capability' */
    hardwareCompatibility?: string;
    /** Compute capability the engine was built on, e.g. '8.7'; the engineer supplies it. */
    computeCapability?: string;
    /** GPU the engine was built on, e.g. 'Orin (nvgpu)'. */
    gpuModel?: string;
    dlaCore?: number;
  };
  /** 'fp32' | 'fp16' | 'int8' | 'mixed' … */
  precision?: string;
  quantization?: string;
}

export interface ArtifactFile {
  /** Path relative to the package folder, '/' separated. */
  path: string;
  size: number;
  sha256: string;
  /** 'model' | 'external-data' | 'companion' */
  role: 'model' | 'external-data' | 'companion';
}

export interface Artifact {
  /** The main model file, relative to the package folder. */
  file: string;
  files: ArtifactFile[];
}

export interface Preprocessing {
  layout?: string; // NCHW | NHWC | NCW | NWC | NC | …
  colorOrder?: string; // RGB | BGR | GRAY
  resize?: { width?: number; height?: number; method?: string; keepAspect?: boolean };
  /** Multiply raw pixel values by this (e.g. 1/255) before mean/std. */
  scale?: number;
  mean?: number[];
  std?: number[];
  valueRange?: [number, number];
  /** Which fields were guessed rather than known; a reviewer should confirm them. */
  guessed?: string[];
}

export interface ManifestTensor {
  name: string;
  dtype: string;
  shape: Dim[] | null;
  description?: string;
  preprocessing?: Preprocessing;
  quantization?: { scale: number[]; zeroPoint: number[]; axis?: number };
}

export interface Metric {
  name: string;
  value: number | string;
  unit?: string;
  dataset?: string;
  split?: string;
  /** Hardware profile id or free text naming what it was measured on. */
  hardware?: string;
}

export interface Target {
  /** Hardware profile ids from the catalog, e.g. 'nvidia-jetson-xavier-nx'. */
  profiles?: string[];
  requirements?: Requirements;
}

export interface Requirements {
  /** Exact or minimum compute capability, e.g. '7.2'. */
  computeCapability?: string;
  /** Accelerator kinds needed: 'gpu' | 'dla' | 'edgetpu' | 'hailo8' | … */
  accelerators?: string[];
  minMemoryMiB?: number;
  /** CPU architectures the artifact runs on: 'aarch64' | 'x86_64' | 'armv7l'. */
  cpuArch?: string[];
  /** Runtime name → semver range, e.g. { onnxruntime: '>=1.17', tensorrt: '10.3.0.30' }. */
  runtimes?: Record<string, string>;
  /** ONNX Runtime execution providers, e.g. ['TensorrtExecutionProvider']. */
  executionProviders?: string[];
  /** TFLite delegates, e.g. ['edgetpu', 'xnnpack']. */
  delegates?: string[];
}

export interface SbomRef {
  file: string;
  format: 'cyclonedx' | 'spdx';
  specVersion: string;
  sha256: string;
}
