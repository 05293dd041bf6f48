// Fixed development users of the local identity provider. Passwords are for local use only: this
// provider exists so the app and its tests run with no Auth0 account and no network.

const ISSUER = process.env.IDP_ISSUER ?? `http://localhost:${process.env.IDP_PORT ?? '4000'}`;

/** An SVG avatar, served by the provider at /avatars/<nickname>.svg (no network, small tokens). */
export const avatarSvg = ({ initials, colour }) =>
  `<svg xmlns="http://www.w3.org/2000/svg" width="96" height="96"><rect width="96" height="96" rx="48" fill="${colour}"/>` +
  `<text x="48" y="60" font-family="sans-serif" font-size="36" text-anchor="middle" fill="#fff">${initials}</text></svg>`;

export const USERS = [
  {
    sub: 'auth0|dev-alice',
    email: 'alice@example.com',
    password: 'wonderland',
    name: 'Alice Liddell',
    nickname: 'alice',
    initials: 'AL',
    colour: '#5b3cc4',
  },
  {
    sub: 'auth0|dev-bob',
    email: 'bob@example.com',
    password: 'builder',
    name: 'Bob Builder',
    nickname: 'bob',
    initials: 'BB',
    colour: '#0a7d5a',
  },
];

export const findUser = (sub) => USERS.find((u) => u.sub === sub);

/** The user whose email and password match, or undefined (constant-shape answer either way). */
export function authenticate(email, password) {
  const user = USERS.find((u) => u.email === String(email ?? '').trim().toLowerCase());
  return user && user.password === password ? user : undefined;
}

/** OIDC claims for the scopes granted, as Auth0 would return them. */
export function claimsFor(user, scopes) {
  const claims = { sub: user.sub };
  if (scopes.has('profile')) {
    Object.assign(claims, { name: user.name, nickname: user.nickname, picture: `${ISSUER}/avatars/${user.nickname}.svg`, updated_at: 1767225600 });
  }
  if (scopes.has('email')) {
    Object.assign(claims, { email: user.email, email_verified: true });
  }
  return claims;
}
