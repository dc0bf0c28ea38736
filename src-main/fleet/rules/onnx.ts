/**
 * ONNX model vs the device's ONNX Runtime (reference/hardware.md §3, rules R6–R7): the IR version
 * and every opset must be within what the ORT release loads (ort-table.ts, with its source), and
 * any execution provider the model requires must be present in that ORT build.
 *
 * Needs come from use, not import: a domain no node calls needs no custom-op library. But ONNX
 * Runtime checks every import of a domain it knows against the opsets it implements, used or not
 * (ORT_CHECKED_IMPORT_DOMAINS), so such an import above its limit still fails the load.
 */
import { ORT_BUILTIN_DOMAINS, ORT_CHECKED_IMPORT_DOMAINS } from '../../formats/index.js';
import { nextStep } from '../../next-steps.js';
import { ORT_MIN_OPSET, ORT_TABLE, type OrtRow, ortLimits, ortTrtEpVersion } from '../ort-table.js';
import { major } from '../../manifest/index.js';
import type { DeviceFacts } from '../facts.js';
import { type Emit, defineRule } from './rule.js';

type OrtCommon = 'ORT_MISSING' | 'ORT_UNKNOWN' | 'ORT_VERSION_UNKNOWN_TO_TABLE';

const ortCommonReasons = {
  ORT_MISSING: {
    severity: 'declined' as const,
    sentence: () => 'ONNX Runtime is not installed on this device.',
    fix: () => 'Install ONNX Runtime on the device or ship a format it can run.',
  },
  ORT_UNKNOWN: {
    severity: 'warning' as const,
    sentence: () => "Cannot tell the device's ONNX Runtime version: the inventory does not say.",
    fix: () => 'Report `onnxruntime` (onnxruntime.__version__) for this device.',
  },
  ORT_VERSION_UNKNOWN_TO_TABLE: {
    severity: 'warning' as const,
    sentence: (p: Record<string, string | number>) =>
      `ONNX Runtime ${p.device} is not in the compatibility table, so its IR and opset limits are unknown.`,
    fix: () => 'Check the version string reported by the device.',
  },
};

/** The device's ORT limits, or undefined after emitting why they are not known. */
function ortOf<C extends string>(f: DeviceFacts, emit: Emit<C | OrtCommon>) {
  const ort = f.runtimes?.onnxruntime;
  if (ort === null) {
    emit('ORT_MISSING');
    return;
  }
  if (ort === undefined) {
    emit('ORT_UNKNOWN');
    return;
  }
  const limits = ortLimits(ort.version);
  if (!limits) {
    emit('ORT_VERSION_UNKNOWN_TO_TABLE', { device: ort.version });
    return;
  }
  return { version: ort.version, ...limits };
}

export const onnxIr = defineRule({
  id: 'onnx-ir',
  title: 'ONNX IR version vs device ONNX Runtime',
  applies: (n) => n.onnx !== undefined,
  reasons: {
    ...ortCommonReasons,
    ORT_IR_TOO_NEW: {
      severity: 'declined',
      sentence: (p) =>
        `The model is ONNX IR version ${p.model}; ONNX Runtime ${p.device} loads IR ≤ ${p.max} ("Unsupported model IR version").`,
      fix: (p) => `Upgrade ONNX Runtime to ${p.needed} or newer, or re-export the model with IR ≤ ${p.max}.`,
    },
    ONNX_IR_UNKNOWN: {
      severity: 'warning',
      sentence: () => "Cannot tell the model's ONNX IR version: the manifest has no framework.onnx block.",
      fix: () => nextStep('REREAD_ONNX'),
    },
    ORT_IR_BEYOND_TABLE: {
      severity: 'warning',
      sentence: (p) =>
        `The model is IR version ${p.model}; ONNX Runtime ${p.device} is newer than the table (which stops at IR ${p.max}), so cannot tell.`,
      fix: () => 'Check the ONNX Runtime compatibility page for this release, or test-load the model on the device.',
    },
  },
  check: (n, f, emit) => {
    const ort = ortOf(f, emit);
    if (!ort) return;
    const ir = n.onnx!.irVersion;
    if (ir === undefined) return emit('ONNX_IR_UNKNOWN');
    if (ir <= ort.row.maxIr) return;
    const p = { model: ir, device: ort.version, max: ort.row.maxIr, needed: neededOrt((r) => r.maxIr >= ir) };
    emit(ort.match === 'newer' ? 'ORT_IR_BEYOND_TABLE' : 'ORT_IR_TOO_NEW', p);
  },
});

