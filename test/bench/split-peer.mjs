// The peer of the compat bench: one plain `split` pass over an inventory file in Node — the file
// streamed in 1 MiB chunks, split into lines, each line split on commas. Prints the cell count.
import { createReadStream } from 'node:fs';

const file = process.argv[2];
if (!file) throw new Error('usage: node test/bench/split-peer.mjs FILE');
let cells = 0;
let carry = '';
for await (const chunk of createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 20 })) {
  const lines = (carry + String(chunk)).split('\n');
  carry = lines.pop() ?? '';
  for (const line of lines) cells += line.split(',').length;
}
console.log(cells);
