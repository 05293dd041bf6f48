// A tiny oidc-provider adapter persisting to one JSON file, so a restarted dev provider keeps its
// login sessions (while signing with a new key): what the restart tests need. Dev use only; without
// IDP_STORE the provider keeps everything in memory.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';

export function fileStore(path) {
  const entries = new Map(existsSync(path) ? Object.entries(JSON.parse(readFileSync(path, 'utf8'))) : []);
  const save = () => {
    const now = Date.now();
    for (const [k, v] of entries) if (v.exp && v.exp < now) entries.delete(k);
    writeFileSync(`${path}.tmp`, JSON.stringify(Object.fromEntries(entries)));
    renameSync(`${path}.tmp`, path);
  };
  const live = (entry) => (entry && (!entry.exp || entry.exp > Date.now()) ? entry.payload : undefined);

  return class FileAdapter {
    constructor(model) { this.model = model; }
    key(id) { return `${this.model}:${id}`; }
    async upsert(id, payload, expiresIn) {
      entries.set(this.key(id), { payload, exp: expiresIn ? Date.now() + expiresIn * 1000 : 0 });
      save();
    }
    async find(id) { return live(entries.get(this.key(id))); }
    async findByUid(uid) {
      for (const [k, v] of entries) if (k.startsWith(`${this.model}:`) && v.payload.uid === uid) return live(v);
      return undefined;
    }
    async findByUserCode(code) {
      for (const [k, v] of entries) if (k.startsWith(`${this.model}:`) && v.payload.userCode === code) return live(v);
      return undefined;
    }
    async consume(id) {
      const entry = entries.get(this.key(id));
      if (entry) { entry.payload.consumed = Math.floor(Date.now() / 1000); save(); }
    }
    async destroy(id) { entries.delete(this.key(id)); save(); }
    async revokeByGrantId(grantId) {
      for (const [k, v] of entries) if (v.payload.grantId === grantId) entries.delete(k);
      save();
    }
  };
}
