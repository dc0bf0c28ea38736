/**
 * The hardware profile catalog (`resources/hardware/profiles.json`): load, check, and resolve a
 * profile id to its facts. Profiles may extend others (a Pi 5 plus a Hailo-8L module); JetPack
 * stacks combine with every hardware profile of the families they list, as '<hardware>-jp<ver>'.
 */
import { readFileSync } from 'node:fs';
import Ajv2020 from 'ajv/dist/2020.js';
import { FleetError } from '../errors.js';
import { resourcePath } from '../resources.js';
import { type DeviceFacts, mergeFacts } from './facts.js';

export interface CatalogSource {
  title: string;
  url: string;
  grade: 'src' | '2nd' | 'unverified';
}

interface RawProfile {
  id: string;
  name: string;
  kind: 'hardware' | 'accessory' | 'device';
  family?: string;
  extends?: string[];
  aliases?: Record<string, string>;
  facts: DeviceFacts;
  sources: Record<string, string[]>;
}

interface RawStack {
  id: string;
  suffix: string;
  name: string;
  appliesTo: string[];
  facts: DeviceFacts;
  sources: Record<string, string[]>;
}

export interface CatalogFile {
  catalogVersion: string;
  sources: Record<string, CatalogSource>;
  profiles: RawProfile[];
  stacks: RawStack[];
}

export interface ResolvedProfile {
  id: string;
  name: string;
  kind: 'hardware' | 'accessory' | 'device' | 'hardware+stack';
  /** The family (e.g. 'nvidia-jetson-xavier-nx') or the id itself. */
  family: string;
  /** Software stack id when the profile is hardware + JetPack. */
  stack?: string;
  aliases: Record<string, string>;
  /** Frozen: shared by every device of the profile. */
  facts: DeviceFacts;
  /** Fact path → source ids. */
  sources: Record<string, string[]>;
}

const SCHEMA_FILE = 'hardware-profile.schema.json';

type Validator = ((data: unknown) => boolean) & { errors?: { instancePath: string; message?: string }[] | null };
let validators: { catalog: Validator; facts: Validator } | undefined;

function compiled(): { catalog: Validator; facts: Validator } {
  if (!validators) {
    const schema = JSON.parse(readFileSync(resourcePath('schema', SCHEMA_FILE), 'utf8')) as { $id: string };
    const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false });
    const catalog = ajv.compile(schema);
    validators = { catalog, facts: ajv.getSchema(`${schema.$id}#/$defs/facts`) as Validator };
  }
  return validators;
}

