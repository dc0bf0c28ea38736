import { createRequire } from 'node:module';
import parseSpdx from 'spdx-expression-parse';
import { ManifestError } from '../errors.js';
import { Findings, type Finding } from './findings.js';
import type { Unchecked } from '../unchecked.js';
import type { Manifest } from './types.js';

type LicenseRef = NonNullable<Manifest['licenseRef']>[number];

const require = createRequire(import.meta.url);
const CURRENT_IDS = require('spdx-license-ids') as string[];
const DEPRECATED_IDS = require('spdx-license-ids/deprecated.json') as string[];
// spdx-exceptions comes with spdx-expression-parse (its dependency); same list the parser uses.
const EXCEPTION_IDS = require('spdx-exceptions') as string[];

const byLower = (ids: string[]) => new Map(ids.map((id) => [id.toLowerCase(), id]));
const LICENSES = byLower([...CURRENT_IDS, ...DEPRECATED_IDS]);
const DEPRECATED = new Set(DEPRECATED_IDS);
const EXCEPTIONS = byLower(EXCEPTION_IDS);

/** A Hugging Face license id that is not an SPDX id, and the LicenseRef it maps to. */
export interface HubLicense {
  ref: string;
  name: string;
  /** Where the license text lives, when known for certain; otherwise the engineer supplies it. */
  url?: string;
  /** Restricts commercial use or is research-only. */
  restricted?: boolean;
}

const hub = (id: string, name: string, url?: string, restricted?: boolean): [string, HubLicense] => [
  id,
  {
    ref: `LicenseRef-${id.replace(/\+\+$/, '-plus-plus').replace(/[^A-Za-z0-9.-]/g, '-')}`,
    name,
    ...(url ? { url } : {}),
    ...(restricted ? { restricted } : {}),
  },
];

/**
 * Hugging Face model-hub license ids with no SPDX id (reference/sbom.md §5.2), mapped to
 * LicenseRef-<id> as recommended there (§5.3). A LicenseRef needs a `licenseRef` entry with a URL or text.
 */
export const HUB_LICENSES: ReadonlyMap<string, HubLicense> = new Map([
  hub('llama2', 'Llama 2 Community License Agreement', 'https://ai.meta.com/llama/license/'),
  hub('llama3', 'Meta Llama 3 Community License', 'https://llama.meta.com/llama3/license/'),
  hub('llama3.1', 'Llama 3.1 Community License', 'https://llama.meta.com/llama3_1/license/'),
  hub('llama3.2', 'Llama 3.2 Community License', 'https://www.llama.com/llama3_2/license/'),
  hub('llama3.3', 'Llama 3.3 Community License', 'https://www.llama.com/llama3_3/license/'),
  hub('llama4', 'Llama 4 Community License'),
  hub('gemma', 'Gemma Terms of Use', 'https://ai.google.dev/gemma/terms'),
  hub('openrail', 'OpenRAIL license family'),
  hub('openrail++', 'OpenRAIL++-M License'),
  hub(
    'bigscience-openrail-m',
    'BigScience OpenRAIL-M License',
    'https://bigscience.huggingface.co/blog/bigscience-openrail-m',
  ),
  hub(
    'creativeml-openrail-m',
    'CreativeML OpenRAIL-M License',
    'https://huggingface.co/spaces/CompVis/stable-diffusion-license',
  ),
  hub(
    'bigscience-bloom-rail-1.0',
    'BigScience BLOOM RAIL 1.0',
    'https://bigscience.huggingface.co/blog/the-bigscience-rail-license',
  ),
  hub(
    'bigcode-openrail-m',
    'BigCode OpenRAIL-M License',
    'https://huggingface.co/spaces/bigcode/bigcode-model-license-agreement',
  ),
  hub('apple-ascl', 'Apple Sample Code License'),
  hub('apple-amlr', 'Apple Machine Learning Research Model License', undefined, true),
  hub('h-research', 'H Research License', undefined, true),
  hub('intel-research', 'Intel Research Use License', undefined, true),
  hub('lgpl-lr', 'Lesser General Public License for Linguistic Resources'),
  hub('deepfloyd-if-license', 'DeepFloyd IF License', undefined, true),
  hub('fair-noncommercial-research-license', 'FAIR Noncommercial Research License', undefined, true),
  hub('grok2-community', 'Grok 2 Community License'),
  hub('openmdw-1.1', 'OpenMDW License 1.1'),
]);

