//! DPoP (RFC 9449), the pure part: the proof's header and claims, the `htu` of a request, the
//! access-token hash `ath`, and the JWK thumbprint (RFC 7638) that binds tokens to the key. The key
//! itself, and the signature, are WebCrypto's (`browser::dpop`).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde::{Serialize, Serializer};
use sha2::{Digest, Sha256};

/// The only proof algorithm this app signs with: ECDSA P-256 with SHA-256.
pub const ALG: &str = "ES256";

/// The public half of the browser's DPoP key, as a JWK (EC, P-256).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicJwk {
    /// The x coordinate, base64url.
    pub x: String,
    /// The y coordinate, base64url.
    pub y: String,
}

/// A P-256 JWK's members in RFC 7638's order: serialised compactly, this is the thumbprint's input.
#[derive(Serialize)]
struct Members<'a> {
    crv: &'static str,
    kty: &'static str,
    x: &'a str,
    y: &'a str,
}

impl Serialize for PublicJwk {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        Members { crv: "P-256", kty: "EC", x: &self.x, y: &self.y }.serialize(serializer)
    }
}

impl PublicJwk {
    /// RFC 7638 thumbprint: what the provider puts in the tokens' `cnf.jkt`.
    pub fn thumbprint(&self) -> Option<String> {
        let members = serde_json::to_vec(self).ok()?;
        Some(URL_SAFE_NO_PAD.encode(Sha256::digest(members)))
    }
}

/// Whether a value can go in a proof as it is: no quote, backslash or control character. RFC 9449
/// §8 allows none of them in a server's nonce (NQCHAR), and the app's own values (base64url, URLs,
/// methods) never have them; a value that does is refused rather than carried.
fn plain(value: &str) -> bool {
    !value.chars().any(|c| c == '"' || c == '\\' || c.is_control())
}

/// `htu`: the request URL without query and fragment (RFC 9449 §4.2).
pub fn htu(url: &str) -> &str {
    url.split(['?', '#']).next().unwrap_or(url)
}

/// `ath`: base64url SHA-256 of the access token the proof goes with (RFC 9449 §4.2).
pub fn ath(access_token: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(access_token.as_bytes()))
}

/// What one proof says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claims<'a> {
    /// Unique per proof (random).
    pub jti: &'a str,
    /// The HTTP method.
    pub htm: &'a str,
    /// The request URL (query and fragment are dropped).
    pub htu: &'a str,
    /// Seconds since the epoch.
    pub iat: i64,
    /// For a resource request: the access token it carries.
    pub access_token: Option<&'a str>,
    /// The server's `DPoP-Nonce`, when it asked for one.
    pub nonce: Option<&'a str>,
}

/// The proof's JOSE header (RFC 9449 §4.2).
#[derive(Serialize)]
struct ProofHeader<'a> {
    typ: &'static str,
    alg: &'static str,
    jwk: &'a PublicJwk,
}

/// The proof's claims as they are sent.
#[derive(Serialize)]
struct ProofClaims<'a> {
    jti: &'a str,
    htm: &'a str,
    htu: &'a str,
    iat: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    ath: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    nonce: Option<&'a str>,
}

/// `base64url(header).base64url(claims)`: the bytes the proof's signature covers. `None` when a value
/// is not [`plain`] (a server nonce with quotes: refused, not carried).
pub fn signing_input(jwk: &PublicJwk, claims: &Claims<'_>) -> Option<String> {
    let values = [claims.jti, claims.htm, claims.htu, &jwk.x, &jwk.y];
    if !values.iter().all(|v| plain(v)) || !claims.nonce.is_none_or(plain) {
        return None;
    }
    let header = ProofHeader { typ: "dpop+jwt", alg: ALG, jwk };
    let payload = ProofClaims {
        jti: claims.jti,
        htm: claims.htm,
        htu: htu(claims.htu),
        iat: claims.iat,
        ath: claims.access_token.map(ath),
        nonce: claims.nonce,
    };
    let (header, payload) = (serde_json::to_vec(&header).ok()?, serde_json::to_vec(&payload).ok()?);
    Some(format!("{}.{}", URL_SAFE_NO_PAD.encode(header), URL_SAFE_NO_PAD.encode(payload)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    fn jwk() -> PublicJwk {
        // RFC 7638 has no EC example; these are RFC 9449 §4.1's key coordinates.
        PublicJwk {
            x: "l8tFrhx-34tV3hRICRDY9zCkDlpBhF42UQUfWVAWBFs".into(),
            y: "9VE4jf_Ok_o64zbTTlcuNJajHmt6v9TDVrU0CdvGRDA".into(),
        }
    }

    fn part(input: &str, index: usize) -> Value {
        let text = input.split('.').nth(index).expect("part");
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(text).expect("base64url")).expect("json")
    }

    #[test]
    fn a_token_request_proof_has_the_rfc_9449_shape() {
        let claims = Claims {
            jti: "j1",
            htm: "POST",
            htu: "https://server.example.com/token",
            iat: 1_562_262_616,
            access_token: None,
            nonce: None,
        };
        let input = signing_input(&jwk(), &claims).expect("plain values");
        assert_eq!(
            part(&input, 0),
            json!({"typ": "dpop+jwt", "alg": "ES256", "jwk": {"kty": "EC", "crv": "P-256", "x": jwk().x, "y": jwk().y}})
        );
        assert_eq!(
            part(&input, 1),
            json!({"jti": "j1", "htm": "POST", "htu": "https://server.example.com/token", "iat": 1_562_262_616})
        );
    }

    #[test]
    fn a_resource_proof_binds_the_token_the_url_and_the_nonce() {
        let claims = Claims {
            jti: "j2",
            htm: "GET",
            htu: "http://localhost:3001/api/private?x=1#f",
            iat: 7,
            access_token: Some("Kz~8mXK1EalYznwH-LC-1fBAo.4Ljp~zsPE_NeO.gxU"),
            nonce: Some("eyJ7S_zG.eyJH0-Z.HX4w-7v"),
        };
        let payload = part(&signing_input(&jwk(), &claims).expect("plain"), 1);
        assert_eq!(payload["htu"], "http://localhost:3001/api/private");
        // RFC 9449 §7.1's example access token and its `ath`.
        assert_eq!(payload["ath"], "fUHyO2r2Z3DZ53EsNrWBb0xWXoaNy59IiKCAqksmQEo");
        assert_eq!(payload["nonce"], "eyJ7S_zG.eyJH0-Z.HX4w-7v");
    }

    #[test]
    fn values_that_would_need_escaping_are_refused() {
        let claims = Claims { jti: "j", htm: "GET", htu: "http://a/", iat: 1, access_token: None, nonce: Some("x\"y") };
        assert_eq!(signing_input(&jwk(), &claims), None);
        let claims = Claims { htu: "http://a/\n", nonce: None, ..claims };
        assert_eq!(signing_input(&jwk(), &claims), None);
    }

    #[test]
    fn the_thumbprint_hashes_the_required_members_in_order() {
        let expected = URL_SAFE_NO_PAD.encode(Sha256::digest(
            br#"{"crv":"P-256","kty":"EC","x":"l8tFrhx-34tV3hRICRDY9zCkDlpBhF42UQUfWVAWBFs","y":"9VE4jf_Ok_o64zbTTlcuNJajHmt6v9TDVrU0CdvGRDA"}"#,
        ));
        assert_eq!(jwk().thumbprint(), Some(expected));
        assert_eq!(htu("http://a/b?c#d"), "http://a/b");
    }
}
