//! Decoding (not trusting) a JWT: split, base64url-decode, parse header and claims. Whether the
//! token is genuine is decided by `verify` (claims) and `jwks` (signature); this only gives shape.

use std::collections::BTreeMap;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::error::TokenError;

/// Longest token accepted; real ID tokens are a few KB.
pub const MAX_TOKEN_LEN: usize = 16 * 1024;

/// The JOSE header fields the app checks.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Header {
    /// Signature algorithm; only RS256 is accepted.
    pub alg: String,
    /// Key id in the issuer's JWKS.
    #[serde(default)]
    pub kid: Option<String>,
    /// Extensions the reader must understand (RFC 7515 §4.1.11). The app understands none, so a
    /// token carrying any is refused rather than half-read.
    #[serde(default)]
    pub crit: Option<Value>,
}

/// `aud`: one string or a list, as the spec allows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Audience {
    /// A single audience.
    One(String),
    /// Several audiences.
    Many(Vec<String>),
}

impl Audience {
    /// Whether `id` is one of the audiences.
    pub fn contains(&self, id: &str) -> bool {
        match self {
            Self::One(a) => a == id,
            Self::Many(list) => list.iter().any(|a| a == id),
        }
    }

    /// Number of audiences.
    pub fn len(&self) -> usize {
        match self {
            Self::One(_) => 1,
            Self::Many(list) => list.len(),
        }
    }

    /// Whether there is no audience at all.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// ID-token claims: the ones checked, the ones shown, and the rest kept for the Profile page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IdClaims {
    /// Issuer.
    pub iss: String,
    /// Subject: the user, which must not change across renewals.
    pub sub: String,
    /// Audience: must contain the client id.
    pub aud: Audience,
    /// Expiry (seconds).
    pub exp: i64,
    /// Issued at (seconds).
    pub iat: i64,
    /// Replay protection: must equal the nonce of the request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce: Option<String>,
    /// Authorized party.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub azp: Option<String>,
    /// Hash binding the access token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_hash: Option<String>,
    /// Display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Email.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Picture URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub picture: Option<String>,
    /// Every other claim, for display.
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

/// A decoded, not yet verified, JWT.
#[derive(Debug, Clone, PartialEq)]
pub struct Jwt {
    /// JOSE header.
    pub header: Header,
    /// ID-token claims.
    pub claims: IdClaims,
    /// `base64(header).base64(payload)`: the bytes the signature covers.
    pub signing_input: String,
    /// Raw signature bytes.
    pub signature: Vec<u8>,
}

/// One part, decoded. Failures have fixed wording: a parser's message would repeat the token.
fn part<T: for<'de> Deserialize<'de>>(
    text: &str,
    not_base64: &'static str,
    not_json: &'static str,
) -> Result<T, TokenError> {
    let bytes = URL_SAFE_NO_PAD.decode(text).map_err(|_| TokenError::Malformed(not_base64))?;
    serde_json::from_slice(&bytes).map_err(|_| TokenError::Malformed(not_json))
}

/// Splits and decodes a compact JWS carrying ID-token claims.
pub fn decode(token: &str) -> Result<Jwt, TokenError> {
    if token.len() > MAX_TOKEN_LEN {
        return Err(TokenError::Malformed("token too large"));
    }
    let mut parts = token.split('.');
    let (Some(h), Some(p), Some(s), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return Err(TokenError::Malformed("expected three dot-separated parts"));
    };
    let header: Header = part(h, "header is not base64url", "header is not a JOSE header")?;
    if header.crit.is_some() {
        return Err(TokenError::Malformed("header has critical extensions (crit) this app does not understand"));
    }
    let claims: IdClaims = part(p, "payload is not base64url", "payload is not a claims set")?;
    let signature = URL_SAFE_NO_PAD.decode(s).map_err(|_| TokenError::Malformed("signature is not base64url"))?;
    Ok(Jwt { header, claims, signing_input: format!("{h}.{p}"), signature })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn b64(v: &Value) -> String {
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(v).expect("json"))
    }

    #[test]
    fn decodes_header_claims_and_extra_claims() {
        let claims = serde_json::json!({
            "iss": "http://localhost:4000", "sub": "u1", "aud": ["a", "b"], "exp": 20, "iat": 10,
            "nonce": "n", "email_verified": true
        });
        let token = format!("{}.{}.{}", b64(&serde_json::json!({"alg": "RS256", "kid": "k"})), b64(&claims), "c2ln");
        let jwt = decode(&token).expect("decodes");
        assert_eq!(jwt.header.kid.as_deref(), Some("k"));
        assert!(jwt.claims.aud.contains("b") && jwt.claims.aud.len() == 2);
        assert_eq!(jwt.claims.extra.get("email_verified"), Some(&Value::Bool(true)));
        assert_eq!(jwt.signature, b"sig");
        assert!(token.starts_with(&jwt.signing_input));
    }

    #[test]
    fn decoding_errors_name_no_input() {
        let h = b64(&serde_json::json!({"alg": "RS256"}));
        for bad in [
            format!("{h}.{}.c2ln", b64(&serde_json::json!({"sub": "MARK", "iss": 1}))),
            format!("{}.{}.c2ln", b64(&serde_json::json!({"alg": ["MARK"]})), b64(&serde_json::json!({}))),
            format!("{h}.{}.c2ln", URL_SAFE_NO_PAD.encode(b"{\"MARK\": ")),
            format!("{h}.MARK!.c2ln"),
            format!(
                "{h}.{}.c2ln",
                b64(&serde_json::json!({"iss": "i", "sub": "s", "aud": "a", "exp": "MARK", "iat": 1}))
            ),
            format!(
                "{h}.{}.c2ln",
                b64(&serde_json::json!({"iss": "i", "sub": "s", "aud": {"MARK": 1}, "exp": 1, "iat": 1}))
            ),
        ] {
            let error = decode(&bad).expect_err("refused");
            assert!(!error.to_string().contains("MARK"), "{error}");
        }
    }

    #[test]
    fn a_critical_header_is_refused() {
        // RFC 7515 §4.1.11: an extension the app does not understand must not be ignored.
        let claims = b64(&serde_json::json!({"iss": "i", "sub": "s", "aud": "a", "exp": 1, "iat": 1}));
        let crit = b64(&serde_json::json!({"alg": "RS256", "crit": ["exp"], "exp": 1}));
        assert!(matches!(decode(&format!("{crit}.{claims}.c2ln")), Err(TokenError::Malformed(_))));
    }

    #[test]
    fn malformed_tokens_are_refused() {
        let h = b64(&serde_json::json!({"alg": "RS256"}));
        for bad in [
            "",
            "a.b",
            "a.b.c.d",
            &format!("{h}.!!!.c2ln"),
            &format!("{h}.{}.c2ln", b64(&serde_json::json!({"sub": 1}))),
            &"x".repeat(MAX_TOKEN_LEN + 1),
        ] {
            assert!(matches!(decode(bad), Err(TokenError::Malformed(_))), "{bad:.40}");
        }
    }
}