/** Hub ids that name an SPDX license without its version: suggested, never applied silently. */
const NEAR_MISS: Record<string, string> = {
  'c-uda': 'C-UDA-1.0',
  pddl: 'PDDL-1.0',
  'odc-by': 'ODC-By-1.0',
  odbl: 'ODbL-1.0',
};
/** Hub ids that name a family of licenses, not one. */
const FAMILIES = new Set(['bsd', 'cc', 'gfdl', 'gpl', 'lgpl']);
/** Hub sentinels that are not licenses at all. */
const SENTINELS = new Set(['other', 'unknown', 'noassertion', 'none', 'proprietary']);

export interface LicenseAnalysis {
  input: string;
  /** The expression with ids, LicenseRefs and operators in canonical case, when it parses. */
  normalized?: string;
  /** True when the (normalized) expression is a valid SPDX expression. */
  valid: boolean;
  /** Listed SPDX license ids used. */
  ids: string[];
  /** LicenseRef-… ids used (DocumentRef-…:LicenseRef-… kept whole). */
  refs: string[];
  /** Deprecated SPDX ids used. */
  deprecated: string[];
  /** Why it does not parse, and what to do. */
  problem?: { message: string; hint: string; token?: string };
}

const TOKEN = /\s+|\(|\)|[^\s()]+/g;
const OPERATORS = new Set(['and', 'or', 'with']);

function normalizeWord(word: string, afterWith: boolean): string {
  if (afterWith) return EXCEPTIONS.get(word.toLowerCase()) ?? word;
  const plus = word.endsWith('+') && word.length > 1 ? '+' : '';
  const base = plus ? word.slice(0, -1) : word;
  const ref = /^(?:(documentref-)([A-Za-z0-9.-]+):)?(licenseref-)(.+)$/i.exec(base);
  if (ref) return `${ref[1] ? `DocumentRef-${ref[2]}:` : ''}LicenseRef-${ref[4]}${plus}`;
  return (LICENSES.get(base.toLowerCase()) ?? base) + plus;
}

/** Canonical case for ids and operators; whitespace collapsed. Unknown words are kept as written. */
export function normalizeLicenseCase(expr: string): string {
  const tokens = expr.match(TOKEN) ?? [];
  let afterWith = false;
  const out: string[] = [];
  for (const t of tokens) {
    if (/^\s+$/.test(t)) continue;
    if (t === '(' || t === ')') {
      out.push(t);
      continue;
    }
    if (OPERATORS.has(t.toLowerCase())) {
      out.push(t.toUpperCase());
      afterWith = t.toLowerCase() === 'with';
      continue;
    }
    out.push(normalizeWord(t, afterWith));
    afterWith = false;
  }
  return out.join(' ').replace(/\( /g, '(').replace(/ \)/g, ')');
}

/** What to tell someone who wrote `token` where a license id belongs. */
function adviceFor(token: string): { message: string; hint: string } {
  const lower = token.toLowerCase();
  const hubId = HUB_LICENSES.get(lower);
  if (hubId) {
    return {
      message: `"${token}" is a model-hub license id, not an SPDX license id`,
      hint: `Write "${hubId.ref}" and add a licenseRef entry { "id": "${hubId.ref}", "name": "${hubId.name}", ${hubId.url ? `"url": "${hubId.url}"` : '"url" or "text": the license'} }.`,
    };
  }
  if (NEAR_MISS[lower])
    return {
      message: `"${token}" is not an SPDX id (it lacks a version)`,
      hint: `Did you mean "${NEAR_MISS[lower]}"? Check the version the model was released under.`,
    };
  if (FAMILIES.has(lower))
    return {
      message: `"${token}" names a family of licenses, not one license`,
      hint: 'Name the exact license, e.g. "BSD-3-Clause", "CC-BY-4.0", "GPL-3.0-only".',
    };
  if (SENTINELS.has(lower)) {
    return {
      message: `"${token}" is not a license`,
      hint: 'Give the actual license: an SPDX id, or "LicenseRef-<name>" with a licenseRef entry holding its URL or text.',
    };
  }
  return {
    message: `"${token}" is not a known SPDX license id`,
    hint: 'Use an id from https://spdx.org/licenses/ (e.g. "Apache-2.0"), or "LicenseRef-<name>" with a licenseRef entry holding its URL or text.',
  };
}

