/**
 * A file still arriving from the browser is first read quickly (its header and its end, not its
 * weights), so the manifest can be prefilled at once; the full read follows in the background.
 * When it differs (initializers listed as inputs, weight types, external data), its facts replace
 * the provisional ones, but only where the engineer has not edited them in between.
 */
import { isDeepStrictEqual } from 'node:util';
import type { Manifest, ManifestTensor } from '../manifest/index.js';

/** The model-derived parts of a prefilled manifest. */
export type ModelFacts = Pick<Manifest, 'framework' | 'inputs' | 'outputs'>;

export const modelFacts = (m: Manifest): ModelFacts => ({
  framework: m.framework,
  inputs: m.inputs,
  outputs: m.outputs,
});

/**
 * `m` with the confirmed facts wherever it still carries the provisional ones. Tensors match by
 * name: an edited one stays, a provisional one the full read dropped goes, a new one is added.
 * Idempotent, so it can be applied to every manifest the editor sends.
 */
export function withConfirmedFacts(m: Manifest, provisional: ModelFacts, confirmed: ModelFacts): Manifest {
  return {
    ...m,
    framework: isDeepStrictEqual(m.framework, provisional.framework) ? confirmed.framework : m.framework,
    inputs: mergeTensors(m.inputs, provisional.inputs, confirmed.inputs),
    outputs: mergeTensors(m.outputs, provisional.outputs, confirmed.outputs),
  };
}

function mergeTensors(
  current: ManifestTensor[],
  provisional: ManifestTensor[],
  confirmed: ManifestTensor[],
): ManifestTensor[] {
  const byName = (list: ManifestTensor[], name: string) => list.find((t) => t.name === name);
  const out: ManifestTensor[] = [];
  for (const t of current) {
    const prov = byName(provisional, t.name);
    const conf = byName(confirmed, t.name);
    if (!prov)
      out.push(t); // added by the engineer
    else if (!isDeepStrictEqual(t, prov))
      out.push(t); // edited: the engineer's version stays
    else if (conf) out.push(conf);
    // else: provisional, untouched, and not an input after all (an initializer): dropped
  }
  for (const c of confirmed) if (!byName(provisional, c.name) && !byName(current, c.name)) out.push(c);
  return out;
}