function messages(v: Validator): string[] {
  return (v.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}`);
}

/** Validates a catalog document against its JSON Schema; returns the messages (empty = valid). */
export function validateCatalogDocument(doc: unknown): string[] {
  const v = compiled().catalog;
  return v(doc) ? [] : messages(v);
}

/** Validates a device facts object (same schema as catalog facts); returns the messages. */
export function validateFacts(doc: unknown): string[] {
  const v = compiled().facts;
  return v(doc) ? [] : messages(v);
}

function deepFreeze<T>(v: T): T {
  if (typeof v === 'object' && v !== null && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v)) deepFreeze(x);
  }
  return v;
}

export class Catalog {
  readonly sources: Readonly<Record<string, CatalogSource>>;
  private readonly raw = new Map<string, RawProfile>();
  private readonly stacks = new Map<string, RawStack>();
  /** Generated hardware+stack ids → [hardware id, stack id]. */
  private readonly combos = new Map<string, [string, string]>();
  private readonly resolved = new Map<string, ResolvedProfile>();

  constructor(doc: CatalogFile, where = 'hardware catalog') {
    this.sources = doc.sources;
    for (const p of doc.profiles) {
      if (this.raw.has(p.id)) throw new FleetError('CATALOG_INVALID', `Profile "${p.id}" is defined twice`, { where });
      this.raw.set(p.id, p);
    }
    for (const s of doc.stacks) this.stacks.set(s.id, s);
    for (const p of doc.profiles) {
      for (const parent of p.extends ?? [])
        if (!this.raw.has(parent))
          throw new FleetError('CATALOG_INVALID', `Profile "${p.id}" extends unknown profile "${parent}"`, { where });
      for (const ids of Object.values(p.sources)) this.checkSources(ids, `${where} profile ${p.id}`);
    }
    for (const s of doc.stacks) {
      this.checkSources(Object.values(s.sources).flat(), `${where} stack ${s.id}`);
      for (const fam of s.appliesTo) {
        if (!this.raw.has(fam))
          throw new FleetError('CATALOG_INVALID', `Stack "${s.id}" applies to unknown profile "${fam}"`, { where });
        for (const p of doc.profiles) {
          if (p.kind !== 'hardware' || (p.id !== fam && p.family !== fam)) continue;
          const id = `${p.id}-${s.suffix}`;
          if (this.raw.has(id) || this.combos.has(id))
            throw new FleetError('CATALOG_INVALID', `Profile id "${id}" is generated twice`, { where });
          this.combos.set(id, [p.id, s.id]);
        }
      }
    }
    for (const id of this.raw.keys()) this.resolve(id); // resolves every profile once: finds cycles early
  }

  private checkSources(ids: string[], where: string): void {
    for (const id of ids)
      if (!(id in this.sources)) throw new FleetError('CATALOG_INVALID', `Unknown source id "${id}"`, { where });
  }

  /** Every profile id, including generated hardware+JetPack ids, sorted. */
  ids(): string[] {
    return [...this.raw.keys(), ...this.combos.keys()].sort();
  }

  has(id: string): boolean {
    return this.raw.has(id) || this.combos.has(id);
  }

  stackIds(): string[] {
    return [...this.stacks.keys()];
  }

  /** The resolved profile, or undefined for an unknown id. */
  get(id: string): ResolvedProfile | undefined {
    return this.has(id) ? this.resolve(id) : undefined;
  }

  /** The resolved profile; throws FleetError UNKNOWN_PROFILE with close ids as the hint. */
  resolve(id: string, seen: string[] = []): ResolvedProfile {
    const done = this.resolved.get(id);
    if (done) return done;
    if (seen.includes(id))
      throw new FleetError('CATALOG_INVALID', `Profile "${id}" extends itself (${[...seen, id].join(' → ')})`);
    const combo = this.combos.get(id);
    let out: ResolvedProfile;
    if (combo) {
      const hw = this.resolve(combo[0], [...seen, id]);
      const stack = this.stacks.get(combo[1])!;
      out = {
        id,
        name: `${hw.name}, ${stack.name}`,
        kind: 'hardware+stack',
        family: hw.family,
        stack: stack.id,
        aliases: hw.aliases,
        facts: mergeFacts(hw.facts, stack.facts),
        sources: { ...hw.sources, ...stack.sources },
      };
    } else {
      const p = this.raw.get(id);
      if (!p) throw unknownProfile(id, this.ids());
      let facts: DeviceFacts = {};
      let sources: Record<string, string[]> = {};
      let aliases: Record<string, string> = {};
      for (const parent of p.extends ?? []) {
        const r = this.resolve(parent, [...seen, id]);
        facts = mergeFacts(facts, r.facts);
        sources = { ...sources, ...r.sources };
        aliases = { ...aliases, ...r.aliases };
      }
      out = {
        id,
        name: p.name,
        kind: p.kind,
        family: p.family ?? id,
        aliases: { ...aliases, ...p.aliases },
        facts: mergeFacts(facts, structuredClone(p.facts)),
        sources: { ...sources, ...p.sources },
      };
    }
    deepFreeze(out);
    this.resolved.set(id, out);
    return out;
  }
}

function unknownProfile(id: string, ids: string[]): FleetError {
  const stem = id.split('-').slice(0, 3).join('-');
  const close = ids.filter((x) => x.startsWith(stem)).slice(0, 8);
  return new FleetError('UNKNOWN_PROFILE', `Unknown hardware profile "${id}"`, {
    where: id,
    hint: close.length
      ? `Close matches: ${close.join(', ')}`
      : 'Run `fleetpack compat --list-profiles` to see the catalog ids.',
  });
}

/**
 * Reads, schema-checks and indexes a catalog file. `trusted` skips the JSON Schema pass (the
 * structural checks stay): for the catalog shipped in resources/, which its unit test validates —
 * compiling that schema would cost every `compat` run a quarter of a second.
 */
export function loadCatalog(path: string, opts: { trusted?: boolean } = {}): Catalog {
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new FleetError('CATALOG_UNREADABLE', `Cannot read the hardware catalog: ${(e as Error).message}`, {
      where: path,
      cause: e,
    });
  }
  const problems = opts.trusted ? [] : validateCatalogDocument(doc);
  if (problems.length)
    throw new FleetError(
      'CATALOG_INVALID',
      `The hardware catalog does not match its schema: ${problems.slice(0, 5).join('; ')}`,
      { where: path },
    );
  return new Catalog(doc as CatalogFile, path);
}

let builtIn: Catalog | undefined;

/** The catalog shipped in resources/, loaded once. */
export function defaultCatalog(): Catalog {
  return (builtIn ??= loadCatalog(resourcePath('hardware', 'profiles.json'), { trusted: true }));
}