function collect(node: ReturnType<typeof parseSpdx>, a: LicenseAnalysis): void {
  if ('license' in node) {
    if (/LicenseRef-/.test(node.license)) a.refs.push(node.license);
    else {
      a.ids.push(node.license);
      if (DEPRECATED.has(node.license)) a.deprecated.push(node.license);
    }
    return;
  }
  collect(node.left, a);
  collect(node.right, a);
}

/** Parses a license expression after case normalization (SPDX ids match case-insensitively). */
export function analyzeLicense(input: string): LicenseAnalysis {
  const a: LicenseAnalysis = { input, valid: false, ids: [], refs: [], deprecated: [] };
  const normalized = normalizeLicenseCase(input);
  if (!normalized) {
    a.problem = { message: 'The license is empty', hint: 'Give an SPDX expression such as "Apache-2.0".' };
    return a;
  }
  let tree: ReturnType<typeof parseSpdx>;
  try {
    tree = parseSpdx(normalized);
  } catch (e) {
    const words = (normalized.match(TOKEN) ?? []).filter((t) => !/^\s+$|^[()]$/.test(t));
    let prevWith = false;
    for (const w of words) {
      if (OPERATORS.has(w.toLowerCase())) {
        prevWith = w.toLowerCase() === 'with';
        continue;
      }
      const base = w.replace(/\+$/, '');
      const known = prevWith
        ? EXCEPTIONS.has(base.toLowerCase())
        : LICENSES.has(base.toLowerCase()) || /^(DocumentRef-[A-Za-z0-9.-]+:)?LicenseRef-[A-Za-z0-9.-]+$/.test(base);
      if (!known) {
        a.problem = prevWith
          ? {
              message: `"${w}" is not a known SPDX license exception`,
              hint: 'Use an exception id from https://spdx.org/licenses/exceptions-index.html after WITH.',
              token: w,
            }
          : { ...adviceFor(w), token: w };
        return a;
      }
      prevWith = false;
    }
    const reason = e instanceof TypeError ? 'the expression is incomplete' : (e as Error).message;
    a.problem = {
      message: `"${input}" is not a valid SPDX license expression (${reason})`,
      hint: 'Combine ids with AND, OR, WITH and parentheses, e.g. "MIT OR Apache-2.0".',
    };
    return a;
  }
  collect(tree, a);
  a.normalized = normalized;
  a.valid = true;
  return a;
}

/** Suggested replacement for a deprecated id (GPL-3.0 → GPL-3.0-only / -or-later). */
function deprecatedAdvice(id: string): string {
  const m = /^((?:A|L)?GPL-[0-9.]+|GFDL-[0-9.]+)$/.exec(id);
  if (m) return `"${id}" is ambiguous: write "${id}-only" or "${id}-or-later", whichever the model's license says.`;
  return `"${id}" is deprecated in the SPDX license list; see https://spdx.org/licenses/ for its replacement.`;
}

/**
 * Checks `license` and `licenseRef`: the expression parses (case differences are a warning with
 * the canonical form, never rewritten), deprecated ids, every LicenseRef used has an entry with
 * a URL or text, entries unused, restricted (non-commercial / research) licenses flagged.
 */
