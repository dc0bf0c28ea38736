import { describe, expect, it } from 'vitest';
import {
  type DeviceFacts,
  RULES,
  defaultCatalog,
  evaluate,
  modelNeeds,
  ortLimits,
  ORT_TABLE,
} from '../../src-main/fleet/index.js';
import { type Manifest, rangeWithin, satisfiesRange, validateDocument } from '../../src-main/manifest/index.js';
import { makeManifest, onnxModel, ortDevice } from '../fixtures/fleet.js';

const catalog = defaultCatalog();
const profile = (id: string): DeviceFacts => catalog.resolve(id).facts;
const withRuntimes = (f: DeviceFacts, runtimes: DeviceFacts['runtimes']): DeviceFacts => ({
  ...f,
  runtimes: { ...f.runtimes, ...runtimes },
});

const trt = (
  t: NonNullable<Manifest['framework']['tensorrt']>,
  profiles?: string[],
  requirements?: NonNullable<Manifest['target']>['requirements'],
) =>
  makeManifest(
    { format: 'tensorrt', tensorrt: t },
    { target: { ...(profiles ? { profiles } : {}), ...(requirements ? { requirements } : {}) } },
  );
const tflite = (
  t: NonNullable<Manifest['framework']['tflite']>,
  requirements?: NonNullable<Manifest['target']>['requirements'],
) => makeManifest({ format: 'tflite', tflite: t }, requirements ? { target: { requirements } } : {});
const tfliteDevice = (
  rt: NonNullable<DeviceFacts['runtimes']>['tflite'],
  extra: Partial<DeviceFacts> = {},
): DeviceFacts => ({
  ...profile('raspberrypi-4-4gb'),
  runtimes: rt === undefined ? {} : { tflite: rt },
  ...extra,
});

interface Case {
  name: string;
  manifest: Manifest;
  facts: DeviceFacts;
  /** Expected code from this rule (absent = the rule finds nothing worse than info). */
  code?: string;
  severity?: 'warning' | 'declined';
}

