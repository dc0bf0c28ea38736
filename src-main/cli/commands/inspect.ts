import { inspect } from '../../formats/index.js';
import { type Command, EXIT_OK, parseCommandArgs, printJson } from '../io.js';
import { UsageError } from '../../errors.js';
import { resolve } from 'node:path';

const usage = 'fleetpack inspect FILE [--io-from ONNX|config.pbtxt] [--json]';

export const inspectCommand: Command = {
  name: 'inspect',
  summary: 'Read a model header: format, inputs, outputs, runtime needs',
  usage,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs('inspect', argv, { 'io-from': { type: 'string' }, json: { type: 'boolean' } }, usage);
    if (positionals.length !== 1) throw new UsageError('BAD_ARGUMENTS', 'inspect: expected exactly one FILE', { hint: usage });
    const info = await inspect(resolve(io.cwd, positionals[0]!), {
      ...(values['io-from'] ? { ioFrom: resolve(io.cwd, values['io-from']) } : {}),
      ...(io.signal ? { signal: io.signal } : {}),
    });
    if (values.json) printJson(io, info);
    else io.stdout(JSON.stringify(info, null, 2) + '\n');
    return EXIT_OK;
  },
};
