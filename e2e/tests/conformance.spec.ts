// The OpenID RP test plan's rules for a browser client, in the implicit flow (the tutorial's): see
// conformance.ts.
import { conformance } from '../conformance';

conformance('implicit');
