// ESLint rule `fleetpack/layers`: the layering of ARCHITECTURE.md, checked on every import.
//  - domain folders never import adapters (studio, app, host, server, cli);
//  - the renderer imports nothing from src-main but the StudioApi contract, and only its types;
//  - a folder of src-main is entered only through its index.ts (studio also through contract.ts,
//    the one file both sides of the IPC share); reaching into another folder's
//    files couples to what it did not export).
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../..');
const MAIN = path.join(ROOT, 'src-main');
const RENDERER = path.join(ROOT, 'src-renderer');
export const ADAPTERS = new Set(['studio', 'app', 'host', 'server', 'cli']);
const CONTRACT = path.join(MAIN, 'studio', 'contract');

/** The src-main folder a file belongs to ('' for files at the top of src-main), or null. */
function mainFolder(file) {
  const rel = path.relative(MAIN, file);
  if (rel.startsWith('..') || path.isAbsolute(rel)) return null;
  const parts = rel.split(path.sep);
  return parts.length > 1 ? parts[0] : '';
}

const strip = (p) => p.replace(/\.(js|ts|tsx|mjs)$/, '');

export default {
  meta: {
    type: 'problem',
    docs: { description: 'Enforce the layering of ARCHITECTURE.md' },
    schema: [],
    messages: {
      adapter: "Domain folder '{{from}}' imports adapter '{{to}}': a rule both sides need belongs in the domain.",
      renderer: 'The renderer imports only types from src-main/studio/contract (got {{spec}}).',
      rendererValue: "The renderer may import only types from the contract: use 'import type'.",
      index: "Import '{{to}}' through its index.ts, not {{spec}}.",
    },
  },
  create(context) {
    const file = context.filename;
    const fromRenderer = !path.relative(RENDERER, file).startsWith('..');
    const fromFolder = mainFolder(file);
    function check(node, source, typeOnly) {
      const spec = source?.value;
      if (typeof spec !== 'string' || !spec.startsWith('.')) return;
      const target = path.resolve(path.dirname(file), spec);
      const to = mainFolder(target);
      if (to === null) return;
      if (fromRenderer) {
        if (strip(target) !== CONTRACT) context.report({ node, messageId: 'renderer', data: { spec } });
        else if (!typeOnly) context.report({ node, messageId: 'rendererValue' });
        return;
      }
      if (fromFolder === null || to === fromFolder || to === '') return;
      if (!ADAPTERS.has(fromFolder) && fromFolder !== '' && ADAPTERS.has(to)) {
        context.report({ node, messageId: 'adapter', data: { from: fromFolder, to } });
        return;
      }
      const rest = strip(path.relative(path.join(MAIN, to), target));
      if (rest !== 'index' && rest !== '' && !(to === 'studio' && rest === 'contract'))
        context.report({ node, messageId: 'index', data: { to, spec } });
    }
    const isTypeOnly = (node) =>
      node.importKind === 'type' ||
      node.exportKind === 'type' ||
      (node.specifiers?.length > 0 && node.specifiers.every((s) => s.importKind === 'type' || s.exportKind === 'type'));
    return {
      ImportDeclaration: (n) => check(n, n.source, isTypeOnly(n)),
      ExportNamedDeclaration: (n) => n.source && check(n, n.source, isTypeOnly(n)),
      ExportAllDeclaration: (n) => check(n, n.source, n.exportKind === 'type'),
      ImportExpression: (n) => n.source.type === 'Literal' && check(n, n.source, false),
    };
  },
};
