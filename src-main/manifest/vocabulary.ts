/**
 * The closed or suggested values of manifest fields, for pickers (the Studio gets them through
 * its contract, so the UI never keeps a copy that drifts): release channels, color orders (from
 * the schema), common layouts, and license suggestions the validator accepts.
 */
import { analyzeLicense } from './license.js';
import { manifestSchema } from './schema.js';
import { KNOWN_CHANNELS } from './semantics.js';

export interface ManifestVocabulary {
  channels: string[];
  colorOrders: string[];
  layouts: string[];
  /** SPDX expressions to suggest in the license field; every one passes the license check. */
  licenses: string[];
}

/** Tensor layouts offered first (the schema takes any upper-case layout name). */
const LAYOUTS = ['NCHW', 'NHWC', 'NCW', 'NWC', 'NC', 'CHW', 'HWC'];
const LICENSES = [
  'Apache-2.0',
  'MIT',
  'BSD-3-Clause',
  'GPL-3.0-only',
  'AGPL-3.0-only',
  'CC-BY-4.0',
  'CC-BY-NC-4.0',
  'CC-BY-SA-4.0',
];

let cached: ManifestVocabulary | undefined;

export function manifestVocabulary(): ManifestVocabulary {
  if (cached) return cached;
  const pre = (manifestSchema() as { $defs?: { Preprocessing?: { properties?: { colorOrder?: { enum?: unknown } } } } })
    .$defs?.Preprocessing?.properties?.colorOrder?.enum;
  cached = {
    channels: [...KNOWN_CHANNELS],
    colorOrders: Array.isArray(pre) ? pre.filter((v): v is string => typeof v === 'string') : [],
    layouts: [...LAYOUTS],
    // Only what the validator accepts: a suggestion that is then rejected is worse than none.
    licenses: LICENSES.filter((l) => analyzeLicense(l).valid),
  };
  return cached;
}
