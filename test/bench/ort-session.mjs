// The peer of `fleetpack inspect` in the cli bench: what engineers do today to read a model's
// inputs — create an onnxruntime-node session and read its metadata. A plain Node script (no
// TypeScript loader), so the whole process is compared with the whole `fleetpack` process.
import ort from 'onnxruntime-node';

const file = process.argv[2];
if (!file) throw new Error('usage: node test/bench/ort-session.mjs MODEL.onnx');
const session = await ort.InferenceSession.create(file, { logSeverityLevel: 3 });
console.log(JSON.stringify({ inputs: session.inputNames, outputs: session.outputNames }));
await session.release();
