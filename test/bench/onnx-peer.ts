/**
 * One measured operation in its own process (so /usr/bin/time's peak RSS is the operation's):
 *   tsx test/bench/onnx-peer.ts ort|decode FILE
 * Prints one JSON line: { ms, ... } where ms times the operation alone, not process startup.
 */
import { readFileSync } from 'node:fs';
import onnxPkg from 'onnx-proto';
import ort from 'onnxruntime-node';

const [mode, file] = process.argv.slice(2);
if (!file) throw new Error('usage: onnx-peer.ts ort|decode FILE');

const t0 = performance.now();
let facts: Record<string, unknown>;
if (mode === 'ort') {
  // What engineers do today to learn a model's inputs: create a session and read its metadata.
  const s = await ort.InferenceSession.create(file, { logSeverityLevel: 3 });
  facts = { inputs: s.inputMetadata.map((m) => m.name) };
  await s.release();
} else if (mode === 'decode') {
  const m = onnxPkg.onnx.ModelProto.decode(readFileSync(file));
  facts = { inputs: (m.graph?.input ?? []).map((v) => v.name), initializers: m.graph?.initializer?.length };
} else throw new Error(`unknown mode ${mode}`);
console.log(JSON.stringify({ ms: performance.now() - t0, ...facts }));
