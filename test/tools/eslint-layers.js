// ESLint rule `fleetpack/layers`: the layering of ARCHITECTURE.md, checked on every import.
//  - domain folders never import adapters (studio, app, host, server, cli);
//  - the renderer imports nothing from src-main but the StudioApi contract, and only its types, and
//    the self-contained display helpers both sides share (SHARED: modules that import nothing, which
//    this rule checks too, so no main-process code can reach the UI bundle through them);
//  - a folder of src-main is entered only through its index.ts (studio also through contract.ts,
//    the one file both sides of the IPC share); reaching into another folder's
//    files couples to what it did not export).
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '../..');
const MAIN = path.join(ROOT, 'src-main');
const RENDERER = path.join(ROOT, 'src-renderer');
export const ADAPTERS = new Set(['studio', 'app', 'host', 'server', 'cli']);
const CONTRACT = path.join(MAIN, 'studio', 'contract');
/** Modules of src-main the renderer may import values from; each must import nothing. */
const SHARED = new Set([path.join(MAIN, 'bytes')]);

/** The src-main folder a file belongs to ('' for files at the top of src-main), or null. @param {string} file */
function mainFolder(file) {
  const rel = path.relative(MAIN, file);
  if (rel.startsWith('..') || path.isAbsolute(rel)) return null;
  const parts = rel.split(path.sep);
  return parts.length > 1 ? (parts[0] ?? '') : '';
}

/** @param {string} p */
const strip = (p) => p.replace(/\.(js|ts|tsx|mjs)$/, '');

/**
 * @typedef {import('@typescript-eslint/utils').TSESTree.Node} Node
 * @typedef {import('@typescript-eslint/utils').TSESTree.ImportDeclaration
 *   | import('@typescript-eslint/utils').TSESTree.ExportNamedDeclaration} WithSpecifiers
 */

/** @type {import('@typescript-eslint/utils').TSESLint.RuleModule<'adapter' | 'renderer' | 'rendererValue' | 'index' | 'shared'>} */
export default {
  meta: {
    defaultOptions: [],
    type: 'problem',
    docs: { description: 'Enforce the layering of ARCHITECTURE.md' },
    schema: [],
    messages: {
      adapter: "Domain folder '{{from}}' imports adapter '{{to}}': a rule both sides need belongs in the domain.",
      renderer: 'The renderer imports only types from src-main/studio/contract (got {{spec}}).',
      rendererValue: "The renderer may import only types from the contract: use 'import type'.",
      index: "Import '{{to}}' through its index.ts, not {{spec}}.",
      shared: 'This module is shared with the renderer: it imports nothing (got {{spec}}).',
    },
  },
  create(context) {
    const file = context.filename;
    const fromRenderer = !path.relative(RENDERER, file).startsWith('..');
    const fromFolder = mainFolder(file);
    const isShared = SHARED.has(strip(file));
    /** @param {Node} node @param {Node | null} source @param {boolean} typeOnly */
    function check(node, source, typeOnly) {
      const spec = source && 'value' in source ? source.value : undefined;
      if (isShared) {
        context.report({ node, messageId: 'shared', data: { spec: typeof spec === 'string' ? spec : 'an import' } });
        return;
      }
      if (typeof spec !== 'string' || !spec.startsWith('.')) return;
      const target = path.resolve(path.dirname(file), spec);
      const to = mainFolder(target);
      if (to === null) return;
      if (fromRenderer) {
        if (SHARED.has(strip(target))) return;
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
    /** @param {WithSpecifiers} node */
    const isTypeOnly = (node) =>
      ('importKind' in node && node.importKind === 'type') ||
      ('exportKind' in node && node.exportKind === 'type') ||
      (node.specifiers.length > 0 &&
        node.specifiers.every(
          (s) => ('importKind' in s && s.importKind === 'type') || ('exportKind' in s && s.exportKind === 'type'),
        ));
    return {
      ImportDeclaration: (n) => check(n, n.source, isTypeOnly(n)),
      ExportNamedDeclaration: (n) => {
        if (n.source) check(n, n.source, isTypeOnly(n));
      },
      ExportAllDeclaration: (n) => check(n, n.source, n.exportKind === 'type'),
      ImportExpression: (n) => {
        check(n, n.source, false);
      },
    };
  },
};
