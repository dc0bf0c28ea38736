/**
 * The examples shipped under resources/examples/<name>/ ("Try an example" in the Model step):
 * example.json names the model, metrics and inventory files (test/fixtures/example.ts writes them).
 * The page asks by name; the files are copied into the session's working folder and answered as
 * handles, so no path reaches the page and nothing a session does can touch the shipped files.
 */
import { createReadStream } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { UsageError } from '../errors.js';
import { resourcePath } from '../resources.js';
import type { ExampleFiles, ExampleSummary } from './contract.js';
import type { FileTable } from './files.js';

interface Descriptor extends ExampleSummary {
  model: string;
  metrics: string;
  inventory: string;
}

const NAME = /^[a-z0-9][a-z0-9-]{0,63}$/;
/** A plain file name inside the example's folder. */
const FILE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
/** Examples are small by design; a larger file means the folder is not what we shipped. */
const MAX_DESCRIPTOR = 64 * 1024;

const examplesRoot = () => resourcePath('examples');

/** The shipped examples, by name (none when the folder is absent). */
export async function listExamples(root = examplesRoot()): Promise<ExampleSummary[]> {
  const dirs = await readdir(root, { withFileTypes: true }).catch(() => []);
  const out: ExampleSummary[] = [];
  for (const d of dirs.filter((x) => x.isDirectory() && NAME.test(x.name)).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const { name, title, description } = await readDescriptor(root, d.name);
    out.push({ name, title, description });
  }
  return out;
}

/** Copies the example's files into the session (its own copies) and answers their handles. */
export async function openExample(
  name: unknown,
  files: FileTable,
  maxBytes: number,
  root = examplesRoot(),
): Promise<ExampleFiles> {
  const known = await listExamples(root);
  if (typeof name !== 'string' || !known.some((e) => e.name === name)) {
    throw new UsageError('UNKNOWN_EXAMPLE', `There is no example named "${String(name)}"`, {
      hint: known.length ? `Examples: ${known.map((e) => e.name).join(', ')}.` : 'This installation has no examples.',
    });
  }
  const d = await readDescriptor(root, name);
  const copy = (file: string) => files.upload(createReadStream(join(root, name, file)), file, { maxBytes });
  return {
    name: d.name,
    title: d.title,
    description: d.description,
    model: await copy(d.model),
    metrics: await copy(d.metrics),
    inventory: await copy(d.inventory),
  };
}

async function readDescriptor(root: string, dir: string): Promise<Descriptor> {
  const broken = (why: string) =>
    new UsageError('EXAMPLE_BROKEN', `The example "${dir}" is incomplete: ${why}`, {
      where: `resources/examples/${dir}/example.json`,
      hint: 'Restore the folder from the repository, or regenerate it with `npx tsx test/fixtures/example.ts`.',
    });
  const path = join(root, dir, 'example.json');
  const st = await stat(path).catch(() => undefined);
  if (!st?.isFile()) throw broken('example.json is missing');
  if (st.size > MAX_DESCRIPTOR) throw broken('example.json is too large');
  const raw = await readFile(path, 'utf8');
  let doc: unknown;
  try {
    doc = JSON.parse(raw);
  } catch {
    throw broken('example.json is not JSON');
  }
  const o = (doc && typeof doc === 'object' ? doc : {}) as Record<string, unknown>;
  const field = (k: keyof Descriptor): string => {
    const v = o[k];
    if (typeof v !== 'string' || v === '') throw broken(`"${k}" must be text`);
    return v;
  };
  const file = async (k: keyof Descriptor): Promise<string> => {
    const v = field(k);
    if (!FILE.test(v)) throw broken(`"${k}" must be a file name in the folder`);
    if (!(await stat(join(root, dir, v)).catch(() => undefined))?.isFile()) throw broken(`${v} is missing`);
    return v;
  };
  if (field('name') !== dir) throw broken(`"name" must be the folder's name (${dir})`);
  return {
    name: dir,
    title: field('title'),
    description: field('description'),
    model: await file('model'),
    metrics: await file('metrics'),
    inventory: await file('inventory'),
  };
}
