/** Every compatibility rule, in the order reasons are listed, and the per-device evaluation. */
import type { DeviceFacts } from '../facts.js';
import type { ModelNeeds } from '../needs.js';
import { inventoryFacts } from './inventory.js';
import { accelerators, computeCapability, cpuArch, memory, runtimeVersions } from './device.js';
import { onnxIr, onnxOpset, ortProviders, ortTrtEpDeps } from './onnx.js';
import { type Reason, type Rule, type Verdict, verdictOf } from './rule.js';
import { trtDla, trtGpu, trtVersion } from './tensorrt.js';
import { tfliteCustomOps, tfliteDelegates, tfliteEdgeTpu, tfliteRuntime } from './tflite.js';

export * from './rule.js';

export const RULES: readonly Rule[] = [
  inventoryFacts,
  trtGpu,
  trtVersion,
  trtDla,
  onnxIr,
  onnxOpset,
  ortProviders,
  ortTrtEpDeps,
  tfliteRuntime,
  tfliteEdgeTpu,
  tfliteCustomOps,
  tfliteDelegates,
  accelerators,
  computeCapability,
  cpuArch,
  runtimeVersions,
  memory,
];

export interface Evaluation {
  verdict: Verdict;
  reasons: Reason[];
}

/** The rules that apply to this model (decided once per preview, not per device). */
export function rulesFor(n: ModelNeeds, rules: readonly Rule[] = RULES): Rule[] {
  return rules.filter((r) => r.applies(n));
}

/** Runs the rules on one set of facts. Reasons with the same code and message are listed once. */
export function evaluate(n: ModelNeeds, f: DeviceFacts, rules: readonly Rule[] = rulesFor(n)): Evaluation {
  const seen = new Set<string>();
  const reasons: Reason[] = [];
  for (const rule of rules)
    for (const r of rule.check(n, f)) {
      const k = `${r.code}\u0000${r.message}`;
      if (seen.has(k)) continue;
      seen.add(k);
      reasons.push(r);
    }
  return { verdict: verdictOf(reasons), reasons };
}
