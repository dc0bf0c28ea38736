/**
 * TFLite / LiteRT models (reference/hardware.md §4, rules R8–R9): the runtime must be at least
 * the model's min_runtime_version; custom ops need a runtime that registers them — the Edge TPU
 * op needs a Coral Edge TPU and a new enough libedgetpu; required delegates must be present.
 */
import { findAccelerators, type DeviceFacts } from '../facts.js';
import { EDGETPU_CUSTOM_OP, compareDotted, satisfiesRange } from '../../manifest/index.js';
import { defineRule } from './rule.js';

/** XNNPACK is applied by default in TFLite on Linux (TF commit 408492274). */
const DEFAULT_DELEGATES = new Set(['xnnpack']);

const tfliteCommon = {
  TFLITE_MISSING: {
    severity: 'declined' as const,
    sentence: () => 'No TFLite / LiteRT runtime is installed on this device.',
    fix: () => 'Install tflite-runtime or ai-edge-litert on the device.',
  },
  TFLITE_UNKNOWN: {
    severity: 'warning' as const,
    sentence: () => "Cannot tell the device's TFLite / LiteRT version: the inventory does not say.",
    fix: () => 'Report `tflite` (the tflite-runtime / ai-edge-litert version) for this device.',
  },
};

function tfliteOf(f: DeviceFacts) {
  return f.runtimes?.tflite;
}

export const tfliteRuntime = defineRule({
  id: 'tflite-runtime',
  title: 'TFLite model min_runtime_version vs device TFLite / LiteRT',
  applies: (n) => n.tflite !== undefined,
  reasons: {
    ...tfliteCommon,
    TFLITE_RUNTIME_TOO_OLD: {
      severity: 'declined',
      sentence: (p) =>
        `The model needs TFLite runtime ${p.model} or newer (min_runtime_version); this device has ${p.device}.`,
      fix: (p) => `Upgrade the device's TFLite / LiteRT to ${p.model} or newer, or convert with an older converter.`,
    },
    TFLITE_VERSION_UNREADABLE: {
      severity: 'warning',
      sentence: (p) =>
        `The model needs TFLite runtime ${p.model} or newer; cannot compare it with the device's "${p.device}", so cannot tell.`,
      fix: () => 'Report `tflite` as a dotted version (e.g. 2.14.0) for this device.',
    },
    TFLITE_MIN_UNKNOWN: {
      severity: 'info',
      sentence: () => 'The model does not state min_runtime_version; op versions are not checked.',
      fix: () => 'Re-inspect the model so framework.tflite.minRuntimeVersion is filled.',
    },
  },
  check: (n, f, emit) => {
    const rt = tfliteOf(f);
    if (rt === null) return emit('TFLITE_MISSING');
    if (rt === undefined) return emit('TFLITE_UNKNOWN');
    const min = n.tflite!.minRuntimeVersion;
    if (min === undefined) return emit('TFLITE_MIN_UNKNOWN');
    const cmp = compareDotted(rt.version, min);
    if (cmp === undefined) emit('TFLITE_VERSION_UNREADABLE', { model: min, device: rt.version });
    else if (cmp < 0) emit('TFLITE_RUNTIME_TOO_OLD', { model: min, device: rt.version });
  },
});

export const tfliteEdgeTpu = defineRule({
  id: 'tflite-edgetpu',
  title: 'Edge TPU compiled model vs Coral Edge TPU and libedgetpu',
  applies: (n) => n.tflite?.edgetpu === true,
  reasons: {
    EDGETPU_MISSING: {
      severity: 'declined',
      sentence: () =>
        `The model is compiled for the Edge TPU (${EDGETPU_CUSTOM_OP}) and this device has no Coral Edge TPU.`,
      fix: () => 'Ship the CPU (non-_edgetpu) .tflite for devices without a Coral, or attach a Coral accelerator.',
    },
    EDGETPU_UNKNOWN: {
      severity: 'warning',
      sentence: () => 'Cannot tell whether this device has a Coral Edge TPU.',
      fix: () => 'Report the accelerators (edgetpu) or use a Coral profile id.',
    },
    LIBEDGETPU_MISSING: {
      severity: 'declined',
      sentence: () => 'The Edge TPU runtime (libedgetpu) is not installed on this device.',
      fix: () => 'Install libedgetpu1-std (or -max) on the device.',
    },
    LIBEDGETPU_UNKNOWN: {
      severity: 'warning',
      sentence: () => "Cannot tell the device's Edge TPU runtime (libedgetpu) version.",
      fix: () => 'Report libedgetpu (the runtime version, e.g. 14) for this device.',
    },
    LIBEDGETPU_RANGE_UNKNOWN: {
      severity: 'warning',
      sentence: (p) =>
        `The model needs Edge TPU runtime ${p.range}; cannot compare it with the device's "${p.device}", so cannot tell.`,
      fix: () => 'Report libedgetpu as a version (e.g. 14 or 16.0), and use a valid range in the manifest.',
    },
    LIBEDGETPU_TOO_OLD: {
      severity: 'declined',
      sentence: (p) =>
        `The model needs Edge TPU runtime ${p.range}; this device has ${p.device} ("Package requires runtime version … newer than this runtime").`,
      fix: () =>
        'Upgrade libedgetpu on the device, or recompile with edgetpu_compiler --min_runtime_version matching the device.',
    },
  },
  check: (n, f, emit) => {
    const tpus = findAccelerators(f, 'edgetpu');
    if (tpus === undefined) emit('EDGETPU_UNKNOWN');
    else if (tpus.length === 0) return emit('EDGETPU_MISSING');
    const lib = f.runtimes?.libedgetpu;
    if (lib === null) return emit('LIBEDGETPU_MISSING');
    if (lib === undefined) return emit('LIBEDGETPU_UNKNOWN');
    const range = n.requires.runtimes.libedgetpu;
    if (range === undefined) return;
    const ok = satisfiesRange(lib.version, range);
    if (ok === false) emit('LIBEDGETPU_TOO_OLD', { range, device: lib.version });
    else if (ok === undefined) emit('LIBEDGETPU_RANGE_UNKNOWN', { range, device: lib.version });
  },
});

