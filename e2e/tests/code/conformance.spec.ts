// The OpenID RP test plan's rules for a browser client, in the code flow with refresh tokens (the
// default): see conformance.ts.
import { conformance } from '../../conformance';

conformance('code');
