/**
 * Inputs for the UI tests, generated here (never downloaded): a small real ONNX model written
 * with onnx-proto, a file that is not a model, and a device inventory.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  T,
  encodeModel,
  fp16WeightsAsInputsModel,
  initializer,
  node,
  tensorType,
  valueInfo,
} from '../fixtures/onnx-models';

export const FIXTURES = join('test-results', 'e2e-fixtures');

/**
 * A tiny image classifier: images[batch,3,224,224] → Conv → scores[batch,10,?,?], opset 17.
 * `kernel` makes the weights bigger (10×3×kernel×kernel floats) for transfer tests.
 */
export function onnxModelBytes(kernel = 3): Buffer {
  return encodeModel({
    irVersion: 8,
    producerName: 'fleetpack-e2e',
    producerVersion: '1.0',
    opsetImport: [{ domain: '', version: 17 }],
    graph: {
      name: 'classifier',
      node: [node('Conv', ['images', 'conv.weight'], ['scores'], { name: 'conv0' })],
      initializer: [initializer('conv.weight', T.FLOAT, [10, 3, kernel, kernel])],
      input: [valueInfo('images', tensorType(T.FLOAT, ['batch', 3, 224, 224]))],
      output: [valueInfo('scores', tensorType(T.FLOAT, ['batch', 10, null, null]))],
    },
  });
}

export interface Fixtures {
  model: string;
  notAModel: string;
  inventory: string;
  metrics: string;
  badSbom: string;
}

export function writeFixtures(): Fixtures {
  mkdirSync(FIXTURES, { recursive: true });
  const f: Fixtures = {
    model: join(FIXTURES, 'classifier.onnx'),
    notAModel: join(FIXTURES, 'holiday-notes.onnx'),
    inventory: join(FIXTURES, 'fleet.csv'),
    metrics: join(FIXTURES, 'metrics.csv'),
    badSbom: join(FIXTURES, 'broken.cdx.json'),
  };
  writeFileSync(f.model, onnxModelBytes());
  writeFileSync(f.notAModel, 'These are my holiday notes, not a neural network.\n'.repeat(40));
  writeFileSync(
    f.metrics,
    'name,value,unit,dataset,split\ntop1_accuracy,0.761,,imagenet-1k,validation\nlatency_p50,12.5,ms,imagenet-1k,validation\n',
  );
  writeFileSync(f.inventory, inventoryCsv());
  // CycloneDX that breaks the schema twice and repeats a bom-ref.
  writeFileSync(
    f.badSbom,
    JSON.stringify({
      bomFormat: 'CycloneDX',
      specVersion: '1.6',
      version: 1,
      components: [
        { type: 'no-such-type', name: 'a', 'bom-ref': 'dup' },
        { type: 'library', 'bom-ref': 'dup' },
      ],
    }),
  );
  return f;
}

/** A small mixed fleet as CSV (the fleet domain's columns), with one broken row. */
export function inventoryCsv(): string {
  const rows = ['id,channel,profile,onnxruntime'];
  for (let i = 0; i < 6; i++) rows.push(`srv-${i},stable,x86-64-server,1.20.1`);
  for (let i = 0; i < 4; i++) rows.push(`pi-${i},stable,raspberrypi-5-8gb,1.16.3`);
  for (let i = 0; i < 3; i++) rows.push(`old-pi-${i},beta,raspberrypi-4-4gb,1.10.0`);
  for (let i = 0; i < 2; i++) rows.push(`orin-${i},beta,nvidia-jetson-orin-nano-8gb,`);
  rows.push('broken-row,stable,no-such-profile,1.20.1');
  return rows.join('\n') + '\n';
}

/**
 * A 40 MB model (over the host's 32 MiB threshold, so it is sent while the host already reads
 * it): float16 weights, all listed as graph inputs too (fp16WeightsAsInputsModel).
 */
export function writeBigModel(): string {
  mkdirSync(FIXTURES, { recursive: true });
  const path = join(FIXTURES, 'big-fp16.onnx');
  writeFileSync(path, fp16WeightsAsInputsModel(40));
  return path;
}

/** The same classifier with ~24 MB of weights (under the host's 32 MiB threshold: sent whole). */
export function writeBigClassifier(kernel = 447): string {
  mkdirSync(FIXTURES, { recursive: true });
  const path = join(FIXTURES, `classifier-big-${kernel}.onnx`);
  writeFileSync(path, onnxModelBytes(kernel));
  return path;
}