/** Per rule id: at least one compatible and one declined case. */
const CASES: Record<string, Case[]> = {
  'inventory-facts': [
    { name: 'every stated fact was read', manifest: onnxModel(8, 13), facts: ortDevice('1.17.0') },
    {
      name: 'execution_providers stated without an onnxruntime version',
      manifest: onnxModel(8, 13),
      facts: {
        ...ortDevice(undefined),
        unreadable: [
          { field: 'execution_providers', message: 'execution_providers given without an onnxruntime version' },
        ],
      },
      code: 'FACTS_UNREADABLE',
      severity: 'warning',
    },
  ],
  'trt-version': [
    {
      name: 'same TRT as the JetPack 5.1 build',
      manifest: trt({}, ['nvidia-jetson-xavier-nx-jp5.1']),
      facts: profile('nvidia-jetson-xavier-nx-16gb-jp5.1.2'),
    },
    {
      name: 'JetPack 6.2 device, 5.1 engine',
      manifest: trt({}, ['nvidia-jetson-orin-nx-jp5.1']),
      facts: profile('nvidia-jetson-orin-nx-16gb-jp6.2'),
      code: 'TRT_VERSION_MISMATCH',
      severity: 'declined',
    },
    {
      name: 'TRT not installed',
      manifest: trt({ version: '8.5.2.2' }),
      facts: withRuntimes(profile('x86-64-server-t4'), { tensorrt: null }),
      code: 'TRT_RUNTIME_MISSING',
      severity: 'declined',
    },
    {
      name: 'TRT version unknown',
      manifest: trt({ version: '8.5.2.2' }),
      facts: profile('x86-64-server-t4'),
      code: 'TRT_RUNTIME_UNKNOWN',
      severity: 'warning',
    },
    {
      name: 'engine version unknown',
      manifest: trt({ computeCapability: '7.5' }),
      facts: profile('x86-64-server-t4'),
      code: 'TRT_ENGINE_VERSION_UNKNOWN',
      severity: 'warning',
    },
    {
      name: 'device states fewer parts',
      manifest: trt({ version: '8.2.1.8' }),
      facts: withRuntimes(profile('x86-64-server-t4'), { tensorrt: { version: '8.2.1' } }),
      code: 'TRT_BUILD_UNVERIFIED',
      severity: 'warning',
    },
    {
      name: 'version-compatible 10.3 on 10.7',
      manifest: trt({ version: '10.3.0.30', versionCompatible: true }),
      facts: withRuntimes(profile('x86-64-server-l4'), { tensorrt: { version: '10.7.0.23' } }),
    },
    {
      name: 'version-compatible 8.6 on 10.3 (8→10)',
      manifest: trt({ version: '8.6.1.6', versionCompatible: true }),
      facts: withRuntimes(profile('x86-64-server-l4'), { tensorrt: { version: '10.3.0.30' } }),
    },
    {
      name: 'version-compatible on an older runtime',
      manifest: trt({ version: '10.3.0.30', versionCompatible: true }),
      facts: withRuntimes(profile('x86-64-server-l4'), { tensorrt: { version: '10.0.1.6' } }),
      code: 'TRT_VC_RUNTIME_TOO_OLD',
      severity: 'declined',
    },
    {
      name: 'version-compatible 8.6 on 9.x (not a listed cross-major pair)',
      manifest: trt({ version: '8.6.1.6', versionCompatible: true }),
      facts: withRuntimes(profile('x86-64-server-l4'), { tensorrt: { version: '9.2.0.5' } }),
      code: 'TRT_VC_MAJOR',
      severity: 'declined',
    },
    {
      name: 'version-compatible flag on 8.5 is not honoured',
      manifest: trt({ version: '8.5.2.2', versionCompatible: true }),
      facts: withRuntimes(profile('x86-64-server-l4'), { tensorrt: { version: '8.6.1.6' } }),
      code: 'TRT_VC_TOO_OLD',
      severity: 'declined',
    },
  ],
  'trt-gpu': [
    {
      name: 'same SM and GPU model',
      manifest: trt({ version: '10.3.0.30' }, ['nvidia-jetson-orin-nx-16gb-jp6.2']),
      facts: profile('nvidia-jetson-orin-nx-8gb-jp6.2'),
    },
    {
      name: 'Xavier engine on Orin',
      manifest: trt({}, ['nvidia-jetson-xavier-nx-jp5.1']),
      facts: profile('nvidia-jetson-agx-orin-64gb-jp5.1'),
      code: 'TRT_CC_MISMATCH',
      severity: 'declined',
    },
    {
      name: 'no GPU at all',
      manifest: trt({}, ['nvidia-jetson-xavier-nx-jp5.1']),
      facts: profile('raspberrypi-5-8gb'),
      code: 'TRT_NO_GPU',
      severity: 'declined',
    },
    {
      name: 'GPU unknown',
      manifest: trt({}, ['nvidia-jetson-xavier-nx-jp5.1']),
      facts: {},
      code: 'TRT_GPU_UNKNOWN',
      severity: 'warning',
    },
    {
      name: 'engine CC unknown',
      manifest: trt({ version: '10.3.0.30' }),
      facts: profile('x86-64-server-l4'),
      code: 'TRT_ENGINE_CC_UNKNOWN',
      severity: 'warning',
    },
    {
      name: 'same SM, different GPU model (Orin Nano 8GB engine on AGX Orin)',
      manifest: trt({}, ['nvidia-jetson-orin-nano-8gb-jp6.2']),
      facts: profile('nvidia-jetson-agx-orin-64gb-jp6.2'),
      code: 'TRT_GPU_MODEL_DIFFERS',
      severity: 'warning',
    },
    {
      name: 'same SM, different model, same-compute-capability mode',
      manifest: trt({
        hardwareCompatibility: 'same-compute-capability',
        version: '10.3.0.30',
        computeCapability: '8.9',
        gpuModel: 'NVIDIA L4',
      }),
      facts: withRuntimes(profile('nvidia-rtx-4090'), { tensorrt: { version: '10.3.0.30' } }),
    },
    {
      name: 'same-compute-capability mode, different SM',
      manifest: trt({
        hardwareCompatibility: 'same-compute-capability',
        version: '10.3.0.30',
        computeCapability: '8.9',
      }),
      facts: withRuntimes(profile('x86-64-server-a10'), { tensorrt: { version: '10.3.0.30' } }),
      code: 'TRT_CC_MISMATCH',
      severity: 'declined',
    },
    {
      name: 'ampere-plus engine on an A10 (8.6) built on 8.9',
      manifest: trt({ hardwareCompatibility: 'ampere-plus', version: '10.3.0.30', computeCapability: '8.9' }),
      facts: withRuntimes(profile('x86-64-server-a10'), { tensorrt: { version: '10.3.0.30' } }),
    },
    {
      name: 'ampere-plus engine on a T4 (7.5)',
      manifest: trt({ hardwareCompatibility: 'ampere-plus', version: '10.3.0.30', computeCapability: '8.9' }),
      facts: withRuntimes(profile('x86-64-server-t4'), { tensorrt: { version: '10.3.0.30' } }),
      code: 'TRT_HWCOMPAT_SM_TOO_LOW',
      severity: 'declined',
    },
    {
      name: 'ampere-plus engine on a Jetson',
      manifest: trt({ hardwareCompatibility: 'ampere-plus', version: '10.3.0.30', computeCapability: '8.9' }),
      facts: profile('nvidia-jetson-agx-orin-64gb-jp6.2'),
      code: 'TRT_HWCOMPAT_JETSON',
      severity: 'declined',
    },
    {
      name: 'device GPU model unknown',
      manifest: trt({ version: '10.3.0.30', computeCapability: '8.7', gpuModel: 'Orin NX (nvgpu, 1024 cores)' }),
      facts: profile('nvidia-jetson-agx-orin-jp6.2'),
      code: 'TRT_GPU_MODEL_UNKNOWN',
      severity: 'warning',
    },
  ],
  'trt-dla': [
    {
      name: 'DLA core 1 on AGX Orin',
      manifest: trt({ dlaCore: 1 }, ['nvidia-jetson-agx-orin-64gb-jp6.2']),
      facts: profile('nvidia-jetson-agx-orin-32gb-jp6.2'),
    },
    {
      name: 'DLA engine on Orin Nano',
      manifest: trt({ dlaCore: 0 }, ['nvidia-jetson-orin-nx-16gb-jp6.2']),
      facts: profile('nvidia-jetson-orin-nano-8gb-jp6.2'),
      code: 'TRT_DLA_MISSING',
      severity: 'declined',
    },
    {
      name: 'DLA core 1 on Orin NX 8GB (one DLA)',
      manifest: trt({ dlaCore: 1 }, ['nvidia-jetson-orin-nx-16gb-jp6.2']),
      facts: profile('nvidia-jetson-orin-nx-8gb-jp6.2'),
      code: 'TRT_DLA_CORE_RANGE',
      severity: 'declined',
    },
    {
      name: 'Xavier DLA engine on Orin DLA',
      manifest: trt({ dlaCore: 0, version: '8.5.2.2', computeCapability: '8.7' }, ['nvidia-jetson-xavier-nx-jp5.1']),
      facts: profile('nvidia-jetson-agx-orin-64gb-jp5.1'),
      code: 'TRT_DLA_GENERATION',
      severity: 'declined',
    },
    {
      name: 'DLA unknown',
      manifest: trt({ dlaCore: 0 }, ['nvidia-jetson-agx-orin-64gb-jp6.2']),
      facts: {},
      code: 'TRT_DLA_UNKNOWN',
      severity: 'warning',
    },
  ],
  'onnx-ir': [
    { name: 'IR 9 on ORT 1.17', manifest: onnxModel(9, 17), facts: ortDevice('1.17.3') },
    {
      name: 'IR 10 on ORT 1.16 (#20559)',
      manifest: onnxModel(10, 17),
      facts: ortDevice('1.16.3'),
      code: 'ORT_IR_TOO_NEW',
      severity: 'declined',
    },
    {
      name: 'IR 11 on ORT 1.23: beyond the table',
      manifest: onnxModel(11, 17),
      facts: ortDevice('1.23.0'),
      code: 'ORT_IR_BEYOND_TABLE',
      severity: 'warning',
    },
    {
      name: 'IR 10 on ORT 1.23: newer than the table, within its last row',
      manifest: onnxModel(10, 21),
      facts: ortDevice('1.23.0'),
    },
    {
      name: 'ORT not installed',
      manifest: onnxModel(8, 13),
      facts: ortDevice(null),
      code: 'ORT_MISSING',
      severity: 'declined',
    },
    {
      name: 'ORT unknown',
      manifest: onnxModel(8, 13),
      facts: ortDevice(undefined),
      code: 'ORT_UNKNOWN',
      severity: 'warning',
    },
    {
      name: 'IR version not in the manifest',
      manifest: makeManifest({ format: 'onnx' }),
      facts: ortDevice('1.17.0'),
      code: 'ONNX_IR_UNKNOWN',
      severity: 'warning',
    },
    {
      name: 'ORT 0.5 not in the table',
      manifest: onnxModel(8, 13),
      facts: ortDevice('0.5.0'),
      code: 'ORT_VERSION_UNKNOWN_TO_TABLE',
      severity: 'warning',
    },
  ],
  'onnx-opset': [
    { name: 'opset 17 + ml 3 on ORT 1.14', manifest: onnxModel(8, 17, {}, 3), facts: ortDevice('1.14.1') },
    {
      name: 'opset 18 on ORT 1.13',
      manifest: onnxModel(8, 18),
      facts: ortDevice('1.13.1'),
      code: 'ORT_OPSET_TOO_NEW',
      severity: 'declined',
    },
    {
      name: 'ai.onnx.ml 4 on ORT 1.16',
      manifest: onnxModel(8, 17, {}, 4),
      facts: ortDevice('1.16.0'),
      code: 'ORT_OPSET_TOO_NEW',
      severity: 'declined',
    },
    {
      name: 'opset 6 is below the promise',
      manifest: onnxModel(6, 6),
      facts: ortDevice('1.17.0'),
      code: 'ONNX_OPSET_TOO_OLD',
      severity: 'warning',
    },
    {
      name: 'custom domain',
      manifest: makeManifest({
        format: 'onnx',
        onnx: {
          irVersion: 8,
          opsets: [
            { domain: '', version: 13 },
            { domain: 'ai.custom', version: 1 },
          ],
        },
      }),
      facts: ortDevice('1.17.0'),
      code: 'ONNX_CUSTOM_DOMAIN',
      severity: 'warning',
    },
  ],
  'ort-execution-providers': [
    {
      name: 'TensorRT EP present',
      manifest: onnxModel(8, 17, { target: { requirements: { executionProviders: ['TensorrtExecutionProvider'] } } }),
      facts: ortDevice('1.17.0', ['TensorrtExecutionProvider', 'CUDAExecutionProvider', 'CPUExecutionProvider']),
    },
    {
      name: 'TensorRT EP missing',
      manifest: onnxModel(8, 17, { target: { requirements: { executionProviders: ['TensorrtExecutionProvider'] } } }),
      facts: ortDevice('1.17.0', ['CPUExecutionProvider']),
      code: 'EP_MISSING',
      severity: 'declined',
    },
    {
      name: 'EP list unknown',
      manifest: onnxModel(8, 17, { target: { requirements: { executionProviders: ['CUDAExecutionProvider'] } } }),
      facts: ortDevice('1.17.0'),
      code: 'EP_LIST_UNKNOWN',
      severity: 'warning',
    },
    {
      name: 'CPU EP needs no listing',
      manifest: onnxModel(8, 17, { target: { requirements: { executionProviders: ['CPUExecutionProvider'] } } }),
      facts: ortDevice('1.17.0'),
    },
  ],
  'ort-trt-ep-deps': [
    {
      name: 'ORT 1.18 TensorRT EP with TensorRT 10.3 (JetPack 6.2)',
      manifest: onnxModel(9, 17, { target: { requirements: { executionProviders: ['TensorrtExecutionProvider'] } } }),
      facts: withRuntimes(profile('nvidia-jetson-orin-nx-16gb-jp6.2'), {
        onnxruntime: { version: '1.18.1', executionProviders: ['TensorrtExecutionProvider'] },
      }),
    },
    {
      name: 'ORT 1.18 TensorRT EP with TensorRT 8.5 (JetPack 5.1)',
      manifest: onnxModel(9, 17, { target: { requirements: { executionProviders: ['TensorrtExecutionProvider'] } } }),
      facts: withRuntimes(profile('nvidia-jetson-orin-nx-16gb-jp5.1.2'), {
        onnxruntime: { version: '1.18.1', executionProviders: ['TensorrtExecutionProvider'] },
      }),
      code: 'ORT_TRT_EP_MAJOR',
      severity: 'warning',
    },
    {
      name: 'TensorRT EP required, TensorRT not installed',
      manifest: onnxModel(9, 17, { target: { requirements: { executionProviders: ['TensorrtExecutionProvider'] } } }),
      facts: withRuntimes(profile('x86-64-server-t4'), {
        tensorrt: null,
        onnxruntime: { version: '1.18.1', executionProviders: ['TensorrtExecutionProvider'] },
      }),
      code: 'ORT_TRT_EP_NO_TRT',
      severity: 'declined',
    },
    {
      name: 'TensorRT EP required, TensorRT unknown',
      manifest: onnxModel(9, 17, { target: { requirements: { executionProviders: ['TensorrtExecutionProvider'] } } }),
      facts: withRuntimes(profile('x86-64-server-t4'), {
        onnxruntime: { version: '1.18.1', executionProviders: ['TensorrtExecutionProvider'] },
      }),
      code: 'ORT_TRT_EP_TRT_UNKNOWN',
      severity: 'warning',
    },
  ],
  'tflite-runtime': [
    {
      name: 'min 2.9.0 on 2.16.1',
      manifest: tflite({ minRuntimeVersion: '2.9.0' }),
      facts: tfliteDevice({ version: '2.16.1' }),
    },
    {
      name: 'min 2.9.0 on 2.5.0',
      manifest: tflite({ minRuntimeVersion: '2.9.0' }),
      facts: tfliteDevice({ version: '2.5.0' }),
      code: 'TFLITE_RUNTIME_TOO_OLD',
      severity: 'declined',
    },
    {
      name: 'no TFLite runtime',
      manifest: tflite({ minRuntimeVersion: '1.5.0' }),
      facts: tfliteDevice(null),
      code: 'TFLITE_MISSING',
      severity: 'declined',
    },
    {
      name: 'runtime unknown',
      manifest: tflite({ minRuntimeVersion: '1.5.0' }),
      facts: tfliteDevice(undefined),
      code: 'TFLITE_UNKNOWN',
      severity: 'warning',
    },
    {
      name: 'a device version that is not a version is "cannot tell", not a pass',
      manifest: tflite({ minRuntimeVersion: '2.9.0' }),
      facts: tfliteDevice({ version: 'nightly' }),
      code: 'TFLITE_VERSION_UNREADABLE',
      severity: 'warning',
    },
  ],
  'tflite-edgetpu': [
    {
      name: 'Edge TPU model on a Pi 4 with a Coral USB and runtime 14',
      manifest: tflite({ customOps: ['edgetpu-custom-op'], edgetpu: true }, { runtimes: { libedgetpu: '>=14' } }),
      facts: {
        ...profile('raspberrypi-4-4gb-coral-usb'),
        runtimes: { tflite: { version: '2.16.1' }, libedgetpu: { version: '16.0' } },
      },
    },
    {
      name: 'Edge TPU model, a libedgetpu version that is not a version: cannot tell',
      manifest: tflite({ customOps: ['edgetpu-custom-op'], edgetpu: true }, { runtimes: { libedgetpu: '>=14' } }),
      facts: {
        ...profile('raspberrypi-4-4gb-coral-usb'),
        runtimes: { tflite: { version: '2.16.1' }, libedgetpu: { version: 'grouper' } },
      },
      code: 'LIBEDGETPU_RANGE_UNKNOWN',
      severity: 'warning',
    },
    {
      name: 'Edge TPU model on a Pi 5 without a Coral',
      manifest: tflite({ customOps: ['edgetpu-custom-op'] }),
      facts: { ...profile('raspberrypi-5-8gb'), runtimes: { tflite: { version: '2.16.1' }, libedgetpu: null } },
      code: 'EDGETPU_MISSING',
      severity: 'declined',
    },
    {
      name: 'compiler 16 model (runtime 14) on runtime 13',
      manifest: tflite({ customOps: ['edgetpu-custom-op'] }, { runtimes: { libedgetpu: '>=14' } }),
      facts: {
        ...profile('coral-dev-board'),
        runtimes: { tflite: { version: '2.5.0' }, libedgetpu: { version: '13' } },
      },
      code: 'LIBEDGETPU_TOO_OLD',
      severity: 'declined',
    },
    {
      name: 'libedgetpu not installed',
      manifest: tflite({ customOps: ['edgetpu-custom-op'] }),
      facts: { ...profile('coral-dev-board'), runtimes: { tflite: { version: '2.5.0' }, libedgetpu: null } },
      code: 'LIBEDGETPU_MISSING',
      severity: 'declined',
    },
    {
      name: 'libedgetpu unknown',
      manifest: tflite({ edgetpu: true }),
      facts: profile('coral-dev-board'),
      code: 'LIBEDGETPU_UNKNOWN',
      severity: 'warning',
    },
  ],
  'tflite-custom-ops': [
    {
      name: 'Flex ops on a select-TF-ops runtime',
      manifest: tflite({ customOps: ['FlexErf'] }),
      facts: tfliteDevice({ version: '2.16.1', customOps: ['flex'] }),
    },
    {
      name: 'Flex ops on a plain runtime',
      manifest: tflite({ customOps: ['FlexErf'] }),
      facts: tfliteDevice({ version: '2.16.1', customOps: [] }),
      code: 'TFLITE_CUSTOM_OP_MISSING',
      severity: 'declined',
    },
    {
      name: 'custom op list unknown',
      manifest: tflite({ customOps: ['MyOp'] }),
      facts: tfliteDevice({ version: '2.16.1' }),
      code: 'TFLITE_CUSTOM_OPS_UNKNOWN',
      severity: 'warning',
    },
  ],
  'tflite-delegates': [
    {
      name: 'xnnpack is there by default',
      manifest: tflite({}, { delegates: ['xnnpack'] }),
      facts: tfliteDevice({ version: '2.16.1', delegates: [] }),
    },
    {
      name: 'gpu delegate present',
      manifest: tflite({}, { delegates: ['gpu'] }),
      facts: tfliteDevice({ version: '2.16.1', delegates: ['xnnpack', 'gpu'] }),
    },
    {
      name: 'vx delegate missing',
      manifest: tflite({}, { delegates: ['vx'] }),
      facts: tfliteDevice({ version: '2.16.1', delegates: ['xnnpack'] }),
      code: 'DELEGATE_MISSING',
      severity: 'declined',
    },
    {
      name: 'delegates unknown',
      manifest: tflite({}, { delegates: ['gpu'] }),
      facts: tfliteDevice({ version: '2.16.1' }),
      code: 'DELEGATES_UNKNOWN',
      severity: 'warning',
    },
  ],
  accelerators: [
    {
      name: 'Hailo-8L HEF on the Pi AI Kit',
      manifest: tflite({}, { accelerators: ['hailo8l'] }),
      facts: profile('raspberrypi-5-8gb-ai-kit'),
    },
    {
      name: 'Hailo-8 HEF on a Hailo-8L',
      manifest: tflite({}, { accelerators: ['hailo8'] }),
      facts: profile('raspberrypi-5-8gb-ai-kit'),
      code: 'ACCELERATOR_MISSING',
      severity: 'declined',
    },
    {
      name: 'DLA required on Orin Nano',
      manifest: onnxModel(8, 13, { target: { requirements: { accelerators: ['dla'] } } }),
      facts: profile('nvidia-jetson-orin-nano-8gb'),
      code: 'ACCELERATOR_MISSING',
      severity: 'declined',
    },
    {
      name: 'accelerators unknown',
      manifest: onnxModel(8, 13, { target: { requirements: { accelerators: ['gpu'] } } }),
      facts: {},
      code: 'ACCELERATORS_UNKNOWN',
      severity: 'warning',
    },
  ],
  'compute-capability': [
    {
      name: 'CC ≥ 7.0 on an L4',
      manifest: onnxModel(8, 13, { target: { requirements: { computeCapability: '7.0' } } }),
      facts: profile('x86-64-server-l4'),
    },
    {
      name: 'CC ≥ 8.0 on a T4',
      manifest: onnxModel(8, 13, { target: { requirements: { computeCapability: '8.0' } } }),
      facts: profile('x86-64-server-t4'),
      code: 'CC_TOO_LOW',
      severity: 'declined',
    },
    {
      name: 'CC required, no GPU',
      manifest: onnxModel(8, 13, { target: { requirements: { computeCapability: '8.0' } } }),
      facts: profile('x86-64-server'),
      code: 'GPU_MISSING',
      severity: 'declined',
    },
    {
      name: 'CC required, GPU unknown',
      manifest: onnxModel(8, 13, { target: { requirements: { computeCapability: '8.0' } } }),
      facts: {},
      code: 'GPU_UNKNOWN',
      severity: 'warning',
    },
  ],
  'cpu-arch': [
    {
      name: 'aarch64 build on a 64-bit Pi 4',
      manifest: tflite({}, { cpuArch: ['aarch64'] }),
      facts: profile('raspberrypi-4-4gb'),
    },
    {
      name: 'aarch64 build on a 32-bit Pi 4 (armv7l userland)',
      manifest: tflite({}, { cpuArch: ['arm64'] }),
      facts: profile('raspberrypi-4-4gb-32bit'),
      code: 'ARCH_MISMATCH',
      severity: 'declined',
    },
    {
      name: 'x86_64 build on a Jetson',
      manifest: onnxModel(8, 13, { target: { requirements: { cpuArch: ['amd64'] } } }),
      facts: profile('nvidia-jetson-nano-4gb'),
      code: 'ARCH_MISMATCH',
      severity: 'declined',
    },
    {
      name: 'arch unknown',
      manifest: tflite({}, { cpuArch: ['aarch64'] }),
      facts: {},
      code: 'ARCH_UNKNOWN',
      severity: 'warning',
    },
  ],
  'runtime-versions': [
    {
      name: 'onnxruntime >=1.17 on 1.20.1',
      manifest: onnxModel(8, 13, { target: { requirements: { runtimes: { onnxruntime: '>=1.17' } } } }),
      facts: ortDevice('1.20.1'),
    },
    {
      name: 'onnxruntime >=1.17 on 1.16.3',
      manifest: onnxModel(8, 13, { target: { requirements: { runtimes: { onnxruntime: '>=1.17' } } } }),
      facts: ortDevice('1.16.3'),
      code: 'RUNTIME_OUT_OF_RANGE',
      severity: 'declined',
    },
    {
      name: 'hailort 4.x, not installed',
      manifest: tflite({}, { runtimes: { hailort: '^4.17' } }),
      facts: { ...profile('raspberrypi-5-8gb-ai-kit'), runtimes: { hailort: null } },
      code: 'RUNTIME_MISSING',
      severity: 'declined',
    },
    {
      name: 'hailort 4.x on 4.20.0',
      manifest: tflite({}, { runtimes: { hailort: '^4.17' } }),
      facts: { ...profile('raspberrypi-5-8gb-ai-kit'), runtimes: { hailort: { version: '4.20.0' } } },
    },
    {
      name: 'cuda unknown',
      manifest: onnxModel(8, 13, { target: { requirements: { runtimes: { cuda: '>=12' } } } }),
      facts: ortDevice('1.20.1'),
      code: 'RUNTIME_UNKNOWN',
      severity: 'warning',
    },
    {
      name: 'TensorRT exactly 10.3.0.30 (four parts, as TensorRT reports it) on JetPack 6.2',
      manifest: onnxModel(8, 13, { target: { requirements: { runtimes: { tensorrt: '10.3.0.30' } } } }),
      facts: profile('nvidia-jetson-orin-nano-8gb-jp6.2'),
    },
    {
      name: 'TensorRT exactly 10.3.0.30 on 10.3.0.26',
      manifest: onnxModel(8, 13, { target: { requirements: { runtimes: { tensorrt: '10.3.0.30' } } } }),
      facts: withRuntimes(profile('nvidia-jetson-orin-nano-8gb-jp6.2'), { tensorrt: { version: '10.3.0.26' } }),
      code: 'RUNTIME_OUT_OF_RANGE',
      severity: 'declined',
    },
    {
      name: 'TensorRT exactly 10.3.0.30 on a device that reports 10.3.0',
      manifest: onnxModel(8, 13, { target: { requirements: { runtimes: { tensorrt: '10.3.0.30' } } } }),
      facts: withRuntimes(profile('nvidia-jetson-orin-nano-8gb-jp6.2'), { tensorrt: { version: '10.3.0' } }),
      code: 'RUNTIME_VERSION_PARTIAL',
      severity: 'warning',
    },
    {
      name: 'onnxruntime >=1.17 on a device that reports "unknown"',
      manifest: onnxModel(8, 13, { target: { requirements: { runtimes: { onnxruntime: '>=1.17' } } } }),
      facts: ortDevice('unknown'),
      code: 'RUNTIME_VERSION_INVALID',
      severity: 'warning',
    },
    {
      name: 'TensorRT >=10 on a four-part device version',
      manifest: onnxModel(8, 13, { target: { requirements: { runtimes: { tensorrt: '>=10' } } } }),
      facts: profile('nvidia-jetson-orin-nano-8gb-jp6.2'),
    },
    {
      name: 'untracked runtime',
      manifest: onnxModel(8, 13, { target: { requirements: { runtimes: { openvino: '>=2024.0' } } } }),
      facts: ortDevice('1.20.1'),
      code: 'RUNTIME_NOT_TRACKED',
      severity: 'warning',
    },
  ],
  memory: [
    { name: '10 MiB model on 4 GiB', manifest: onnxModel(8, 13), facts: ortDevice('1.17.0') },
    {
      name: 'declared minimum above a 2 GB Nano',
      manifest: onnxModel(8, 13, { target: { requirements: { minMemoryMiB: 3000 } } }),
      facts: profile('nvidia-jetson-nano-2gb'),
      code: 'MEMORY_BELOW_MINIMUM',
      severity: 'declined',
    },
    {
      name: '5 GiB model on a 4 GiB Pi',
      manifest: makeManifest({ format: 'tflite' }, { sizeBytes: 5 * 1024 ** 3 }),
      facts: profile('raspberrypi-4-4gb'),
      code: 'MEMORY_MODEL_TOO_LARGE',
      severity: 'declined',
    },
    {
      name: '3 GiB model on a 4 GiB Pi',
      manifest: makeManifest({ format: 'tflite' }, { sizeBytes: 3 * 1024 ** 3 }),
      facts: profile('raspberrypi-4-4gb'),
      code: 'MEMORY_TIGHT',
      severity: 'warning',
    },
    {
      name: 'TensorRT on a T4 uses card memory',
      manifest: trt({ version: '10.3.0.30', computeCapability: '7.5' }, undefined, { minMemoryMiB: 1 }),
      facts: withRuntimes(profile('x86-64-server-t4'), { tensorrt: { version: '10.3.0.30' } }),
    },
    { name: 'memory unknown', manifest: onnxModel(8, 13), facts: {}, code: 'MEMORY_UNKNOWN', severity: 'warning' },
  ],
};

