/**
 * TensorRT engine portability (reference/hardware.md §2, rules R1–R5): a default engine needs the
 * exact TensorRT version and the same compute capability; version-compatible engines (TRT ≥ 8.6)
 * run on the same or a newer runtime of the same major, plus 8→10 and 10→11; hardware
 * compatibility 'ampere-plus' needs SM ≥ 8.0 on both sides and is not supported on JetPack;
 * 'same-compute-capability' needs the same SM. A DLA engine needs a DLA of the same generation.
 */
import { nvidiaGpu, findAccelerators } from '../facts.js';
import { compareDotted, major, matchExact } from '../../manifest/index.js';
import { defineRule } from './rule.js';

/** Cross-major pairs NVIDIA lists for version-compatible engines (support matrix 11.4). */
const VC_CROSS_MAJOR: ReadonlyArray<[number, number]> = [
  [8, 10],
  [10, 11],
];
const VC_MIN = '8.6';
const AMPERE_SM = '8.0';

export const trtVersion = defineRule({
  id: 'trt-version',
  title: 'TensorRT engine vs device TensorRT version',
  applies: (n) => n.tensorrt !== undefined,
  reasons: {
    TRT_RUNTIME_MISSING: {
      severity: 'declined',
      sentence: () => 'TensorRT is not installed on this device.',
      fix: (p) => `Install TensorRT ${p.engine} (the version the engine was built with) or ship an ONNX model instead.`,
    },
    TRT_RUNTIME_UNKNOWN: {
      severity: 'warning',
      sentence: () => "Cannot tell the device's TensorRT version: the inventory does not say.",
      fix: () => 'Report `tensorrt` for this device (e.g. `dpkg-query -W libnvinfer*`) or use a JetPack profile id.',
    },
    TRT_ENGINE_VERSION_UNKNOWN: {
      severity: 'warning',
      sentence: () => 'Cannot tell which TensorRT version built the engine.',
      fix: () => 'Set framework.tensorrt.version in the manifest, or a target profile with a JetPack stack.',
    },
    TRT_VERSION_MISMATCH: {
      severity: 'declined',
      sentence: (p) =>
        `The engine was built with TensorRT ${p.engine}; this device has ${p.device}. A default engine only loads on the exact TensorRT version that built it.`,
      fix: (p) =>
        `Rebuild the engine with TensorRT ${p.device} on this hardware, or build it version-compatible (TRT ≥ 8.6) and ship a newer runtime.`,
    },
    TRT_BUILD_UNVERIFIED: {
      severity: 'warning',
      sentence: (p) =>
        `TensorRT versions agree as far as stated (engine ${p.engine}, device ${p.device}), but the build number cannot be compared.`,
      fix: () => 'Report the full four-part TensorRT version on the device.',
    },
    TRT_VC_RUNTIME_TOO_OLD: {
      severity: 'declined',
      sentence: (p) =>
        `The version-compatible engine was built with TensorRT ${p.engine}; this device's TensorRT ${p.device} is older, and engines never run on older runtimes.`,
      fix: (p) =>
        `Upgrade TensorRT on the device to ${p.engine} or newer (same major), or build with TensorRT ${p.device}.`,
    },
    TRT_VC_MAJOR: {
      severity: 'declined',
      sentence: (p) =>
        `A version-compatible engine from TensorRT ${p.engine} cannot run on TensorRT ${p.device}: only the same major version, 8→10 and 10→11 are supported.`,
      fix: (p) => `Rebuild the engine with a TensorRT ${p.deviceMajor}.x release.`,
    },
    TRT_VC_TOO_OLD: {
      severity: 'declined',
      sentence: (p) =>
        `The engine is marked version-compatible but was built with TensorRT ${p.engine}; version compatibility needs TensorRT 8.6 or newer on both sides, so the engine needs TensorRT ${p.engine} exactly and the device has ${p.device}.`,
      fix: () => 'Rebuild with TensorRT 8.6+ and kVERSION_COMPATIBLE, or match the device version exactly.',
    },
    TRT_VC_HOST_CODE: {
      severity: 'info',
      sentence: () =>
        'Version-compatible engine: the runtime must allow host code (setEngineHostCodeAllowed(true)) to load the embedded lean runtime.',
      fix: () => 'Make sure the application on the device enables host code and only loads trusted engines.',
    },
  },
  check: (n, f, emit) => {
    const t = n.tensorrt!;
    if (nvidiaGpu(f) === null) return; // no GPU at all: trt-gpu declines with the clearer reason
    const dev = f.runtimes?.tensorrt;
    if (t.version === undefined) return emit('TRT_ENGINE_VERSION_UNKNOWN');
    if (dev === null) return emit('TRT_RUNTIME_MISSING', { engine: t.version });
    if (dev === undefined) return emit('TRT_RUNTIME_UNKNOWN');
    const p = { engine: t.version, device: dev.version, deviceMajor: major(dev.version) ?? dev.version };
    const vcCapable = t.versionCompatible && (compareDotted(t.version, VC_MIN) ?? -1) >= 0;
    if (t.versionCompatible && !vcCapable) {
      const m = matchExact(t.version, dev.version);
      if (m === 'different' || m === 'invalid') emit('TRT_VC_TOO_OLD', p);
      return;
    }
    if (!vcCapable) {
      const m = matchExact(t.version, dev.version);
      if (m === 'partial') emit('TRT_BUILD_UNVERIFIED', p);
      else if (m !== 'equal') emit('TRT_VERSION_MISMATCH', p);
      return;
    }
    const em = major(t.version)!;
    const dm = major(dev.version);
    if ((compareDotted(dev.version, t.version) ?? -1) < 0) return emit('TRT_VC_RUNTIME_TOO_OLD', p);
    if (dm !== em && !VC_CROSS_MAJOR.some(([a, b]) => a === em && b === dm)) return emit('TRT_VC_MAJOR', p);
    emit('TRT_VC_HOST_CODE');
  },
});

