import { basename, resolve } from 'node:path';
import { UsageError } from '../../errors.js';
import {
  isManifestDocumentError,
  loadManifest,
  MANIFEST_FILE,
  validateDocument,
  type ValidationReport,
} from '../../manifest/index.js';
import { validatePackage } from '../../package/index.js';
import { type Command, EXIT_INVALID, EXIT_OK, parseCommandArgs, printJson } from '../io.js';
import { countLine, renderFindings } from './manifest-report.js';

const usage = 'fleetpack validate DIR|MANIFEST [--schema-only] [--json]';

export const validateCommand: Command = {
  name: 'validate',
  usage,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(
      'validate',
      argv,
      { 'schema-only': { type: 'boolean' }, json: { type: 'boolean' } },
      usage,
    );
    if (positionals.length !== 1)
      throw new UsageError('BAD_ARGUMENTS', 'validate: expected exactly one DIR or MANIFEST', { hint: usage });
    const target = resolve(io.cwd, positionals[0]!);
    let report: ValidationReport;
    let path: string;
    try {
      const loaded = await loadManifest(target);
      path = loaded.path;
      report = values['schema-only']
        ? validateDocument(loaded.manifest)
        : await validatePackage(loaded.manifest, {
            dir: loaded.dir,
            checkUnlisted: basename(loaded.path) === MANIFEST_FILE,
            ...(io.signal ? { signal: io.signal } : {}),
          });
    } catch (e) {
      if (!isManifestDocumentError(e)) throw e;
      path = e.where?.replace(/:\d+:\d+$/, '') ?? target;
      report = {
        valid: false,
        errors: [{ pointer: '', message: e.message, hint: e.hint ?? '', code: e.code }],
        warnings: [],
      };
    }
    if (values.json) printJson(io, { ok: report.valid, manifest: path, ...report });
    else {
      io.stdout(
        [`${path}: ${report.valid ? 'valid' : 'INVALID'} (${countLine(report)})`, ...renderFindings(report)].join(
          '\n',
        ) + '\n',
      );
    }
    return report.valid ? EXIT_OK : EXIT_INVALID;
  },
};