export const onnxOpset = defineRule({
  id: 'onnx-opset',
  title: 'ONNX opset imports vs device ONNX Runtime',
  applies: (n) => n.onnx !== undefined,
  reasons: {
    ...ortCommonReasons,
    ORT_OPSET_TOO_NEW: {
      severity: 'declined',
      sentence: (p) =>
        `The model imports ${p.domain} opset ${p.model}${p.unused}; ONNX Runtime ${p.device} implements up to opset ${p.max}.`,
      fix: (p) =>
        `Upgrade ONNX Runtime to ${p.needed} or newer, or ${p.unused ? 'drop the unused import' : `export with ${p.domain} opset ≤ ${p.max}`}.`,
    },
    ORT_OPSET_BEYOND_TABLE: {
      severity: 'warning',
      sentence: (p) =>
        `The model imports ${p.domain} opset ${p.model}${p.unused}; ONNX Runtime ${p.device} is newer than the table (which stops at ${p.max}), so cannot tell.`,
      fix: () => 'Check the ONNX Runtime compatibility page for this release, or test-load the model on the device.',
    },
    ONNX_OPSET_TOO_OLD: {
      severity: 'warning',
      sentence: (p) => `The model imports ai.onnx opset ${p.model}; ONNX Runtime only promises opset 7 and newer.`,
      fix: () => 'Convert the model to opset 7 or newer (onnx.version_converter).',
    },
    ONNX_CUSTOM_DOMAIN: {
      severity: 'warning',
      sentence: (p) =>
        `The model${p.known ? ' uses' : ' imports (and may use)'} operators from domain "${p.domain}", which ONNX Runtime does not implement itself; they load only if the device registers a custom-op library for it.`,
      fix: (p) =>
        `Ship and register the custom-op library for "${p.domain}" (SessionOptions.register_custom_ops_library).`,
    },
  },
  check: (n, f, emit) => {
    const ort = ortOf(f, emit);
    const onnx = n.onnx!;
    // Unknown use (an older manifest): every import counts as used, so nothing is missed.
    const used = onnx.usedDomains ? new Set(onnx.usedDomains) : undefined;
    const isUsed = (d: string) => used === undefined || used.has(d);
    const custom = new Set<string>();
    for (const o of onnx.opsets) if (!ORT_BUILTIN_DOMAINS.has(o.domain) && isUsed(o.domain)) custom.add(o.domain);
    for (const d of used ?? []) if (!ORT_BUILTIN_DOMAINS.has(d)) custom.add(d);
    for (const d of custom) emit('ONNX_CUSTOM_DOMAIN', { domain: d, known: used ? 1 : '' });
    for (const o of onnx.opsets) {
      if (!ORT_CHECKED_IMPORT_DOMAINS.has(o.domain)) continue; // ORT ignores imports of domains it does not know
      if (o.domain === 'ai.onnx' && o.version < ORT_MIN_OPSET && isUsed(o.domain))
        emit('ONNX_OPSET_TOO_OLD', { model: o.version });
      if (!ort || (o.domain !== 'ai.onnx' && o.domain !== 'ai.onnx.ml')) continue;
      const max = ort.row.maxOpset[o.domain];
      if (o.version <= max) continue;
      const dom = o.domain;
      const p = {
        domain: dom,
        model: o.version,
        device: ort.version,
        max,
        needed: neededOrt((r) => r.maxOpset[dom] >= o.version),
        unused: isUsed(dom)
          ? ''
          : ' (no node uses it, but ONNX Runtime checks every import of a domain it knows when it loads a model)',
      };
      emit(ort.match === 'newer' ? 'ORT_OPSET_BEYOND_TABLE' : 'ORT_OPSET_TOO_NEW', p);
    }
  },
});