export const trtGpu = defineRule({
  id: 'trt-gpu',
  title: 'TensorRT engine vs device GPU (compute capability, model, hardware-compatibility mode)',
  applies: (n) => n.tensorrt !== undefined,
  reasons: {
    TRT_NO_GPU: {
      severity: 'declined',
      sentence: () => 'This device has no NVIDIA GPU; a TensorRT engine cannot run here.',
      fix: () => 'Ship an ONNX or TFLite variant for devices without an NVIDIA GPU, or exclude them from the rollout.',
    },
    TRT_GPU_UNKNOWN: {
      severity: 'warning',
      sentence: () => 'Cannot tell whether this device has an NVIDIA GPU or its compute capability.',
      fix: () => 'Give the device a hardware profile id or report its accelerators and compute capability.',
    },
    TRT_ENGINE_CC_UNKNOWN: {
      severity: 'warning',
      sentence: () => 'Cannot tell which compute capability the engine was built for.',
      fix: () => 'Set framework.tensorrt.computeCapability in the manifest or a target profile id.',
    },
    TRT_CC_MISMATCH: {
      severity: 'declined',
      sentence: (p) =>
        `The engine was built for compute capability ${p.engine}; this device's GPU is ${p.device}. Engines are not portable across GPU architectures.`,
      fix: (p) =>
        `Build an engine on a compute capability ${p.device} device (or with a hardware-compatibility mode where supported).`,
    },
    TRT_HWCOMPAT_SM_TOO_LOW: {
      severity: 'declined',
      sentence: (p) =>
        `The engine is hardware-compatible "Ampere and newer", but this GPU is compute capability ${p.device} (older than Ampere, 8.0).`,
      fix: (p) => `Build a separate engine for compute capability ${p.device}.`,
    },
    TRT_HWCOMPAT_JETSON: {
      severity: 'declined',
      sentence: () =>
        'Hardware-compatible (Ampere+) engines are not supported on JetPack: a Jetson cannot share engines with desktop or data-center GPUs.',
      fix: () => 'Build the engine on the Jetson itself (a JetPack profile) without hardware compatibility.',
    },
    TRT_GPU_MODEL_DIFFERS: {
      severity: 'warning',
      sentence: (p) =>
        `Same compute capability ${p.cc}, but a different GPU model (engine: ${p.engine}, device: ${p.device}). NVIDIA ties engines to the exact GPU model; it may load but is not guaranteed.`,
      fix: () =>
        'Build on this GPU model, or build with hardware compatibility "same-compute-capability" (TensorRT 10).',
    },
    TRT_GPU_MODEL_UNKNOWN: {
      severity: 'warning',
      sentence: (p) => `Cannot tell this device's GPU model; the engine was built on ${p.engine}.`,
      fix: () => 'Report the GPU model (nvidia-smi name) or use a hardware profile id.',
    },
  },
  check: (n, f, emit) => {
    const t = n.tensorrt!;
    const gpu = nvidiaGpu(f);
    if (gpu === null) return emit('TRT_NO_GPU');
    if (gpu === undefined || gpu.computeCapability === undefined) return emit('TRT_GPU_UNKNOWN');
    if (t.computeCapability === undefined) return emit('TRT_ENGINE_CC_UNKNOWN');
    const dev = gpu.computeCapability;
    if (t.hardwareCompatibility === 'ampere-plus') {
      if (gpu.integrated === true || t.builtOnJetson === true) return emit('TRT_HWCOMPAT_JETSON');
      if ((compareDotted(dev, AMPERE_SM) ?? -1) < 0) return emit('TRT_HWCOMPAT_SM_TOO_LOW', { device: dev });
      return;
    }
    if (compareDotted(dev, t.computeCapability) !== 0)
      return emit('TRT_CC_MISMATCH', { engine: t.computeCapability, device: dev });
    if (t.hardwareCompatibility === 'same-compute-capability' || t.gpuModel === undefined) return;
    if (gpu.model === undefined) return emit('TRT_GPU_MODEL_UNKNOWN', { engine: t.gpuModel });
    if (gpu.model !== t.gpuModel) emit('TRT_GPU_MODEL_DIFFERS', { cc: dev, engine: t.gpuModel, device: gpu.model });
  },
});

