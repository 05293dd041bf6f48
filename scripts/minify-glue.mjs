// After trunk and before compression (scripts/trunk-release.sh): minifies wasm-bindgen's JS glue
// with terser, and writes the new Subresource Integrity hash into index.html's modulepreload.
// trunk 0.21 cannot parse the glue to minify it (it warns and ships it as is); minified, it is
// ~2 KB smaller once gzipped.
// Only whitespace and local names change: the names the wasm imports by are property strings, which
// terser keeps.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';

const require = createRequire(new URL('../e2e/package.json', import.meta.url));
const { minify } = require('terser');

const dist = process.argv[2] ?? 'frontend/dist';
const glue = readdirSync(dist).filter((name) => /^[a-z0-9_-]+-[0-9a-f]{16}\.js$/.test(name));
if (glue.length !== 1) {
  console.error(`minify-glue: expected one <crate>-<hash>.js in ${dist}, found ${glue.length}`);
  process.exit(1);
}
const path = join(dist, glue[0]);
const source = readFileSync(path, 'utf8');
const { code } = await minify(source, { module: true, compress: true, mangle: true, format: { comments: false } });
writeFileSync(path, code);

// The page preloads the glue with an integrity hash of the bytes trunk wrote: replace it.
const sri = (text) => `sha384-${createHash('sha384').update(text).digest('base64')}`;
const page = join(dist, 'index.html');
const html = readFileSync(page, 'utf8');
const before = sri(source);
if (!html.includes(`integrity="${before}"`)) {
  console.error(`minify-glue: index.html has no integrity="${before}" for ${glue[0]}; trunk's output changed`);
  process.exit(1);
}
writeFileSync(page, html.replace(`integrity="${before}"`, `integrity="${sri(code)}"`));
console.log(`minified ${glue[0]}: ${(source.length / 1024).toFixed(0)} KB → ${(code.length / 1024).toFixed(0)} KB`);