/** The oldest ORT release in the table that satisfies `ok`, for fix hints. */
function neededOrt(ok: (r: OrtRow) => boolean): string {
  return [...ORT_TABLE].reverse().find(ok)?.ort ?? `a release newer than ${ORT_TABLE[0]!.ort}`;
}

export const ortProviders = defineRule({
  id: 'ort-execution-providers',
  title: 'Required ONNX Runtime execution providers present',
  applies: (n) => n.requires.executionProviders.length > 0,
  reasons: {
    ...ortCommonReasons,
    EP_LIST_UNKNOWN: {
      severity: 'warning',
      sentence: (p) =>
        `Cannot tell whether ONNX Runtime on this device has ${p.ep}: its execution providers are not reported.`,
      fix: () => 'Report execution_providers (onnxruntime.get_available_providers()) for this device.',
    },
    EP_MISSING: {
      severity: 'declined',
      sentence: (p) =>
        `The model requires ${p.ep}, which this device's ONNX Runtime build does not have (it has ${p.have}).`,
      fix: (p) =>
        `Install an ONNX Runtime build with ${p.ep} (e.g. the Jetson Zoo or GPU package), or drop the requirement.`,
    },
  },
  check: (n, f, emit) => {
    const ort = f.runtimes?.onnxruntime;
    if (ort === null) return emit('ORT_MISSING');
    if (ort === undefined) return emit('ORT_UNKNOWN');
    for (const ep of n.requires.executionProviders) {
      if (ep === 'CPUExecutionProvider') continue; // in every build
      if (ort.executionProviders === undefined) emit('EP_LIST_UNKNOWN', { ep });
      else if (!ort.executionProviders.includes(ep))
        emit('EP_MISSING', { ep, have: ort.executionProviders.join(', ') || 'none' });
    }
  },
});

export const ortTrtEpDeps = defineRule({
  id: 'ort-trt-ep-deps',
  title: 'ONNX Runtime TensorRT EP vs the TensorRT installed on the device',
  applies: (n) => n.requires.executionProviders.includes('TensorrtExecutionProvider'),
  reasons: {
    ORT_TRT_EP_MAJOR: {
      severity: 'warning',
      sentence: (p) =>
        `The official ONNX Runtime ${p.ort} TensorRT EP is built for TensorRT ${p.expected}; this device has TensorRT ${p.device}. Unless this ORT build was made for it (e.g. a Jetson Zoo build), the EP fails to load and ORT silently falls back to CPU.`,
      fix: (p) =>
        `Install an ONNX Runtime built against TensorRT ${p.deviceMajor}.x, and record a load test of the EP in the inventory.`,
    },
    ORT_TRT_EP_TRT_UNKNOWN: {
      severity: 'warning',
      sentence: () =>
        "The model requires the TensorRT execution provider; cannot tell the device's TensorRT version, so cannot tell whether the EP loads.",
      fix: () => 'Report `tensorrt` for this device, or use a JetPack profile id.',
    },
    ORT_TRT_EP_NO_TRT: {
      severity: 'declined',
      sentence: () =>
        'The model requires the TensorRT execution provider, but TensorRT is not installed on this device.',
      fix: () => 'Install TensorRT, or drop TensorrtExecutionProvider from the requirements (CUDA or CPU EP).',
    },
  },
  check: (n, f, emit) => {
    const ort = f.runtimes?.onnxruntime;
    const trt = f.runtimes?.tensorrt;
    if (!ort) return; // ort-execution-providers reports a missing or unknown ORT
    if (trt === null) return emit('ORT_TRT_EP_NO_TRT');
    if (trt === undefined) return emit('ORT_TRT_EP_TRT_UNKNOWN');
    const expected = ortTrtEpVersion(ort.version);
    if (expected && major(expected) !== major(trt.version))
      emit('ORT_TRT_EP_MAJOR', {
        ort: ort.version,
        expected,
        device: trt.version,
        deviceMajor: major(trt.version) ?? trt.version,
      });
  },
});
