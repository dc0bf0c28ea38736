/**
 * Rules on the device itself (reference/hardware.md R14 and the manifest's target.requirements):
 * CPU architecture / userland ABI, memory, accelerators, runtime version ranges, and a minimum
 * compute capability for non-TensorRT models.
 */
import { RUNTIME_NAMES, type RuntimeName, acceleratorMatches, nvidiaGpu, userlandArch } from '../facts.js';
import { compareDotted, parseDotted, parseRange, satisfiesRange } from '../../manifest/index.js';
import { defineRule } from './rule.js';

export const cpuArch = defineRule({
  id: 'cpu-arch',
  title: 'CPU architecture and userland ABI',
  applies: (n) => n.requires.cpuArch.length > 0,
  reasons: {
    ARCH_UNKNOWN: {
      severity: 'warning',
      sentence: (p) => `The artifact runs on ${p.want}; cannot tell this device's CPU architecture.`,
      fix: () => 'Report arch (uname -m of the userland) or use a hardware profile id.',
    },
    ARCH_MISMATCH: {
      severity: 'declined',
      sentence: (p) => `The artifact runs on ${p.want}; this device's userland is ${p.device}${p.note}.`,
      fix: (p) => `Ship a ${p.device} build, or move the device to a ${p.want} OS.`,
    },
  },
  check: (n, f, emit) => {
    const want = n.requires.cpuArch.join(' or ');
    const arch = userlandArch(f);
    if (arch === undefined) return emit('ARCH_UNKNOWN', { want });
    if (n.requires.cpuArch.includes(arch)) return;
    const note = f.cpu?.isa && f.cpu.isa !== arch ? ` (a ${f.cpu.isa} CPU running a ${arch} OS)` : '';
    emit('ARCH_MISMATCH', { want, device: arch, note });
  },
});

const MIB = 1024 * 1024;
/** Above this share of memory the model alone leaves too little for the runtime's working set. */
const TIGHT_SHARE = 0.5;

export const memory = defineRule({
  id: 'memory',
  title: 'Memory vs model size and declared minimum',
  applies: () => true,
  reasons: {
    MEMORY_UNKNOWN: {
      severity: 'warning',
      sentence: (p) => `The model needs ${p.need} MiB; cannot tell how much memory this device has.`,
      fix: () => 'Report memory_mib for this device or use a profile id with a memory size.',
    },
    MEMORY_BELOW_MINIMUM: {
      severity: 'declined',
      sentence: (p) =>
        `The manifest requires at least ${p.min} MiB of memory; this device has ${p.device} MiB${p.where}.`,
      fix: () => 'Target devices with more memory, or lower target.requirements.minMemoryMiB if the model really fits.',
    },
    MEMORY_MODEL_TOO_LARGE: {
      severity: 'declined',
      sentence: (p) => `The model files are ${p.size} MiB; this device has ${p.device} MiB${p.where}.`,
      fix: () => 'Quantize or prune the model, or target devices with more memory.',
    },
    MEMORY_TIGHT: {
      severity: 'warning',
      sentence: (p) =>
        `The model files are ${p.size} MiB, more than half of this device's ${p.device} MiB${p.where}; the runtime's working set may not fit.`,
      fix: () => 'Measure peak memory on one such device before rolling out.',
    },
  },
  check: (n, f, emit) => {
    // TensorRT on a discrete GPU loads into the card's memory; Jetson memory is shared (unified).
    const gpu = n.format === 'tensorrt' ? nvidiaGpu(f) : undefined;
    const onCard = gpu && gpu.integrated === false && gpu.memoryMiB !== undefined;
    const device = onCard ? gpu.memoryMiB : f.memoryMiB;
    const where = onCard ? ' of GPU memory' : gpu?.integrated ? ' (shared by CPU and GPU)' : '';
    const size = Math.ceil(n.sizeBytes / MIB);
    const min = n.requires.minMemoryMiB;
    if (device === undefined) {
      if (min !== undefined || size > 0) emit('MEMORY_UNKNOWN', { need: Math.max(min ?? 0, size) });
      return;
    }
    if (min !== undefined && !onCard && device < min) emit('MEMORY_BELOW_MINIMUM', { min, device, where });
    if (size >= device) emit('MEMORY_MODEL_TOO_LARGE', { size, device, where });
    else if (size > device * TIGHT_SHARE) emit('MEMORY_TIGHT', { size, device, where });
  },
});

export const accelerators = defineRule({
  id: 'accelerators',
  title: 'Required accelerators present',
  applies: (n) => n.requires.accelerators.length > 0,
  reasons: {
    ACCELERATORS_UNKNOWN: {
      severity: 'warning',
      sentence: (p) => `The model requires a ${p.want}; cannot tell which accelerators this device has.`,
      fix: () => 'Report accelerators for this device or use a hardware profile id.',
    },
    ACCELERATOR_MISSING: {
      severity: 'declined',
      sentence: (p) => `The model requires a ${p.want}; this device has ${p.have}.`,
      fix: (p) => `Exclude devices without a ${p.want} from the rollout, or ship a variant that runs without it.`,
    },
  },
  check: (n, f, emit) => {
    for (const want of n.requires.accelerators) {
      if (f.accelerators === undefined) {
        emit('ACCELERATORS_UNKNOWN', { want });
        continue;
      }
      if (f.accelerators.some((a) => acceleratorMatches(a, want) && a.count !== 0)) continue;
      const have =
        f.accelerators.map((a) => (a.arch && a.kind === 'npu' ? a.arch : a.kind)).join(', ') || 'no accelerators';
      emit('ACCELERATOR_MISSING', { want, have });
    }
  },
});

