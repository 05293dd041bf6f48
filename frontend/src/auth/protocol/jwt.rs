//! Decoding (not trusting) a JWT: split, base64url-decode, parse header and claims with serde.
//! Whether the token is genuine is decided by `claims` (the checks) and `browser::keys` (the
//! signature); this only gives it shape.
//!
//! A member named twice in the header or the claims, at any depth, is refused: RFC 7515 §5.2 lets
//! a JWS parser either refuse duplicates or take the lexically last, and refusing means no two
//! readers of the same token (this app, the backend, a log viewer) can disagree about what it says.

use std::collections::BTreeSet;
use std::fmt;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::{Map, Value};

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
}

/// `aud`: one string or a list, as the spec allows.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
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

/// ID-token claims: the ones checked, the ones shown, and the whole set for the Profile page.
#[derive(Debug, Clone, PartialEq, Deserialize)]
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
    #[serde(default)]
    pub nonce: Option<String>,
    /// Authorized party.
    #[serde(default)]
    pub azp: Option<String>,
    /// Hash binding the access token.
    #[serde(default)]
    pub at_hash: Option<String>,
    /// Display name.
    #[serde(default)]
    pub name: Option<String>,
    /// Email.
    #[serde(default)]
    pub email: Option<String>,
    /// Picture URL.
    #[serde(default)]
    pub picture: Option<String>,
    /// Every claim, as the token carries them (shown on the Profile page).
    #[serde(skip)]
    pub all: Map<String, Value>,
}

/// The claims every ID token carries (OIDC Core §2): one that is absent is named in the refusal.
pub const REQUIRED_CLAIMS: [&str; 5] = ["iss", "sub", "aud", "exp", "iat"];

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

/// A JSON value in which no object names a member twice: serde_json's own `Value` keeps the last
/// of a repeated name, which is not what a JWS parser may silently do.
struct Unique(Value);

impl<'de> Deserialize<'de> for Unique {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(UniqueVisitor).map(Unique)
    }
}

struct UniqueVisitor;

impl<'de> Visitor<'de> for UniqueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("JSON whose objects name each member once")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(Unique(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let (mut seen, mut members) = (BTreeSet::new(), Map::new());
        while let Some(name) = map.next_key::<String>()? {
            if !seen.insert(name.clone()) {
                return Err(de::Error::custom("a member is named twice"));
            }
            let Unique(value) = map.next_value()?;
            members.insert(name, value);
        }
        Ok(Value::Object(members))
    }
}

