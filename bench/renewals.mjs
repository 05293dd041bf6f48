// `make bench`: each renewal path of the app beside its like in the bare-JavaScript floor, and
// Firefox beside Chromium, from the figures of this same run.
//   node bench/renewals.mjs <browser figures (e2e/bench/browser.mjs's output)> <floor results JSON or "">
// The floor (../shared/bench-floor) reports n, min, median and max per path, no p95: so our p50 is
// held to its median (target ≤ 1.0×) and our p95 to 1.5× its median. A step of ours whose p50 alone
// exceeds the floor's whole path is named.
import { readFileSync } from 'node:fs';

const [browserFile, floorFile] = process.argv.slice(2);
const browser = readFileSync(browserFile, 'utf8');
let floor = {};
try { floor = floorFile ? JSON.parse(readFileSync(floorFile, 'utf8')) : {}; } catch { floor = {}; }

/** Each path, and the floor's figure for the same round trips. */
const PATHS = [
  ['refresh token', 'refreshDpopMs', 'a DPoP-bound refresh-token POST, ID token verified'],
  ['code + PKCE frame', 'codeFrameDpopMs', 'the code + PKCE frame with a bound exchange'],
  ['implicit frame', 'silentRenewMs', 'the implicit frame round trip'],
];
const esc = (s) => s.replace(/[+]/g, '\\+');
const latency = (path, engine) => {
  const m = new RegExp(`^renewal latency, ${esc(path)}, ${engine}: p50 (\\d+) ms, p95 (\\d+) ms`, 'm').exec(browser);
  return m ? { p50: Number(m[1]), p95: Number(m[2]) } : undefined;
};
const steps = (path, engine) => {
  const m = new RegExp(`^where it goes \\(p50 ms per step\\), ${esc(path)}, ${engine}: (.*)$`, 'm').exec(browser);
  return m ? m[1].split(', ').map((part) => { const i = part.lastIndexOf(' '); return [part.slice(0, i), Number(part.slice(i + 1))]; }) : [];
};
const x = (a, b) => (a !== undefined && b ? `${(a / b).toFixed(2)}×` : '–');
const mark = (ok) => (ok ? 'met' : '**missed**');

console.log('| renewal path | Chromium p50 / p95 | Firefox p50 / p95 | Firefox / Chromium p50 (target ≤ 1.5×) | floor median (its path) | ours p50 / floor (≤ 1.0×) | ours p95 / floor median (≤ 1.5×) |');
console.log('|---|---|---|---|---|---|---|');
const notes = [];
for (const [path, key, what] of PATHS) {
  const c = latency(path, 'Chromium'); const f = latency(path, 'Firefox');
  const base = floor[key]?.median;
  const ff = c && f ? f.p50 / c.p50 : undefined;
  console.log(`| ${path} | ${c ? `${c.p50} / ${c.p95} ms` : '–'} | ${f ? `${f.p50} / ${f.p95} ms` : '–'} | ${x(f?.p50, c?.p50)}${ff === undefined ? '' : ` ${mark(ff <= 1.5)}`} | ${base === undefined ? '– (not in this floor)' : `${Math.round(base)} ms (${what})`} | ${x(c?.p50, base)}${base && c ? ` ${mark(c.p50 <= base)}` : ''} | ${x(c?.p95, base)}${base && c ? ` ${mark(c.p95 <= 1.5 * base)}` : ''} |`);
  if (base) {
    const over = steps(path, 'Chromium').filter(([, took]) => took > base);
    if (over.length) notes.push(`${path}: ${over.map(([s, t]) => `"${s}" alone takes ${t.toFixed(1)} ms, more than the floor's whole ${Math.round(base)} ms`).join('; ')}`);
  }
}
for (const note of notes) console.log(`\n- ${note}`);