export const tfliteCustomOps = defineRule({
  id: 'tflite-custom-ops',
  title: 'TFLite custom ops registered by the device runtime',
  applies: (n) => (n.tflite?.customOps ?? []).some((op) => op !== EDGETPU_CUSTOM_OP),
  reasons: {
    ...tfliteCommon,
    TFLITE_CUSTOM_OP_MISSING: {
      severity: 'declined',
      sentence: (p) => `The model uses custom op "${p.op}", which this device's TFLite runtime does not register.`,
      fix: (p) =>
        String(p.op).startsWith('Flex')
          ? 'Install a runtime with select TF ops (Flex delegate), or convert without SELECT_TF_OPS.'
          : `Register "${p.op}" in the device's interpreter (OpResolver) or replace it with builtin ops.`,
    },
    TFLITE_CUSTOM_OPS_UNKNOWN: {
      severity: 'warning',
      sentence: (p) =>
        `The model uses custom op "${p.op}"; cannot tell whether this device's TFLite runtime registers it.`,
      fix: () => "Report the device runtime's custom ops (tflite.customOps), e.g. 'flex' for select TF ops.",
    },
  },
  check: (n, f, emit) => {
    const rt = tfliteOf(f);
    if (rt === null) return emit('TFLITE_MISSING');
    if (rt === undefined) return emit('TFLITE_UNKNOWN');
    for (const op of n.tflite!.customOps) {
      if (op === EDGETPU_CUSTOM_OP) continue;
      if (rt.customOps === undefined) {
        emit('TFLITE_CUSTOM_OPS_UNKNOWN', { op });
        continue;
      }
      const have = new Set(rt.customOps.map((x) => x.toLowerCase()));
      const ok = have.has(op.toLowerCase()) || (op.startsWith('Flex') && have.has('flex'));
      if (!ok) emit('TFLITE_CUSTOM_OP_MISSING', { op });
    }
  },
});

export const tfliteDelegates = defineRule({
  id: 'tflite-delegates',
  title: 'Required TFLite delegates present',
  applies: (n) => n.format === 'tflite' && n.requires.delegates.length > 0,
  reasons: {
    ...tfliteCommon,
    DELEGATE_MISSING: {
      severity: 'declined',
      sentence: (p) =>
        `The model requires the ${p.delegate} delegate, which this device does not have (it has ${p.have}).`,
      fix: (p) => `Install the ${p.delegate} delegate on the device, or drop the requirement.`,
    },
    DELEGATES_UNKNOWN: {
      severity: 'warning',
      sentence: (p) =>
        `Cannot tell whether this device has the ${p.delegate} delegate: its delegates are not reported.`,
      fix: () => 'Report delegates (e.g. xnnpack;edgetpu) for this device.',
    },
  },
  check: (n, f, emit) => {
    const rt = tfliteOf(f);
    if (rt === null) return emit('TFLITE_MISSING');
    if (rt === undefined) return emit('TFLITE_UNKNOWN');
    for (const d of n.requires.delegates) {
      if (DEFAULT_DELEGATES.has(d)) continue;
      if (d === 'edgetpu' && rt.delegates === undefined && f.runtimes?.libedgetpu) continue; // libedgetpu is the delegate
      if (rt.delegates === undefined) emit('DELEGATES_UNKNOWN', { delegate: d });
      else if (!rt.delegates.map((x) => x.toLowerCase()).includes(d))
        emit('DELEGATE_MISSING', { delegate: d, have: rt.delegates.join(', ') || 'none' });
    }
  },
});
