// `make build`, after trunk: writes `<file>.br` (brotli, quality 11) and `<file>.gz` next to every
// asset of frontend/dist, so the backend's --spa-port serves them precompressed (no compression work
// per request). index.html is left alone: the backend fills a fresh CSP nonce into it on every
// response. auth_config.json is left alone too: a deployment edits it by hand (README,
// "Configuration"), and a copy compressed now would be its build-time text (the backend also refuses
// a compressed copy older than its file, but a copy that is never made cannot go stale).
// The gzip copies come from zopfli (npm `@gfx/zopfli`, pinned): the same gzip format every browser
// reads, ~5 % smaller than gzip -9 because zopfli spends seconds, once, searching for a better
// encoding. Each copy is decompressed again and compared with the file before it is written.
import { readdirSync, readFileSync, writeFileSync, statSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { brotliCompressSync, constants, gunzipSync } from 'node:zlib';

const require = createRequire(new URL('../e2e/package.json', import.meta.url));
const { gzipAsync } = require('@gfx/zopfli');

const dist = process.argv[2] ?? 'frontend/dist';
let raw = 0; let br = 0; let gz = 0;
const UNCOMPRESSED = new Set(['index.html', 'auth_config.json']);
for (const name of UNCOMPRESSED) for (const suffix of ['.br', '.gz']) rmSync(join(dist, name + suffix), { force: true });
for (const name of readdirSync(dist)) {
  if (UNCOMPRESSED.has(name) || /\.(br|gz)$/.test(name)) continue;
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
