import { resolve } from 'node:path';
import { UsageError } from '../../errors.js';
import {
  canonicalDomain,
  formatLabel,
  inspect,
  operatorList,
  type Dim,
  type ModelInfo,
  type TensorSpec,
} from '../../formats/index.js';
import { type Command, EXIT_OK, formatBytes, parseCommandArgs, printJson } from '../io.js';

const usage = 'fleetpack inspect FILE [--io-from ONNX|config.pbtxt] [--json]';

export const inspectCommand: Command = {
  name: 'inspect',
  usage,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(
      'inspect',
      argv,
      { 'io-from': { type: 'string' }, json: { type: 'boolean' } },
      usage,
    );
    if (positionals.length !== 1)
      throw new UsageError('BAD_ARGUMENTS', 'inspect: expected exactly one FILE', { hint: usage });
    const info = await inspect(resolve(io.cwd, positionals[0]!), {
      ...(values['io-from'] ? { ioFrom: resolve(io.cwd, values['io-from']) } : {}),
      ...(io.signal ? { signal: io.signal } : {}),
    });
    if (values.json) printJson(io, { ok: true, ...info });
    else io.stdout(renderModelInfo(info));
    return EXIT_OK;
  },
};

/** `[batch, 3, 224, 224]`: symbolic dims by name, unknown dims as `?`, unknown rank as `(unknown rank)`. */
export function formatShape(shape: Dim[] | null): string {
  if (shape === null) return '(unknown rank)';
  return `[${shape.map((d) => (d === null ? '?' : String(d))).join(', ')}]`;
}

/** A left-aligned text table with a header row. */
function table(header: string[], rows: string[][], indent = '  '): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    indent + cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  return [line(header), ...rows.map(line)];
}

function tensorRows(list: TensorSpec[]): string[] {
  if (list.length === 0) return ['  (none)'];
  const quant = list.some((t) => t.quantization);
  const header = ['name', 'dtype', 'shape', ...(quant ? ['quantization'] : [])];
  const rows = list.map((t) => [
    t.name || '(unnamed)',
    t.dtype,
    formatShape(t.shape),
    ...(quant
      ? [
          t.quantization
            ? `scale ${t.quantization.scale.join(',')} zero point ${t.quantization.zeroPoint.join(',')}`
            : '',
        ]
      : []),
  ]);
  return table(header, rows);
}

/** The default, human-readable `inspect` output. */
export function renderModelInfo(info: ModelInfo): string {
  const out: string[] = [];
  const kv: [string, string][] = [];
  out.push(info.path);
  kv.push(['format', formatLabel(info)]);
  kv.push(['size', formatBytes(info.size)]);
  const producer = [info.producer?.name, info.producer?.version].filter(Boolean).join(' ');
  if (producer) kv.push(['producer', producer]);
  const d = info.details ?? {};
  if (typeof d.modelVersion === 'number') kv.push(['model version', String(d.modelVersion)]);
  if (info.opsets?.length) {
    const used = info.usedDomains ? new Set(info.usedDomains) : undefined;
    const opset = (o: { domain: string; version: number }) => {
      const name = canonicalDomain(o.domain);
      return `${name} ${o.version}${used && !used.has(name) ? ' (imported, no node uses it)' : ''}`;
    };
    kv.push(['opsets', info.opsets.map(opset).join(', ')]);
  }
  const rt = info.runtime ?? {};
  if (rt.tfliteMinRuntimeVersion) kv.push(['min runtime', `TFLite ${rt.tfliteMinRuntimeVersion}`]);
  if (rt.tensorrtVersion) kv.push(['TensorRT', rt.tensorrtVersion]);
  if (typeof d.docString === 'string' && d.docString) kv.push(['doc', oneLine(d.docString, 100)]);
  if (info.quantization) kv.push(['quantization', info.quantization]);
  const width = Math.max(...kv.map(([k]) => k.length));
  for (const [k, v] of kv) out.push(`  ${k.padEnd(width)}  ${v}`);

  const src = info.ioSource === 'header' ? '' : ` (from ${info.ioSource})`;
  out.push('', `Inputs (${info.inputs.length})${src}`, ...tensorRows(info.inputs));
  out.push('', `Outputs (${info.outputs.length})${src}`, ...tensorRows(info.outputs));

  const ops = operatorList(info);
  if (ops.length) {
    const total = ops.reduce((a, o) => a + o.count, 0);
    const top = ops.slice(0, 12);
    const names = top.map((o) => `${o.name} ×${o.count}`).join(', ');
    const more = ops.length > top.length ? `, … ${ops.length - top.length} more` : '';
    out.push('', `Operators: ${total} nodes, ${ops.length} types`, `  ${names}${more}`);
  }
  out.push('', `Custom ops: ${info.customOps.length ? info.customOps.join(', ') : 'none'}`);
  if (info.externalData.length) {
    out.push('External data (must ship with the model):');
    for (const e of info.externalData) {
      const bytes = e.declaredBytes === undefined ? '' : `, ${formatBytes(e.declaredBytes)} declared`;
      out.push(`  ${e.location}  (${e.tensors.length} tensor${e.tensors.length === 1 ? '' : 's'}${bytes})`);
    }
  } else out.push('External data: none');
  const meta = Object.entries(info.metadata);
  if (meta.length) {
    out.push('Metadata:');
    for (const [k, v] of meta) out.push(`  ${k} = ${oneLine(v, 100)}`);
  }
  if (info.preprocessingHints.length) {
    out.push('Preprocessing hints:');
    for (const h of info.preprocessingHints) {
      const parts = [
        h.colorSpace,
        h.layout,
        h.width !== undefined && h.height !== undefined ? `${h.width}×${h.height}` : undefined,
        h.valueRange ? `range ${h.valueRange[0]}..${h.valueRange[1]}` : undefined,
        h.mean ? `mean ${h.mean.join(',')}` : undefined,
        h.std ? `std ${h.std.join(',')}` : undefined,
      ].filter(Boolean);
      out.push(`  ${h.input ?? '(all image inputs)'}: ${parts.join(', ')}  [${h.source}]`);
    }
  }
  if (info.warnings.length) {
    out.push('', `Warnings (${info.warnings.length}):`);
    for (const w of info.warnings) out.push(`  - ${w.message}${w.hint ? ` ${w.hint}` : ''} [${w.code}]`);
  }
  if (info.unknowns?.length) {
    out.push('', 'Not in the file:');
    for (const u of info.unknowns) out.push(`  - ${u}`);
  }
  return out.join('\n') + '\n';
}

/** First line of a free-text field, cut to `max` characters. */
function oneLine(s: string, max: number): string {
  const line = s.split(/\r?\n/)[0] ?? '';
  const more = line.length > max || s.includes('\n');
  return more ? `${line.slice(0, max)}…` : line;
}
