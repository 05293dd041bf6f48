//! Decoding (not trusting) a JWT: split, base64url-decode, parse header and claims. Whether the
//! token is genuine is decided by `verify` (claims) and `jwks` (signature); this only gives shape.

use super::base64url;
use super::error::TokenError;
use super::json::{self, Json};

/// Longest token accepted; real ID tokens are a few KB.
pub const MAX_TOKEN_LEN: usize = 16 * 1024;

/// The JOSE header fields the app checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// Signature algorithm; only RS256 is accepted.
    pub alg: String,
    /// Key id in the issuer's JWKS.
    pub kid: Option<String>,
}

/// `aud`: one string or a list, as the spec allows.
#[derive(Debug, Clone, PartialEq, Eq)]
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

/// ID-token claims: the ones checked, the ones shown, and the whole set for the Profile page.
#[derive(Debug, Clone, PartialEq, Eq)]
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
    pub nonce: Option<String>,
    /// Authorized party.
    pub azp: Option<String>,
    /// Hash binding the access token.
    pub at_hash: Option<String>,
    /// Display name.
    pub name: Option<String>,
    /// Email.
    pub email: Option<String>,
    /// Picture URL.
    pub picture: Option<String>,
    /// Every claim, as the token carries them (shown on the Profile page).
    pub all: Json,
}

/// Why a claims set is not one: any claim missing or of the wrong type. Fixed wording, no value.
const NOT_CLAIMS: TokenError = TokenError::Malformed("payload is not a claims set");

/// An optional string member; present with another type is an error.
fn optional_text(object: &Json, name: &str) -> Result<Option<String>, TokenError> {
    match object.get(name) {
        None | Some(Json::Null) => Ok(None),
        Some(Json::String(text)) => Ok(Some(text.clone())),
        Some(_) => Err(NOT_CLAIMS),
    }
}

fn required_text(object: &Json, name: &str) -> Result<String, TokenError> {
    optional_text(object, name)?.ok_or(NOT_CLAIMS)
}

impl IdClaims {
    /// Reads the claims of a decoded payload.
    pub fn from_json(all: Json) -> Result<Self, TokenError> {
        let aud = match all.get("aud") {
            Some(Json::String(one)) => Audience::One(one.clone()),
            Some(Json::Array(items)) => Audience::Many(
                items.iter().map(|a| a.as_str().map(str::to_owned)).collect::<Option<_>>().ok_or(NOT_CLAIMS)?,
            ),
            _ => return Err(NOT_CLAIMS),
        };
        let time = |name: &str| all.get(name).and_then(Json::as_i64).ok_or(NOT_CLAIMS);
        Ok(Self {
            iss: required_text(&all, "iss")?,
            sub: required_text(&all, "sub")?,
            aud,
            exp: time("exp")?,
            iat: time("iat")?,
            nonce: optional_text(&all, "nonce")?,
            azp: optional_text(&all, "azp")?,
            at_hash: optional_text(&all, "at_hash")?,
            name: optional_text(&all, "name")?,
            email: optional_text(&all, "email")?,
            picture: optional_text(&all, "picture")?,
            all,
        })
    }
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
fn part(text: &str, not_base64: &'static str, not_json: &'static str) -> Result<Json, TokenError> {
    let bytes = base64url::decode(text).ok_or(TokenError::Malformed(not_base64))?;
    let text = String::from_utf8(bytes).map_err(|_| TokenError::Malformed(not_json))?;
    let value = json::parse(&text).map_err(|_| TokenError::Malformed(not_json))?;
    value.members().is_some().then_some(value).ok_or(TokenError::Malformed(not_json))
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
    let header = part(h, "header is not base64url", "header is not a JOSE header")?;
    if header.get("crit").is_some() {
        return Err(TokenError::Malformed("header has critical extensions (crit) this app does not understand"));
    }
    let not_header = TokenError::Malformed("header is not a JOSE header");
    let header = Header {
        alg: header.get("alg").and_then(Json::as_str).ok_or(not_header.clone())?.to_owned(),
        kid: match header.get("kid") {
            None | Some(Json::Null) => None,
            Some(Json::String(kid)) => Some(kid.clone()),
            Some(_) => return Err(not_header),
        },
    };
    let claims = IdClaims::from_json(part(p, "payload is not base64url", "payload is not a claims set")?)?;
    let signature = base64url::decode(s).ok_or(TokenError::Malformed("signature is not base64url"))?;
    Ok(Jwt { header, claims, signing_input: format!("{h}.{p}"), signature })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use serde_json::Value;

    pub(crate) fn b64(v: &Value) -> String {
        base64url::encode(serde_json::to_vec(v).expect("json"))
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
        assert_eq!(jwt.claims.all.get("email_verified"), Some(&Json::Bool(true)));
        assert_eq!(jwt.signature, b"sig");
        assert!(token.starts_with(&jwt.signing_input));
    }

    #[test]
    fn decoding_errors_name_no_input() {
        let h = b64(&serde_json::json!({"alg": "RS256"}));
        for bad in [
            format!("{h}.{}.c2ln", b64(&serde_json::json!({"sub": "MARK", "iss": 1}))),
            format!("{}.{}.c2ln", b64(&serde_json::json!({"alg": ["MARK"]})), b64(&serde_json::json!({}))),
            format!("{h}.{}.c2ln", base64url::encode(b"{\"MARK\": ")),
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