/// One part, decoded to a JSON object. Failures have fixed wording: a parser's message would
/// repeat the token.
fn part(text: &str, not_base64: &'static str, not_json: &'static str) -> Result<Map<String, Value>, TokenError> {
    let bytes = URL_SAFE_NO_PAD.decode(text).map_err(|_| TokenError::Malformed(not_base64))?;
    match serde_json::from_slice::<Unique>(&bytes) {
        Ok(Unique(Value::Object(members))) => Ok(members),
        _ => Err(TokenError::Malformed(not_json)),
    }
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
    const NOT_HEADER: &str = "header is not a JOSE header";
    let header = part(h, "header is not base64url", NOT_HEADER)?;
    if header.contains_key("crit") {
        return Err(TokenError::Malformed("header has critical extensions (crit) this app does not understand"));
    }
    let header = Header::deserialize(Value::Object(header)).map_err(|_| TokenError::Malformed(NOT_HEADER))?;
    const NOT_CLAIMS: &str = "payload is not a claims set";
    let all = part(p, "payload is not base64url", NOT_CLAIMS)?;
    if let Some(missing) = REQUIRED_CLAIMS.into_iter().find(|name| !all.contains_key(*name)) {
        return Err(TokenError::MissingClaim(missing));
    }
    let claims = IdClaims::deserialize(&Value::Object(all.clone())).map_err(|_| TokenError::Malformed(NOT_CLAIMS))?;
    let signature = URL_SAFE_NO_PAD.decode(s).map_err(|_| TokenError::Malformed("signature is not base64url"))?;
    Ok(Jwt { header, claims: IdClaims { all, ..claims }, signing_input: format!("{h}.{p}"), signature })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use serde_json::json;

    pub(crate) fn b64(v: &Value) -> String {
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(v).expect("json"))
    }

    #[test]
    fn decodes_header_claims_and_extra_claims() {
        let claims = json!({
            "iss": "http://localhost:4000", "sub": "u1", "aud": ["a", "b"], "exp": 20, "iat": 10,
            "nonce": "n", "email_verified": true
        });
        let token = format!("{}.{}.{}", b64(&json!({"alg": "RS256", "kid": "k"})), b64(&claims), "c2ln");
        let jwt = decode(&token).expect("decodes");
        assert_eq!(jwt.header.kid.as_deref(), Some("k"));
        assert!(jwt.claims.aud.contains("b") && jwt.claims.aud.len() == 2);
        assert_eq!(jwt.claims.all.get("email_verified"), Some(&Value::Bool(true)));
        assert_eq!(jwt.signature, b"sig");
        assert!(token.starts_with(&jwt.signing_input));
    }

    #[test]
    fn decoding_errors_name_no_input() {
        let h = b64(&json!({"alg": "RS256"}));
        for bad in [
            format!("{h}.{}.c2ln", b64(&json!({"sub": "MARK", "iss": 1}))),
            format!("{}.{}.c2ln", b64(&json!({"alg": ["MARK"]})), b64(&json!({}))),
            format!("{h}.{}.c2ln", URL_SAFE_NO_PAD.encode(b"{\"MARK\": ")),
            format!("{h}.MARK!.c2ln"),
            format!("{h}.{}.c2ln", b64(&json!({"iss": "i", "sub": "s", "aud": "a", "exp": "MARK", "iat": 1}))),
            format!("{h}.{}.c2ln", b64(&json!({"iss": "i", "sub": "s", "aud": {"MARK": 1}, "exp": 1, "iat": 1}))),
        ] {
            let error = decode(&bad).expect_err("refused");
            assert!(!error.to_string().contains("MARK"), "{error}");
        }
    }

    #[test]
    fn a_critical_header_is_refused() {
        // RFC 7515 §4.1.11: an extension the app does not understand must not be ignored.
        let claims = b64(&json!({"iss": "i", "sub": "s", "aud": "a", "exp": 1, "iat": 1}));
        for crit in [json!({"alg": "RS256", "crit": ["exp"], "exp": 1}), json!({"alg": "RS256", "crit": null})] {
            assert!(matches!(decode(&format!("{}.{claims}.c2ln", b64(&crit))), Err(TokenError::Malformed(_))));
        }
    }

    /// RFC 7515 §5.2: refused, not read as the last of the two, in the header and the claims and
    /// inside a claim's own object.
    #[test]
    fn a_member_named_twice_is_refused() {
        let h = b64(&json!({"alg": "RS256"}));
        let p = |text: &str| URL_SAFE_NO_PAD.encode(text);
        let claims = r#""iss":"i","aud":"a","exp":1,"iat":1"#;
        let (not_header, not_claims) = ("header is not a JOSE header", "payload is not a claims set");
        for (token, refused) in [
            (
                format!("{}.{}.c2ln", p(r#"{"alg":"none","alg":"RS256"}"#), p(&format!("{{{claims},\"sub\":\"s\"}}"))),
                not_header,
            ),
            (format!("{h}.{}.c2ln", p(&format!(r#"{{{claims},"sub":"alice","sub":"bob"}}"#))), not_claims),
            (format!("{h}.{}.c2ln", p(&format!(r#"{{{claims},"sub":"s","extra":1,"extra":2}}"#))), not_claims),
            (
                format!("{h}.{}.c2ln", p(&format!(r#"{{{claims},"sub":"s","cnf":{{"jkt":"a","jkt":"b"}}}}"#))),
                not_claims,
            ),
            (format!("{h}.{}.c2ln", p(&format!(r#"{{{claims},"sub":"s","list":[{{"a":1,"a":1}}]}}"#))), not_claims),
        ] {
            assert_eq!(decode(&token).map(|_| ()), Err(TokenError::Malformed(refused)), "{token}");
        }
        let once = format!("{h}.{}.c2ln", p(&format!(r#"{{{claims},"sub":"s","cnf":{{"jkt":"a"}}}}"#)));
        assert!(decode(&once).is_ok());
    }

    /// OpenID's RP tests missing-iat, missing-aud and missing-sub: refused, naming the claim.
    #[test]
    fn a_missing_required_claim_is_named() {
        let h = b64(&json!({"alg": "RS256"}));
        for name in REQUIRED_CLAIMS {
            let mut claims = json!({"iss": "i", "sub": "s", "aud": "a", "exp": 1, "iat": 1});
            claims.as_object_mut().expect("an object").remove(name);
            let refused = decode(&format!("{h}.{}.c2ln", b64(&claims))).map(|_| ());
            assert_eq!(refused, Err(TokenError::MissingClaim(name)), "{name}");
            assert!(TokenError::MissingClaim(name).to_string().contains(&format!("`{name}`")));
        }
    }

    #[test]
    fn malformed_tokens_are_refused() {
        let h = b64(&json!({"alg": "RS256"}));
        for bad in [
            "",
            "a.b",
            "a.b.c.d",
            &format!("{h}.!!!.c2ln"),
            &format!("{h}.{}.c2ln", b64(&json!({"iss": "i", "sub": 1, "aud": "a", "exp": 1, "iat": 1}))),
            &format!("{h}.{}.c2ln", b64(&json!(["not", "an", "object"]))),
            &format!("{h}.{}.c2ln", b64(&json!({"iss": "i", "sub": "s", "aud": "a", "exp": 1.5, "iat": 1}))),
            &"x".repeat(MAX_TOKEN_LEN + 1),
        ] {
            assert!(matches!(decode(bad), Err(TokenError::Malformed(_))), "{bad:.40}");
        }
    }
}