export function checkLicense(manifest: Unchecked<Pick<Manifest, 'license' | 'licenseRef'>>): {
  errors: Finding[];
  warnings: Finding[];
} {
  const f = new Findings();
  const license: unknown = manifest.license;
  const entries = Array.isArray(manifest.licenseRef)
    ? manifest.licenseRef.filter((e): e is Unchecked<LicenseRef> => typeof e === 'object' && e !== null)
    : [];
  if (license === undefined || license === null || license === '') {
    f.warn(
      'LICENSE_MISSING',
      '/license',
      'No license given',
      'Add the SPDX license expression the model is released under, e.g. "Apache-2.0"; packages without one count as non-compliant.',
    );
    return f;
  }
  if (typeof license !== 'string') return f; // the schema reports the type
  const a = analyzeLicense(license);
  if (!a.valid) {
    f.error('LICENSE_INVALID', '/license', a.problem!.message, a.problem!.hint);
    return f;
  }
  if (a.normalized !== license) {
    f.warn(
      'LICENSE_CASE',
      '/license',
      `License "${license}" is valid but not in canonical form`,
      `Write "${a.normalized}".`,
    );
  }
  for (const id of new Set(a.deprecated))
    f.warn('LICENSE_DEPRECATED', '/license', `"${id}" is a deprecated SPDX license id`, deprecatedAdvice(id));
  for (const id of a.ids) {
    if (/-NC(-|$)/.test(id))
      f.warn(
        'LICENSE_RESTRICTED',
        '/license',
        `${id} forbids commercial use`,
        'Confirm the fleet deployment is non-commercial, or get a commercial license.',
      );
  }
  const byId = new Map(entries.map((e) => [String(e.id), e]));
  for (const ref of new Set(a.refs)) {
    if (ref.startsWith('DocumentRef-')) {
      f.warn(
        'LICENSE_EXTERNAL_REF',
        '/license',
        `${ref} points into another SPDX document, which Fleetpack cannot check`,
        'Prefer a LicenseRef with a licenseRef entry (URL or text).',
      );
      continue;
    }
    const entry = byId.get(ref);
    const hubId = [...HUB_LICENSES.values()].find((h) => h.ref.toLowerCase() === ref.toLowerCase());
    if (!entry) {
      const sameCase = entries.find((e) => String(e.id).toLowerCase() === ref.toLowerCase());
      f.error(
        'LICENSE_REF_MISSING',
        '/licenseRef',
        `${ref} is used in the license but has no licenseRef entry`,
        sameCase
          ? `The entry "${String(sameCase.id)}" differs only in case; write it exactly as "${ref}".`
          : `Add { "id": "${ref}", ${hubId?.url ? `"url": "${hubId.url}"` : '"url": "<where the license text is>"'} } (or "text") to licenseRef.`,
      );
    }
    if (hubId?.restricted)
      f.warn(
        'LICENSE_RESTRICTED',
        '/license',
        `${hubId.name} restricts use (research or non-commercial)`,
        'Confirm the fleet deployment is allowed under it.',
      );
    if (ref.toLowerCase() === 'licenseref-openrail') {
      f.warn(
        'LICENSE_VAGUE',
        '/license',
        'OpenRAIL is a family of licenses, not one license',
        'Name the specific one, e.g. LicenseRef-bigscience-openrail-m or LicenseRef-creativeml-openrail-m.',
      );
    }
  }
  entries.forEach((e, i) => {
    if (typeof e.id === 'string' && !a.refs.includes(e.id)) {
      f.warn(
        'LICENSE_REF_UNUSED',
        `/licenseRef/${i}`,
        `licenseRef ${e.id} is not used in the license expression`,
        'Remove it, or add it to "license".',
      );
    }
  });
  return f;
}

export interface LicenseSuggestion {
  /** The expression to record. */
  license: string;
  /** LicenseRef entries to add (for model-hub ids with a known URL). */
  licenseRef: NonNullable<Manifest['licenseRef']>;
  /** What was changed from the input, for the user to see (empty when taken as written). */
  notes: string[];
}

/**
 * For `init --license` and the Studio: the input as an SPDX expression, with case normalized and
 * model-hub ids mapped to LicenseRef-… — every change listed in `notes` so it is never silent.
 * Returns undefined when it cannot be made valid (then `analyzeLicense` says why).
 */