export const runtimeVersions = defineRule({
  id: 'runtime-versions',
  title: 'Runtime version ranges from target.requirements.runtimes',
  applies: (n) => Object.keys(n.requires.runtimes).some((k) => k !== 'libedgetpu' || n.tflite?.edgetpu !== true),
  reasons: {
    RUNTIME_MISSING: {
      severity: 'declined',
      sentence: (p) => `The model requires ${p.runtime} ${p.range}; it is not installed on this device.`,
      fix: (p) => `Install ${p.runtime} ${p.range} on the device.`,
    },
    RUNTIME_UNKNOWN: {
      severity: 'warning',
      sentence: (p) => `The model requires ${p.runtime} ${p.range}; cannot tell which version this device has.`,
      fix: (p) => `Report ${p.runtime} for this device.`,
    },
    RUNTIME_OUT_OF_RANGE: {
      severity: 'declined',
      sentence: (p) => `The model requires ${p.runtime} ${p.range}; this device has ${p.device}.`,
      fix: (p) => `Install ${p.runtime} ${p.range} on the device, or widen the range if it really works.`,
    },
    RUNTIME_RANGE_INVALID: {
      severity: 'warning',
      sentence: (p) => `The manifest's range "${p.range}" for ${p.runtime} is not a valid version range; not checked.`,
      fix: () =>
        'Use a semver range such as ">=1.17", or an exact version such as "10.3.0.30", in target.requirements.runtimes.',
    },
    RUNTIME_VERSION_INVALID: {
      severity: 'warning',
      sentence: (p) =>
        `The model requires ${p.runtime} ${p.range}; the device reports "${p.device}", which is not a version, so cannot tell.`,
      fix: (p) => `Report ${p.runtime} as a dotted version (e.g. 1.17.3) for this device.`,
    },
    RUNTIME_VERSION_PARTIAL: {
      severity: 'warning',
      sentence: (p) =>
        `The model requires exactly ${p.runtime} ${p.range}; the device reports ${p.device}, which leaves out parts of the version, so cannot tell.`,
      fix: (p) => `Report the full ${p.runtime} version (all four parts) for this device.`,
    },
    RUNTIME_NOT_TRACKED: {
      severity: 'warning',
      sentence: (p) =>
        `The model requires ${p.runtime} ${p.range}; device inventories do not track ${p.runtime}, so cannot tell.`,
      fix: () => `Use one of: ${RUNTIME_NAMES.join(', ')}.`,
    },
  },
  check: (n, f, emit) => {
    for (const [name, range] of Object.entries(n.requires.runtimes)) {
      if (name === 'libedgetpu' && n.tflite?.edgetpu) continue; // tflite-edgetpu checks it with the Edge TPU
      if (!(RUNTIME_NAMES as readonly string[]).includes(name)) {
        emit('RUNTIME_NOT_TRACKED', { runtime: name, range });
        continue;
      }
      const rt = f.runtimes?.[name as RuntimeName];
      if (rt === null) emit('RUNTIME_MISSING', { runtime: name, range });
      else if (rt === undefined) emit('RUNTIME_UNKNOWN', { runtime: name, range });
      else {
        const p = { runtime: name, range, device: rt.version };
        const ok = satisfiesRange(rt.version, range);
        if (ok === false) emit('RUNTIME_OUT_OF_RANGE', p);
        else if (ok === undefined)
          emit(
            !parseRange(range)
              ? 'RUNTIME_RANGE_INVALID'
              : !parseDotted(rt.version)
                ? 'RUNTIME_VERSION_INVALID'
                : 'RUNTIME_VERSION_PARTIAL',
            p,
          );
      }
    }
  },
});

export const computeCapability = defineRule({
  id: 'compute-capability',
  title: 'Minimum GPU compute capability (non-TensorRT models)',
  applies: (n) => n.format !== 'tensorrt' && n.requires.computeCapability !== undefined,
  reasons: {
    GPU_UNKNOWN: {
      severity: 'warning',
      sentence: (p) =>
        `The model requires an NVIDIA GPU with compute capability ≥ ${p.want}; cannot tell this device's GPU.`,
      fix: () => 'Report accelerators / compute capability for this device or use a profile id.',
    },
    GPU_MISSING: {
      severity: 'declined',
      sentence: (p) => `The model requires an NVIDIA GPU with compute capability ≥ ${p.want}; this device has none.`,
      fix: () => 'Exclude devices without an NVIDIA GPU, or drop the requirement for a CPU variant.',
    },
    CC_TOO_LOW: {
      severity: 'declined',
      sentence: (p) => `The model requires compute capability ≥ ${p.want}; this device's GPU is ${p.device}.`,
      fix: () => 'Target newer GPUs, or build for this compute capability.',
    },
  },
  check: (n, f, emit) => {
    const want = n.requires.computeCapability!;
    const gpu = nvidiaGpu(f);
    if (gpu === null) return emit('GPU_MISSING', { want });
    if (gpu === undefined || gpu.computeCapability === undefined) return emit('GPU_UNKNOWN', { want });
    if ((compareDotted(gpu.computeCapability, want) ?? 0) < 0)
      emit('CC_TOO_LOW', { want, device: gpu.computeCapability });
  },
});
