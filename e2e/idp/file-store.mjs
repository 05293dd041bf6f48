// The provider's storage adapter: in memory, or persisted to one JSON file (IDP_STORE) so a
// restarted dev provider keeps its login sessions while signing with a new key, which the restart
// tests need. It also implements Auth0's "Rotation Overlap Period" for refresh tokens: for
// `overlapSecs` after a refresh token was spent, presenting it again is answered (with a new token)
// instead of being treated as reuse, which covers an answer lost with a tab closed mid-refresh.
// Past that window, reuse detection revokes the grant as usual. Dev use only.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';

export function store({ path, overlapSecs = 0 } = {}) {
  const entries = new Map(path && existsSync(path) ? Object.entries(JSON.parse(readFileSync(path, 'utf8'))) : []);
  const save = () => {
    const now = Date.now();
    for (const [k, v] of entries) if (v.exp && v.exp < now) entries.delete(k);
    if (!path) return;
    writeFileSync(`${path}.tmp`, JSON.stringify(Object.fromEntries(entries)));
    renameSync(`${path}.tmp`, path);
  };
  const live = (entry) => (entry && (!entry.exp || entry.exp > Date.now()) ? entry.payload : undefined);
  const withinOverlap = (model, payload) =>
    model === 'RefreshToken' && overlapSecs > 0 && payload?.consumed && Date.now() / 1000 - payload.consumed <= overlapSecs;

  return class Adapter {
    constructor(model) { this.model = model; }
    key(id) { return `${this.model}:${id}`; }
    async upsert(id, payload, expiresIn) {
      entries.set(this.key(id), { payload, exp: expiresIn ? Date.now() + expiresIn * 1000 : 0 });
      save();
    }
    async find(id) {
      const payload = live(entries.get(this.key(id)));
      if (withinOverlap(this.model, payload)) {
        const { consumed, ...fresh } = payload;
        return fresh;
      }
      return payload;
    }
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
      // The first spend counts: re-spending within the overlap does not move the window.
      if (entry && !entry.payload.consumed) { entry.payload.consumed = Math.floor(Date.now() / 1000); save(); }
    }
    async destroy(id) { entries.delete(this.key(id)); save(); }
    async revokeByGrantId(grantId) {
      for (const [k, v] of entries) if (v.payload.grantId === grantId) entries.delete(k);
      save();
    }
  };
}
