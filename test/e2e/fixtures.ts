/**
 * Inputs for the UI tests, generated here (never downloaded): a small real ONNX model written
 * with onnx-proto, a file that is not a model, and a device inventory.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

export const FIXTURES = join('test-results', 'e2e-fixtures');

function tensorType(elemType: number, dims: (number | string | null)[]) {
  return {
    tensorType: {
      elemType,
      shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : typeof d === 'string' ? { dimParam: d } : {})) },
    },
  };
}

/** A tiny image classifier: images[batch,3,224,224] → Conv → scores[batch,10,?,?], opset 17. */
export function onnxModelBytes(): Buffer {
  const FLOAT = onnx.TensorProto.DataType.FLOAT;
  const weights = new Float32Array(10 * 3 * 3 * 3).map((_, i) => (i % 7) / 10);
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'fleetpack-e2e',
    producerVersion: '1.0',
    modelVersion: 1,
    opsetImport: [{ domain: '', version: 17 }],
    graph: {
      name: 'classifier',
      node: [{ opType: 'Conv', input: ['images', 'conv.weight'], output: ['scores'], name: 'conv0' }],
      initializer: [{ name: 'conv.weight', dataType: FLOAT, dims: [10, 3, 3, 3], rawData: new Uint8Array(weights.buffer) }],
      input: [{ name: 'images', type: tensorType(FLOAT, ['batch', 3, 224, 224]) }],
      output: [{ name: 'scores', type: tensorType(FLOAT, ['batch', 10, null, null]) }],
    },
  });
  return Buffer.from(onnx.ModelProto.encode(model).finish());
}

export interface Fixtures {
  model: string;
  notAModel: string;
  inventory: string;
  metrics: string;
}

export function writeFixtures(): Fixtures {
  mkdirSync(FIXTURES, { recursive: true });
  const f: Fixtures = {
    model: join(FIXTURES, 'classifier.onnx'),
    notAModel: join(FIXTURES, 'holiday-notes.onnx'),
    inventory: join(FIXTURES, 'fleet.json'),
    metrics: join(FIXTURES, 'metrics.csv'),
  };
  writeFileSync(f.model, onnxModelBytes());
  writeFileSync(f.notAModel, 'These are my holiday notes, not a neural network.\n'.repeat(40));
  writeFileSync(f.metrics, 'name,value,unit,dataset,split\ntop1_accuracy,0.761,,imagenet-1k,validation\nlatency_p50,12.5,ms,imagenet-1k,validation\n');
  writeFileSync(f.inventory, JSON.stringify(inventoryDevices(), null, 2));
  return f;
}

/** A small mixed fleet (shape follows the fleet domain's inventory import). */
export function inventoryDevices(): unknown[] {
  const devices: unknown[] = [];
  const add = (n: number, profile: string, channel: string) => {
    for (let i = 0; i < n; i++) devices.push({ id: `${profile}-${i}`, channel, profile });
  };
  add(6, 'x86-64-cpu-server', 'stable');
  add(4, 'raspberry-pi-5', 'stable');
  add(3, 'nvidia-jetson-orin-nano', 'beta');
  add(2, 'coral-edgetpu-usb', 'stable');
  return devices;
}
