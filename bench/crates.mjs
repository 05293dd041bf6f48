// Where a wasm's bytes go, by crate: `make bench`'s answer to "what does the app add to its
// reference". Reads a module that still has its function names (the bench builds one with
// wasm-opt's `-g`, otherwise as the release build) and prints JSON: the bytes of the function bodies
// each crate's names claim, plus `data` (the data segments: strings and tables) and `other`.
//   node bench/crates.mjs <module.wasm>
// A function is the crate named first in its name (`<yew::… as core::…>` is yew's), so generic code
// instantiated for the app's types counts where it was written; the drop glue of the app's types
// (`core::ptr::drop_in_place<frontend::…>`) counts as the app's.
import { readFileSync } from 'node:fs';
import { customName, importDescription, sections, uleb } from '../scripts/wasm.mjs';

const wasm = readFileSync(process.argv[2]);
const fail = (message) => { console.error(`crates: ${message}`); process.exit(1); };
const all = sections(wasm);

let imported = 0;
const importSection = all.find((s) => s.id === 2);
if (importSection) {
  let [count, p] = uleb(wasm, importSection.start);
  for (let i = 0; i < count; i += 1) {
    const [moduleLength, moduleStart] = uleb(wasm, p);
    const [fieldLength, fieldStart] = uleb(wasm, moduleStart + moduleLength);
    const description = importDescription(wasm, fieldStart + fieldLength, fail);
    if (description.kind === 0) imported += 1;
    p = description.end;
  }
}

const names = new Map();
const nameSection = all.find((s) => s.id === 0 && customName(wasm, s) === 'name') ?? fail('no name section: build with -g');
let [length, p] = uleb(wasm, nameSection.start);
p += length;
while (p < nameSection.end) {
  const id = wasm[p];
  const [size, start] = uleb(wasm, p + 1);
  if (id === 1) {
    let [count, q] = uleb(wasm, start);
    for (let i = 0; i < count; i += 1) {
      const [index, afterIndex] = uleb(wasm, q);
      const [nameLength, nameStart] = uleb(wasm, afterIndex);
      names.set(index, wasm.subarray(nameStart, nameStart + nameLength).toString());
      q = nameStart + nameLength;
    }
  }
  p = start + size;
}

const crateOf = (name) => {
  if (/^core::ptr::drop_in_place<frontend::/.test(name)) return 'frontend';
  const found = /([a-z_][a-z0-9_]*)(?:\[[0-9a-f]+\])?::/.exec(name);
  return found ? found[1] : 'other';
};
const bytes = {};
const add = (crate, n) => { bytes[crate] = (bytes[crate] ?? 0) + n; };
const code = all.find((s) => s.id === 10) ?? fail('no code section');
let [count, q] = uleb(wasm, code.start);
for (let i = 0; i < count; i += 1) {
  const [size, bodyStart] = uleb(wasm, q);
  add(crateOf(names.get(imported + i) ?? ''), bodyStart + size - q);
  q = bodyStart + size;
}
const data = all.find((s) => s.id === 11);
if (data) add('data', data.end - data.start);
console.log(JSON.stringify(bytes));
