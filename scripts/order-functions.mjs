// Used by minify-glue.mjs, after trunk: puts the wasm's functions in an order that gzip and brotli
// compress better, and strips their names.
// Deflate (gzip) finds repeats only within the last 32 KB. The linker writes functions in whatever
// order they came out of the compiler, so similar ones sit far apart. This order puts them side by
// side:
//   1. drop glue (`drop_in_place<…>`) first, then closures and async bodies (`{{closure}}`), then
//      everything else;
//   2. within each kind, by crate (`yew`, `core`, `frontend`, …);
//   3. within each crate, by size.
// Measured on this app, against the compiler's order:
//   - the zopfli gzip copy is ~3 KB smaller;
//   - sorting by full name (binaryen's `--reorder-functions-by-name` alone) saves ~1.4 KB.
// The functions themselves do not change. binaryen reorders them and renumbers every reference to
// them (calls, the table, exports), by the names this script gives them.
// trunk's wasm-opt must keep the names (`-g`, and no `--strip-debug`, in index.html's
// `data-wasm-opt-params`), because the order is read from them. This step strips them; the script
// stops if there are none to read.
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { customName, importDescription, leb, sections, uleb } from './wasm.mjs';

const require = createRequire(new URL('../e2e/package.json', import.meta.url));
const wasmOpt = join(require.resolve('binaryen/package.json'), '..', 'bin', 'wasm-opt');

/** The wasm features trunk's wasm-opt is given (`data-wasm-opt-params` in index.html). */
const FEATURES = [
  '--enable-bulk-memory', '--enable-nontrapping-float-to-int', '--enable-sign-ext', '--enable-reference-types',
  '--enable-multivalue', '--enable-mutable-globals',
];

/** How many functions the module imports: they come before its own in the index space. */
function importedFunctions(wasm, section, fail) {
  let [count, at] = uleb(wasm, section.start);
  let functions = 0;
  while (count--) {
    for (let name = 0; name < 2; name++) { // module, field
      const [length, start] = uleb(wasm, at);
      at = start + length;
    }
    const { kind, end } = importDescription(wasm, at, fail);
    if (kind === 0) functions++;
    at = end;
  }
  return functions;
}

/** Sort key of a function, from its (demangled) name and its size in bytes. */
function key(name, size) {
  const kind = name.includes('drop_in_place') ? 0 : name.includes('{{closure}}') ? 1 : 2;
  const crate = name.replace(/^[<&]+/, '').split('::')[0].replace(/\[[0-9a-f]+\]$/, '');
  return [kind, crate, size];
}

/**
 * Returns `wasm` with its functions in the order above and no name section. `fail(message)` is
 * called (and must not return) when the module has no function names to order by.
 */
export function orderFunctions(wasm, fail) {
  const all = sections(wasm);
  const importSection = all.find((s) => s.id === 2);
  const imported = importSection ? importedFunctions(wasm, importSection, fail) : 0;
  const code = all.find((s) => s.id === 10);
  const names = all.find((s) => s.id === 0 && customName(wasm, s) === 'name');
  if (!code || !names) fail("the wasm has no function names to order by (index.html must give trunk's wasm-opt -g, and no --strip-debug)");

  const sizes = [];
  for (let [count, at] = uleb(wasm, code.start); count--;) {
    const [size, start] = uleb(wasm, at);
    sizes.push(size);
    at = start + size;
  }
  const nameOf = new Array(sizes.length).fill('');
  let at = uleb(wasm, names.start);
  at = at[1] + at[0];
  while (at < names.end) {
    const id = wasm[at];
    const [size, start] = uleb(wasm, at + 1);
    if (id === 1) { // function names: (index, name) pairs
      let [count, p] = uleb(wasm, start);
      while (count--) {
        const [index, q] = uleb(wasm, p);
        const [length, text] = uleb(wasm, q);
        if (index >= imported) nameOf[index - imported] = wasm.subarray(text, text + length).toString();
        p = text + length;
      }
    }
    at = start + size;
  }

  const keys = sizes.map((size, f) => key(nameOf[f], size));
  const order = sizes.map((_, f) => f).sort((a, b) => {
    const [x, y] = [keys[a], keys[b]];
    return x[0] - y[0] || (x[1] < y[1] ? -1 : x[1] > y[1] ? 1 : 0) || x[2] - y[2] || a - b;
  });
  // New names: the rank, zero-padded, so binaryen's sort by name is this order.
  const width = String(order.length).length;
  const entries = [...leb(order.length)];
  const rank = new Array(order.length);
  order.forEach((f, r) => { rank[f] = r; });
  for (let f = 0; f < order.length; f++) {
    const text = Buffer.from(`f${String(rank[f]).padStart(width, '0')}`);
    entries.push(...leb(imported + f), ...leb(text.length), ...text);
  }
  const payload = [...leb(4), ...Buffer.from('name'), 1, ...leb(entries.length), ...entries];
  const parts = [wasm.subarray(0, 8)];
  for (const s of all) if (s !== names) parts.push(wasm.subarray(s.at, s.end));
  parts.push(Buffer.from([0, ...leb(payload.length), ...payload]));

  const dir = mkdtempSync(join(tmpdir(), 'order-functions-'));
  try {
    const [input, output] = [join(dir, 'in.wasm'), join(dir, 'out.wasm')];
    writeFileSync(input, Buffer.concat(parts));
    // -ol 2 -s 2: no optimisation passes, but the size-optimised encoding -Oz wrote (without them,
    // binaryen writes each function back a few bytes longer). The features are index.html's, no
    // more: with all of binaryen's, it would write the imports in an encoding browsers do not read.
    execFileSync(wasmOpt, [
      '-ol', '2', '-s', '2', '--reorder-functions-by-name', '--strip-debug', ...FEATURES, '-o', output, input,
    ], { stdio: ['ignore', 'ignore', 'inherit'] });
    const ordered = readFileSync(output);
    if (sections(ordered).some((s) => s.id === 0 && customName(ordered, s) === 'name')) fail('the names were not stripped');
    return ordered;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