export const trtDla = defineRule({
  id: 'trt-dla',
  title: 'TensorRT engine with DLA layers vs device DLA cores',
  applies: (n) => n.tensorrt?.dlaCore !== undefined,
  reasons: {
    TRT_DLA_UNKNOWN: {
      severity: 'warning',
      sentence: (p) => `The engine runs layers on DLA core ${p.core}; cannot tell whether this device has DLA cores.`,
      fix: () => 'Give the device a Jetson profile id or report its accelerators.',
    },
    TRT_DLA_MISSING: {
      severity: 'declined',
      sentence: (p) =>
        `The engine runs layers on DLA core ${p.core}, but this device has no DLA (e.g. Orin Nano, Nano, TX2).`,
      fix: () => 'Build a GPU-only engine for devices without a DLA.',
    },
    TRT_DLA_CORE_RANGE: {
      severity: 'declined',
      sentence: (p) => `The engine uses DLA core ${p.core}; this device has only ${p.count} DLA core(s).`,
      fix: () => 'Build the engine for DLA core 0, or a GPU-only engine.',
    },
    TRT_DLA_GENERATION: {
      severity: 'declined',
      sentence: (p) =>
        `The engine was built for a generation-${p.engine} DLA; this device's DLA is generation ${p.device} (Xavier = 1, Orin = 2).`,
      fix: () => 'Build the engine on a device with this DLA generation.',
    },
  },
  check: (n, f, emit) => {
    const core = n.tensorrt!.dlaCore!;
    const dlas = findAccelerators(f, 'dla');
    if (dlas === undefined) return emit('TRT_DLA_UNKNOWN', { core });
    const count = dlas.reduce((s, d) => s + (d.count ?? 1), 0);
    if (count === 0) return emit('TRT_DLA_MISSING', { core });
    if (core >= count) return emit('TRT_DLA_CORE_RANGE', { core, count });
    const gen = dlas[0]?.generation;
    const want = n.tensorrt!.dlaGeneration;
    if (want !== undefined && gen !== undefined && gen !== want)
      emit('TRT_DLA_GENERATION', { engine: want, device: gen });
  },
});
