// The tutorial's server.js (Express + cors + connect-static-file serving silent.html), plus the
// tutorial series' API check (RS256 via the issuer's JWKS, with jose), as the baseline for the bench.
const express = require('express');
const cors = require('cors');
const staticFile = require('connect-static-file');
const path = require('node:path');

const PORT = Number(process.env.PORT ?? 3101);
const ISSUER = process.env.ISSUER ?? 'http://localhost:4000';
const AUDIENCE = process.env.AUDIENCE ?? 'http://localhost:3001/api';

async function main() {
  const { createRemoteJWKSet, jwtVerify } = await import('jose');
  const jwks = createRemoteJWKSet(new URL(`${ISSUER}/.well-known/jwks.json`));
  const app = express();
  app.use(cors({ origin: 'http://localhost:5000' }));
  app.use('/silent', staticFile(path.join(__dirname, '..', '..', 'public', 'silent.html')));
  app.get('/api/public', (_req, res) => res.json({ message: 'Hello from a public endpoint!' }));
  app.get('/api/private', async (req, res) => {
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    try {
      const { payload } = await jwtVerify(token ?? '', jwks, { issuer: ISSUER, audience: AUDIENCE, algorithms: ['RS256'] });
      res.json({ message: 'Hello from a private endpoint!', sub: payload.sub });
    } catch {
      res.status(401).json({ error: 'invalid_token' });
    }
  });
  app.listen(PORT, '127.0.0.1', () => console.log(`express baseline on http://localhost:${PORT}`));
}
main();
