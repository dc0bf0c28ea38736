import { ManifestError } from '../errors.js';
import type { Unchecked } from '../unchecked.js';
import type { ArtifactFile, Manifest } from './types.js';

const FORMATS: readonly string[] = ['onnx', 'tflite', 'tensorrt'];

/**
 * Throws MANIFEST_INCOMPLETE unless a manifest read as found (not validated) has the parts every
 * reader relies on: framework.format, artifact.files, inputs and outputs. Call it before treating
 * such a manifest as a `Manifest`; a field that is wrong but present is validation's business.
 */
export function assertManifestShape(m: Unchecked<Manifest>, where = 'fleetpack.json'): asserts m is Manifest {
  const missing = (pointer: string, what: string): never => {
    throw new ManifestError('MANIFEST_INCOMPLETE', `The manifest's ${what}`, {
      where: `${where} ${pointer}`,
      hint: 'Run `fleetpack validate` on the package and fix the manifest.',
    });
  };
  const format: unknown = m.framework?.format;
  if (typeof format !== 'string' || !FORMATS.includes(format))
    missing(
      '/framework/format',
      `framework.format is ${JSON.stringify(format ?? null)}; expected onnx, tflite or tensorrt`,
    );
  if (!Array.isArray(m.artifact?.files)) missing('/artifact/files', 'artifact.files is missing');
  if (!Array.isArray(m.inputs)) missing('/inputs', 'inputs are missing');
  if (!Array.isArray(m.outputs)) missing('/outputs', 'outputs are missing');
}

/**
 * The entry of `artifact.files` for the model file (`artifact.file`), or undefined when the
 * manifest does not list it. Takes a manifest that may not be valid: packages are read as found.
 */
export function modelFileEntry(m: Unchecked<Manifest>): Unchecked<ArtifactFile> | undefined {
  const artifact = m.artifact;
  return artifact?.files?.find((f): f is Unchecked<ArtifactFile> => f?.path === artifact.file);
}