describe('compatibility rules', () => {
  const byId = new Map(RULES.map((r) => [r.id, r]));

  it('every rule has a compatible and a declined case, and every case names a real rule', () => {
    for (const r of RULES) {
      const cases = CASES[r.id] ?? [];
      expect(
        cases.some((c) => c.code === undefined),
        `${r.id} compatible case`,
      ).toBe(true);
      // inventory-facts can only say "cannot tell": it never declines.
      if (r.id !== 'inventory-facts')
        expect(
          cases.some((c) => c.severity === 'declined'),
          `${r.id} declined case`,
        ).toBe(true);
    }
    for (const id of Object.keys(CASES)) expect(byId.has(id), id).toBe(true);
  });

  it('every reason code is exercised by some case', () => {
    const used = new Set(Object.values(CASES).flatMap((cs) => cs.map((c) => c.code)));
    const extra = new Set([
      'TFLITE_MIN_UNKNOWN',
      'TRT_VC_HOST_CODE',
      'EDGETPU_UNKNOWN',
      'RUNTIME_RANGE_INVALID',
      'ORT_OPSET_BEYOND_TABLE',
    ]);
    for (const r of RULES)
      for (const code of Object.keys(r.reasons))
        if (!extra.has(code) && !code.startsWith('ORT_') && !code.startsWith('TFLITE_'))
          expect(used.has(code), `${r.id}: ${code}`).toBe(true);
  });

  for (const [ruleId, cases] of Object.entries(CASES)) {
    describe(ruleId, () => {
      for (const c of cases) {
        it(`${c.code ? `${c.severity} ${c.code}` : 'compatible'}: ${c.name}`, () => {
          const rule = byId.get(ruleId)!;
          const needs = modelNeeds(c.manifest, catalog);
          expect(rule.applies(needs)).toBe(true);
          const reasons = rule.check(needs, c.facts);
          if (c.code === undefined) {
            expect(reasons.filter((r) => r.severity !== 'info')).toEqual([]);
          } else {
            const r = reasons.find((x) => x.code === c.code);
            expect(r, JSON.stringify(reasons)).toBeDefined();
            expect(r!.severity).toBe(c.severity);
            expect(r!.message.length).toBeGreaterThan(20);
            expect(r!.fix.length).toBeGreaterThan(10);
            expect(r!.message).not.toMatch(/undefined|\[object/);
            expect(r!.fix).not.toMatch(/undefined|\[object/);
            // The overall verdict follows the worst reason.
            const verdict = evaluate(needs, c.facts).verdict;
            if (c.severity === 'declined') expect(verdict).toBe('declined');
            else expect(['warning', 'declined']).toContain(verdict);
          }
        });
      }
    });
  }
});

describe('model needs from the manifest target', () => {
  it('resolves a TensorRT build profile to its compute capability, GPU and TensorRT version', () => {
    const n = modelNeeds(trt({ dlaCore: 0 }, ['nvidia-jetson-xavier-nx-jp5.1']), catalog);
    expect(n.tensorrt).toMatchObject({
      computeCapability: '7.2',
      version: '8.5.2.2',
      dlaCore: 0,
      dlaGeneration: 1,
      builtOnJetson: true,
      versionCompatible: false,
      hardwareCompatibility: 'none',
    });
  });
  it('lets explicit manifest fields win over the profile', () => {
    const n = modelNeeds(
      trt({ version: '8.5.2.1', computeCapability: '8.7' }, ['nvidia-jetson-xavier-nx-jp5.1']),
      catalog,
    );
    expect(n.tensorrt).toMatchObject({ computeCapability: '8.7', version: '8.5.2.1' });
  });
  it('rejects an unknown target profile with a hint', () => {
    expect(() => modelNeeds(trt({}, ['nvidia-jetson-xavier-nx-jp9']), catalog)).toThrow(
      expect.objectContaining({ code: 'UNKNOWN_PROFILE', hint: expect.stringContaining('nvidia-jetson-xavier-nx') }),
    );
  });
  it('a device with no facts at all never passes silently', () => {
    for (const m of [
      onnxModel(8, 13),
      trt({}, ['nvidia-jetson-xavier-nx-jp5.1']),
      tflite({ minRuntimeVersion: '2.3.0' }),
    ]) {
      const e = evaluate(modelNeeds(m, catalog), {});
      expect(e.verdict).toBe('warning');
      expect(e.reasons.length).toBeGreaterThan(0);
    }
  });
});

describe('ONNX Runtime table', () => {
  it('is ordered newest first with non-decreasing limits', () => {
    for (let i = 1; i < ORT_TABLE.length; i++) {
      const newer = ORT_TABLE[i - 1]!;
      const older = ORT_TABLE[i]!;
      expect(newer.maxIr).toBeGreaterThanOrEqual(older.maxIr);
      expect(newer.maxOpset['ai.onnx']).toBeGreaterThanOrEqual(older.maxOpset['ai.onnx']);
    }
  });
  it('matches the published rows (1.16 → IR 9, opset 19; 1.18 → IR 10, opset 21)', () => {
    expect(ortLimits('1.16.3')).toMatchObject({
      match: 'exact',
      row: { maxIr: 9, maxOpset: { 'ai.onnx': 19, 'ai.onnx.ml': 3 } },
    });
    expect(ortLimits('1.18.0')).toMatchObject({ match: 'exact', row: { maxIr: 10, maxOpset: { 'ai.onnx': 21 } } });
    expect(ortLimits('1.22.1')).toMatchObject({ match: 'newer', row: { ort: '1.20' } });
    expect(ortLimits('garbage')).toBeUndefined();
  });
});

describe('one version parser for the manifest and the fleet', () => {
  const RANGES = ['10.3.0.30', '>=1.17', '^2.14.0', '1.17', '8.6', '>=10 <11', '1.2.3.4.5', 'latest', '>=1.x.y.z'];
  it('a range the manifest accepts is checked by the fleet rule, never "invalid"', () => {
    for (const range of RANGES) {
      const m = onnxModel(8, 13, { target: { requirements: { runtimes: { tensorrt: range } } } });
      const manifestOk = !validateDocument(m).errors.some((e) => e.code === 'INVALID_RANGE');
      const e = evaluate(modelNeeds(m, catalog), profile('nvidia-jetson-orin-nano-8gb-jp6.2'));
      const fleetInvalid = e.reasons.some((r) => r.code === 'RUNTIME_RANGE_INVALID');
      expect({ range, manifestOk, fleetInvalid }).toEqual({ range, manifestOk: !fleetInvalid, fleetInvalid });
    }
  });
  it('the four-part version the schema uses as its example is a valid exact range', () => {
    expect(satisfiesRange('10.3.0.30', '10.3.0.30')).toBe(true);
    expect(satisfiesRange('10.3.0.31', '10.3.0.30')).toBe(false);
    expect(satisfiesRange('10.3.0', '10.3.0.30')).toBeUndefined();
    expect(satisfiesRange('8.6.1.6-1+cuda12.0', '>=8.6')).toBe(true);
    expect(rangeWithin('10.3.0.30', '>=10')).toBe(true);
    expect(rangeWithin('>=10', '10.3.0.30')).toBe(false);
  });
});
