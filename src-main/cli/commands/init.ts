import { UsageError } from '../../errors.js';

import { type Command, EXIT_INVALID, EXIT_OK, formatBytes, parseCommandArgs, printJson } from '../io.js';
import { countLine, renderFindings } from './manifest-report.js';
import { initPackage } from '../../package/index.js';

const usage =
  'fleetpack init MODEL [--out DIR] [--name N] [--version V] [--license EXPR] [--target PROFILE]... [--channel C] [--description TEXT] [--metrics FILE] [--io-from ONNX|config.pbtxt] [--force] [--json]';

export const initCommand: Command = {
  name: 'init',
  usage,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(
      'init',
      argv,
      {
        out: { type: 'string' },
        name: { type: 'string' },
        version: { type: 'string' },
        license: { type: 'string' },
        target: { type: 'string', multiple: true },
        channel: { type: 'string' },
        description: { type: 'string' },
        metrics: { type: 'string' },
        'io-from': { type: 'string' },
        force: { type: 'boolean' },
        json: { type: 'boolean' },
      },
      usage,
    );
    if (positionals.length !== 1)
      throw new UsageError('BAD_ARGUMENTS', 'init: expected exactly one MODEL file', { hint: usage });
    const targets = (values.target ?? [])
      .flatMap((t) => t.split(','))
      .map((t) => t.trim())
      .filter(Boolean);
    const r = await initPackage(positionals[0]!, {
      cwd: io.cwd,
      ...(values.out !== undefined ? { out: values.out } : {}),
      ...(values.name !== undefined ? { name: values.name } : {}),
      ...(values.version !== undefined ? { version: values.version } : {}),
      ...(values.license !== undefined ? { license: values.license } : {}),
      ...(values.channel !== undefined ? { channel: values.channel } : {}),
      ...(values.description !== undefined ? { description: values.description } : {}),
      ...(values.metrics !== undefined ? { metrics: values.metrics } : {}),
      ...(values['io-from'] !== undefined ? { ioFrom: values['io-from'] } : {}),
      ...(targets.length ? { targets } : {}),
      force: values.force ?? false,
      ...(io.signal ? { signal: io.signal } : {}),
    });
    const code = r.report.valid ? EXIT_OK : EXIT_INVALID;
    if (values.json) {
      printJson(io, {
        ok: r.report.valid,
        dir: r.dir,
        manifest: r.manifest,
        todo: r.manifest.todo ?? [],
        errors: r.report.errors,
        warnings: r.report.warnings,
        notes: r.notes,
      });
      return code;
    }
    const files = r.manifest.artifact.files;
    const total = files.reduce((s, f) => s + f.size, 0);
    const lines = [
      `Created ${r.dir}`,
      `  ${r.manifest.name} ${r.manifest.version}: ${r.manifest.framework.format} model ${r.manifest.artifact.file}` +
        `${files.length > 1 ? ` + ${files.length - 1} file(s)` : ''}, ${formatBytes(total)}`,
      ...r.notes.map((n) => `  note: ${n}`),
    ];
    if (r.report.errors.length || r.report.warnings.length) {
      lines.push('', `Still to do (${countLine(r.report)}):`, ...renderFindings(r.report));
      lines.push('', 'Edit fleetpack.json, then run `fleetpack validate` on the folder.');
    } else lines.push('', 'The manifest is complete.');
    io.stdout(lines.join('\n') + '\n');
    return code;
  },
};
