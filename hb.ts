import { hashFiles } from './src-main/signing/digest.js';
import { statSync } from 'node:fs';
const files = process.argv.slice(2).map((p) => ({ name: p, path: p, size: statSync(p).size }));
const t = performance.now();
const r = await hashFiles(files, { chunkSize: Number(process.env.CHUNK ?? 4194304) });
console.log(Math.round(performance.now() - t), 'ms', r.map((x) => x.digest.slice(0, 8)).join(' '));
