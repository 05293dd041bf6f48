// After trunk and before compression (scripts/trunk-release.sh): makes the JS glue, and the names
// the wasm imports from it, small, then writes the new Subresource Integrity hashes into index.html.
// `make bench` prints what it saves on every run (7.7 KB gzip of the first load on 2026-12-02: the
// step stays while that is 5 KB or more).
// 1. The glue is minified with terser. trunk 0.21 cannot parse it to minify it (it warns and ships
//    it as is); minified, it is ~2 KB smaller once gzipped. Only whitespace and local names change:
//    the names the wasm imports by are property names, which terser keeps.
// 2. Those import names are shortened, in the wasm's import section and in the glue alike.
//    wasm-bindgen names each import like `__wbg_getItem_4f1baf9a00be3c74` under the module
//    `./frontend_bg.js`: ~180 names whose hashes compress badly, written twice (once per file).
//    Shortened (`_0`, `_1`, …, module `w`), the first load is ~5 KB smaller once gzipped. Only the
//    import section is rewritten here; the other sections stay as trunk's wasm-opt wrote them, byte
//    for byte.
//    Every name must occur exactly once in the glue, as the key the wasm imports it by; if trunk or
//    wasm-bindgen ever write it otherwise, this script stops with an error instead of guessing.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { customName, importDescription, leb, sections, uleb } from './wasm.mjs';

const require = createRequire(new URL('../e2e/package.json', import.meta.url));
const { minify } = require('terser');

const fail = (message) => {
  console.error(`minify-glue: ${message}`);
  process.exit(1);
};

const dist = process.argv[2] ?? 'frontend/dist';
const glue = readdirSync(dist).filter((name) => /^[a-z0-9_-]+-[0-9a-f]{1,16}\.js$/.test(name));
if (glue.length !== 1) fail(`expected one <crate>-<hash>.js in ${dist}, found ${glue.length}`);
const gluePath = join(dist, glue[0]);
const wasmPath = gluePath.replace(/\.js$/, '_bg.wasm');
const source = readFileSync(gluePath, 'utf8');
const wasm = readFileSync(wasmPath);
if (wasm.readUInt32LE(0) !== 0x6d736100) fail(`${wasmPath} is not a wasm module`);
// Shipped without its function names: trunk's wasm-opt strips them unless told otherwise (`-g`).
if (sections(wasm).some((s) => s.id === 0 && customName(wasm, s) === 'name')) {
  fail(`${wasmPath} still has its names section; remove -g from data-wasm-opt-params`);
}

// --- The wasm's import section, with every import renamed.
const name = (text) => [...leb(Buffer.byteLength(text)), ...Buffer.from(text)];
const renamed = new Map(); // old field name → new
let oldModule;
const NEW_MODULE = 'w';
const parts = [wasm.subarray(0, 8)];
for (const section of sections(wasm)) {
  if (section.id !== 2) {
    parts.push(wasm.subarray(section.at, section.end));
    continue;
  }
  const body = wasm.subarray(section.start, section.end);
  let [count, p] = uleb(body, 0);
  const out = [...leb(count)];
  for (let i = 0; i < count; i++) {
    const [moduleLength, moduleStart] = uleb(body, p);
    const module = body.subarray(moduleStart, moduleStart + moduleLength).toString();
    const [fieldLength, fieldStart] = uleb(body, moduleStart + moduleLength);
    const field = body.subarray(fieldStart, fieldStart + fieldLength).toString();
    const descStart = fieldStart + fieldLength;
    const descEnd = importDescription(body, descStart, (message) => fail(`${message} in ${wasmPath}`)).end;
    oldModule ??= module;
    if (module !== oldModule) fail(`imports from two modules (${oldModule}, ${module}); expected only the glue`);
    if (renamed.has(field)) fail(`${field} is imported twice`);
    renamed.set(field, `_${renamed.size.toString(36)}`);
    out.push(...name(NEW_MODULE), ...name(renamed.get(field)), ...body.subarray(descStart, descEnd));
    p = descEnd;
  }
  if (p !== body.length) fail(`the import section of ${wasmPath} has ${body.length - p} bytes after its imports`);
  parts.push(Buffer.from([2, ...leb(out.length), ...out]));
}
if (!oldModule) fail(`${wasmPath} imports nothing; expected wasm-bindgen's imports`);
const shortWasm = Buffer.concat(parts);
const imported = WebAssembly.Module.imports(new WebAssembly.Module(shortWasm));
if (imported.length !== renamed.size || imported.some((i) => i.module !== NEW_MODULE)) {
  fail('the rewritten wasm does not import what was renamed');
}

// --- The glue: minified, then the same names.
let { code } = await minify(source, { module: true, compress: true, mangle: true, format: { comments: false } });
const escape = (text) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
/** Replaces the one occurrence of `from` (as a whole name or a quoted key) with `to`. */
function replaceOnce(from, to, pattern) {
  const matches = code.match(new RegExp(pattern, 'g')) ?? [];
  if (matches.length !== 1) fail(`expected ${from} once in the minified glue, found it ${matches.length} times`);
  code = code.replace(new RegExp(pattern), to);
}
replaceOnce(oldModule, `"${NEW_MODULE}"`, `["']${escape(oldModule)}["']`);
for (const [from, to] of renamed) {
  replaceOnce(from, to, `(?<![\\w$])${escape(from)}(?![\\w$])`);
}
writeFileSync(gluePath, code);
writeFileSync(wasmPath, shortWasm);

// --- The page pins both files with integrity hashes of the bytes trunk wrote: replace them. The
// attribute is quoted or not, as trunk's HTML minifier leaves it; the hash itself occurs once.
const sri = (bytes) => `sha384-${createHash('sha384').update(bytes).digest('base64')}`;
const page = join(dist, 'index.html');
let html = readFileSync(page, 'utf8');
for (const [before, after, file] of [[source, code, glue[0]], [wasm, shortWasm, `${glue[0]} (wasm)`]]) {
  const pinned = new RegExp(`integrity=(["']?)${escape(sri(before))}\\1(?=[\\s>])`, 'g');
  const found = html.match(pinned)?.length ?? 0;
  if (found !== 1) fail(`index.html has ${found} integrity=${sri(before)} for ${file}, not one; trunk's output changed`);
  html = html.replace(pinned, (_, quote) => `integrity=${quote}${sri(after)}${quote}`);
}
writeFileSync(page, html);
console.log(
  `minified ${glue[0]}: ${(source.length / 1024).toFixed(0)} KB → ${(code.length / 1024).toFixed(0)} KB;`,
  `${renamed.size} import names shortened, wasm ${(wasm.length / 1024).toFixed(0)} KB → ${(shortWasm.length / 1024).toFixed(0)} KB`,
);
