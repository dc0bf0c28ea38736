import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import {
  MANIFEST_SCHEMA_ID,
  manifestSchema,
  schemaErrors,
  validateDocument,
  type Manifest,
  parseManifestText,
  serializeManifest,
} from '../../../src-main/manifest/index.js';

import { completeManifest } from './helpers.js';

type Node = Record<string, any>;
const schema: Node = manifestSchema();
const deref = (n: Node): Node => (n.$ref ? deref(schema.$defs[String(n.$ref).replace('#/$defs/', '')]) : n);

/** Interfaces and their members from src-main/manifest/types.ts, read with the TypeScript parser. */
const source = ts.createSourceFile(
  'types.ts',
  readFileSync('src-main/manifest/types.ts', 'utf8'),
  ts.ScriptTarget.ES2022,
  true,
);
const interfaces = new Map<string, ts.InterfaceDeclaration>();
// forEachChild stops at the first truthy return, so the callback returns nothing.
source.forEachChild((n) => {
  if (ts.isInterfaceDeclaration(n)) interfaces.set(n.name.text, n);
});

const problems: string[] = [];
let compared = 0;

function members(t: ts.Node | undefined): ts.NodeArray<ts.TypeElement> | undefined {
  if (!t) return undefined;
  if (ts.isInterfaceDeclaration(t) || ts.isTypeLiteralNode(t)) return t.members;
  if (ts.isTypeReferenceNode(t) && ts.isIdentifier(t.typeName)) return interfaces.get(t.typeName.text)?.members;
  return undefined;
}

function compare(typeNode: ts.Node, schemaNode: Node, path: string): void {
  const list = members(typeNode);
  const s = deref(schemaNode);
  if (!list || !s.properties) return;
  const schemaProps = Object.keys(s.properties);
  const required = new Set<string>(s.required ?? []);
  const typeProps: string[] = [];
  for (const m of list) {
    if (!ts.isPropertySignature(m)) continue;
    const name = m.name.getText(source).replace(/^['"]|['"]$/g, '');
    typeProps.push(name);
    compared++;
    if (!(name in s.properties)) {
      problems.push(`${path}.${name} is in the type but not in the schema`);
      continue;
    }
    if (required.has(name) === Boolean(m.questionToken))
      problems.push(`${path}.${name}: required in ${required.has(name) ? 'schema' : 'type'} only`);
    const t = m.type;
    const sub = deref(s.properties[name]);
    if (t && ts.isArrayTypeNode(t)) {
      compare(t.elementType, sub.items ?? {}, `${path}.${name}[]`);
    } else if (t) {
      compare(t, sub, `${path}.${name}`);
    }
  }
  for (const p of schemaProps)
    if (!typeProps.includes(p)) problems.push(`${path}.${p} is in the schema but not in the type`);
}

describe('manifest schema', () => {
  it('is published under its $id as draft 2020-12', () => {
    expect(schema.$id).toBe(MANIFEST_SCHEMA_ID);
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
  });
  it('agrees with the TypeScript Manifest type: same properties, same required sets, at every level', () => {
    compare(interfaces.get('Manifest')!, schema, 'Manifest');
    expect(problems).toEqual([]);
    expect(compared).toBeGreaterThan(60);
  });
  it('round-trips: a complete manifest conforms, and write → read gives the same document', () => {
    const m = completeManifest();
    expect(schemaErrors(m)).toEqual([]);
    const back = parseManifestText(serializeManifest(m));
    expect(back).toEqual(m);
    expect(validateDocument(back).valid).toBe(true);
  });
  it('accepts every Dim form and rejects negative and fractional sizes', () => {
    const m: Manifest = completeManifest();
    m.outputs[0]!.shape = [1, 'seq', null, 0];
    expect(schemaErrors(m)).toEqual([]);
    m.outputs[0]!.shape = [1.5];
    expect(schemaErrors(m).length).toBeGreaterThan(0);
    m.outputs[0]!.shape = null;
    expect(schemaErrors(m)).toEqual([]);
  });
});

describe('the validator the CLI bundle ships precompiled', () => {
  it('gives exactly the errors of the validator compiled at run time', async () => {
    const { schemaValidator, standaloneValidatorCode } = await import('../../../src-main/manifest/schema.js');
    // Written where Node resolves its runtime imports (ajv) from this project's node_modules.
    const file = join(process.cwd(), 'node_modules', `.fp-standalone-${process.pid}.mjs`);
    writeFileSync(
      file,
      `import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);\n${await standaloneValidatorCode()}`,
    );
    try {
      const { default: standalone } = (await import(pathToFileURL(file).href)) as {
        default: ((d: unknown) => boolean) & { errors?: unknown };
      };
      const runtime = schemaValidator();
      const docs: unknown[] = [
        completeManifest(),
        { schemaVersion: '1.0', name: 'x' },
        { ...completeManifest(), version: 'one', extra: true, inputs: [{ name: 1 }] },
        { ...completeManifest(), sbom: { file: '', format: 'xml', specVersion: '', sha256: 'zz' } },
      ];
      for (const d of docs) {
        expect(standalone(d)).toBe(runtime(d));
        expect(standalone.errors ?? null).toEqual(runtime.errors ?? null);
      }
    } finally {
      rmSync(file, { force: true });
    }
  });
});
