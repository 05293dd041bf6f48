// `make build`, after trunk: writes `<file>.br` (brotli, quality 11) and `<file>.gz` next to every
// asset of frontend/dist, so the backend's --spa-port serves them precompressed (no compression work
// per request). index.html is left alone: the backend fills a fresh CSP nonce into it on every
// response.
// The gzip copies come from zopfli (npm `@gfx/zopfli`, pinned): the same gzip format every browser
// reads, ~5 % smaller than gzip -9 because zopfli spends seconds, once, searching for a better
// encoding. Each copy is decompressed again and compared with the file before it is written.
import { readdirSync, readFileSync, writeFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { brotliCompressSync, constants, gunzipSync } from 'node:zlib';

const require = createRequire(new URL('../e2e/package.json', import.meta.url));
const { gzipAsync } = require('@gfx/zopfli');

const dist = process.argv[2] ?? 'frontend/dist';
let raw = 0; let br = 0; let gz = 0;
for (const name of readdirSync(dist)) {
  if (name === 'index.html' || /\.(br|gz)$/.test(name)) continue;
  const path = join(dist, name);
  if (!statSync(path).isFile()) continue;
  const bytes = readFileSync(path);
  const brotli = brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length } });
  const gzip = Buffer.from(await gzipAsync(bytes, { numiterations: 15 }));
  if (!gunzipSync(gzip).equals(bytes)) {
    console.error(`compress: the gzip copy of ${name} does not decompress to the file`);
    process.exit(1);
  }
  writeFileSync(`${path}.br`, brotli);
  writeFileSync(`${path}.gz`, gzip);
  raw += bytes.length; br += brotli.length; gz += gzip.length;
}
console.log(`compressed ${dist}: ${(raw / 1024).toFixed(0)} KB → brotli ${(br / 1024).toFixed(0)} KB, gzip ${(gz / 1024).toFixed(0)} KB`);
