// The little of the wasm binary format minify-glue.mjs reads and writes: LEB128 numbers, the
// sections, custom section names, and import descriptions.

/** Reads an unsigned LEB128 number at `at`: [value, offset after it]. */
export function uleb(bytes, at) {
  let value = 0;
  let shift = 0;
  let byte;
  do {
    byte = bytes[at++];
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
  } while (byte & 0x80);
  return [value, at];
}

/** Writes `value` as unsigned LEB128. */
export function leb(value) {
  const out = [];
  do {
    let byte = value % 128;
    value = Math.floor(value / 128);
    if (value) byte |= 0x80;
    out.push(byte);
  } while (value);
  return out;
}

/** The module's sections: id, where the section starts (`at`), and where its payload starts and ends. */
export function sections(wasm) {
  const out = [];
  for (let at = 8; at < wasm.length;) {
    const id = wasm[at];
    const [size, start] = uleb(wasm, at + 1);
    out.push({ id, at, start, end: start + size });
    at = start + size;
  }
  return out;
}

/** The name of a custom section (id 0). */
export function customName(wasm, section) {
  const [length, start] = uleb(wasm, section.start);
  return wasm.subarray(start, start + length).toString();
}

/**
 * The end of an import's description (function, table, memory or global) that starts at `at`, and
 * its kind (0: function). `fail(message)` is called (and must not return) on a kind this format
 * does not have.
 */
export function importDescription(bytes, at, fail) {
  const kind = bytes[at++];
  const limits = (offset) => {
    const flags = bytes[offset];
    let end = uleb(bytes, offset + 1)[1];
    if (flags & 1) end = uleb(bytes, end)[1];
    return end;
  };
  switch (kind) {
    case 0: return { kind, end: uleb(bytes, at)[1] }; // function: its type index
    case 1: return { kind, end: limits(at + 1) }; // table: element type, limits
    case 2: return { kind, end: limits(at) }; // memory: limits
    case 3: return { kind, end: at + 2 }; // global: value type, mutability
    default: return fail(`an import of unknown kind ${kind}`);
  }
}