export function suggestLicense(input: string): LicenseSuggestion | undefined {
  const mapped = mapHubLicenses(input);
  return analyzeLicense(mapped.license).valid ? mapped : undefined;
}

/** The input with case normalized and model-hub ids replaced by their LicenseRef (valid or not). */
export function mapHubLicenses(input: string): LicenseSuggestion {
  const canonical = normalizeLicenseCase(input);
  const words = (canonical.match(TOKEN) ?? []).filter((t) => !/^\s+$/.test(t));
  const notes: string[] = [];
  const licenseRef: LicenseSuggestion['licenseRef'] = [];
  // Case first, then the hub-id mapping: each change gets its own note.
  if (tidy(canonical) !== tidy(input))
    notes.push(`"${input.trim()}" recorded in canonical form as "${tidy(canonical)}"`);
  const mapped = words.map((w) => {
    const h = HUB_LICENSES.get(w.toLowerCase());
    if (!h) return w;
    notes.push(
      `"${w}" (${h.name}) is not an SPDX id; recorded as ${h.ref}${h.url ? ` with its URL` : ' — add its URL or text to licenseRef'}`,
    );
    if (h.url) licenseRef.push({ id: h.ref, name: h.name, url: h.url });
    return h.ref;
  });
  return { license: tidy(mapped.join(' ')), licenseRef, notes };
}

/** One space between tokens, none inside parentheses. */
function tidy(expr: string): string {
  return expr.trim().replace(/\s+/g, ' ').replace(/\( /g, '(').replace(/ \)/g, ')');
}

/** A model card's license fields (`license`, `license_name`, `license_link`), as metrics import reads them. */
export interface CardLicense {
  id?: string;
  name?: string;
  link?: string;
}

export interface LicenseChoice {
  /** The expression to record; undefined when nothing usable was given. */
  license?: string;
  licenseRef: LicenseRef[];
  /** What was decided, for the user to see. */
  notes: string[];
}

/**
 * The manifest's license from what the engineer gave and what a model card says — the one rule
 * the CLI (`init --license`, `--metrics card.md`) and the Studio (model card import) share. A
 * given expression wins and must be valid (ManifestError LICENSE_INVALID, `where` = `givenAt`).
 * Otherwise the card's id is used when it maps to a valid expression (hub ids such as
 * "llama3" become their LicenseRef); a card license that does not map but has a link is recorded
 * as `LicenseRef-<name>` with that link; else nothing is recorded and a note says so (naming
 * `givenAt`, where the user sets the license: `--license`, the Studio's License field).
 */
export function licenseFromInputs(
  inputs: { given?: string; card?: CardLicense; givenAt?: string } = {},
): LicenseChoice {
  const { given, card, givenAt = '--license' } = inputs;
  const notes: string[] = [];
  const input = given ?? card?.id;
  if (input === undefined) return { licenseRef: [], notes };
  const fromCard = given === undefined;
  const s = suggestLicense(input);
  if (s) {
    notes.push(...(fromCard ? [`license "${input}" taken from the model card`] : []), ...s.notes);
    return { license: s.license, licenseRef: s.licenseRef, notes };
  }
  if (!fromCard) {
    // Report what is wrong after the hub ids were mapped, not the mapped ids themselves.
    const a = analyzeLicense(mapHubLicenses(input).license);
    throw new ManifestError(
      'LICENSE_INVALID',
      `${givenAt}: ${a.problem?.message ?? `"${input}" is not a valid SPDX expression`}`,
      { where: givenAt, hint: a.problem?.hint ?? '' },
    );
  }
  if (card?.link) {
    const id = `LicenseRef-${(card.name ?? 'model-card').replace(/[^A-Za-z0-9.-]+/g, '-')}`;
    notes.push(`license from the model card recorded as ${id} with its link`);
    return { license: id, licenseRef: [{ id, url: card.link, ...(card.name ? { name: card.name } : {}) }], notes };
  }
  notes.push(`the model card's license "${input}" is not usable as-is; set ${givenAt}`);
  return { licenseRef: [], notes };
}
