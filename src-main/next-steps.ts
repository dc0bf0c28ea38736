/**
 * What the user can do about a problem, named once and worded per surface. The domain decides
 * when a step applies (the rule) and names it by code; this table only words it: the CLI as a
 * command to run, the Studio as what to do in the Studio. So neither surface repeats the rule, and
 * the Studio never tells its user to run `fleetpack init --metrics`.
 */
type Words = (arg: string) => string;

const STEPS = {
  /** A required field is missing (arg: the field). */
  ADD_REQUIRED_FIELD: {
    cli: (f) =>
      f === 'name' || f === 'version'
        ? `Add "${f}" (\`fleetpack init --${f}\` fills it).`
        : 'Run `fleetpack init MODEL` to prefill it from the model, or add it by hand.',
    studio: (f) =>
      f === 'name' || f === 'version'
        ? `Fill in ${f} in the Manifest step.`
        : 'Open the model again in the Model step: the Studio fills it in from the model.',
  },
  /** Facts a model's header gives are missing from the manifest. */
  FILL_FROM_MODEL: {
    cli: () => 'Run `fleetpack init MODEL` to prefill it from the model header.',
    studio: () => 'Open the model again in the Model step: the Studio fills it in from the model header.',
  },
  /** The manifest has no inputs (a TensorRT engine needs its companion). */
  LIST_INPUTS: {
    cli: () => 'List the model inputs (for a TensorRT engine: `fleetpack init --io-from model.onnx`).',
    studio: () =>
      'For a TensorRT engine, add the ONNX model it was built from or its Triton config.pbtxt in the Model step.',
  },
  /** A TensorRT engine's inputs and outputs come from a companion file. */
  ADD_IO_COMPANION: {
    cli: () =>
      'Pass the source ONNX model or the Triton config.pbtxt: fleetpack inspect model.engine --io-from model.onnx (or --io-from config.pbtxt).',
    studio: () => 'Add the ONNX model it was built from, or its Triton config.pbtxt, to fill them in.',
  },
  IMPORT_METRICS: {
    cli: () =>
      'Import them with `fleetpack init --metrics results.json|csv|README.md` so reviewers can compare releases.',
    studio: () =>
      'Add them in the Metrics section below, or import a JSON, CSV or model card file, so reviewers can compare releases.',
  },
  CHOOSE_TARGET: {
    cli: () => 'Name the hardware profile(s) the model is built for, e.g. --target nvidia-jetson-orin-nx-16gb.',
    studio: () => 'Choose the hardware profile(s) the model is built for under Target hardware below.',
  },
  /** A field the engineer still has to fill in. */
  FILL_IN: {
    cli: () => 'Fill it in; it is listed in "todo" by prefill.',
    studio: () => 'Fill it in here: it could not be read from the model.',
  },
  /** Values guessed from the model's shape await a person's confirmation. */
  CONFIRM_GUESSES: {
    cli: () => 'Check the guessed fields, then empty "guessed".',
    studio: () => 'Check the guessed values, then press "Confirm guessed values".',
  },
  /** The manifest does not match the model (arg: the manifest list, e.g. "inputs"). */
  COPY_FROM_MODEL: {
    cli: (list) => `Add it to ${list}, as \`fleetpack inspect\` shows it.`,
    studio: (list) => `The manifest's ${list} must match the model: build the package again from the model.`,
  },
  COPY_OPSETS: {
    cli: () => 'Copy the opsets from the model (`fleetpack inspect`).',
    studio: () => "The manifest's opsets must match the model: build the package again from the model.",
  },
  /** An artifact file changed after its manifest was written. */
  REMAKE_MANIFEST: {
    cli: () => 'The file changed after the manifest was written: re-run `fleetpack init`, or restore the file.',
    studio: () =>
      'The file changed after the manifest was written: build the package again from it (Build a package), or restore the file.',
  },
  ATTACH_SBOM_AGAIN: {
    cli: () => 'Attach it again with `fleetpack sbom attach`.',
    studio: () => 'Attach it again in the SBOM step (Build a package).',
  },
  /** The manifest lacks framework.onnx, so a device's ONNX Runtime cannot be checked. */
  REREAD_ONNX: {
    cli: () => 'Re-run `fleetpack init` on the model so framework.onnx (irVersion, opsets) is filled from its header.',
    studio: () => 'Open the model again in the Model step so its IR version and opsets are read from its header.',
  },
  /** A device row whose facts cannot be read. */
  FIX_INVENTORY_ROW: {
    cli: () => 'Correct the device row in the inventory (`fleetpack compat` lists each such row by line and field).',
    studio: () => 'Correct the device row in the inventory (listed above by line and field), then load it again.',
  },
  /** An SBOM that does not name the model's digest. */
  GENERATE_SBOM: {
    cli: () => 'generate one with `fleetpack sbom generate`',
    studio: () => 'generate one in the SBOM step',
  },
  SIGN_AGAIN: {
    cli: () => 'sign the package again (fleetpack sign)',
    studio: () => 'sign the package again in the Sign step',
  },
} satisfies Record<string, { cli: Words; studio: Words }>;

export type NextStepCode = keyof typeof STEPS;

/** A step the domain names; `arg` is what it is about (a field, a list). */
export interface NextStep {
  code: NextStepCode;
  arg?: string;
}

export function nextStep(code: NextStepCode, arg?: string): NextStep {
  return arg === undefined ? { code } : { code, arg };
}

/** The step as the CLI says it (a command to run). */
export function cliWords(s: NextStep): string {
  return STEPS[s.code].cli(s.arg ?? '');
}

/** The step as the Studio says it (what to do in the Studio). */
export function studioWords(s: NextStep): string {
  return STEPS[s.code].studio(s.arg ?? '');
}
