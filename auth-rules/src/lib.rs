//! Rules the app (wasm) and the backend (native) must apply identically. They once disagreed:
//! `AUTH0_DOMAIN=https://t.auth0.com` passed the backend and was refused by the app. Keeping one
//! implementation here makes that impossible.
//! The Auth0 domain rule, and which keys of a JWKS may verify an RS256 token.

use std::collections::BTreeSet;

use thiserror::Error;

/// Why a configured Auth0 domain was refused. Each says what to write instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum DomainError {
    /// Nothing but white space.
    #[error("the Auth0 domain is empty; write the tenant's host name, like example.eu.auth0.com")]
    Empty,
    /// A scheme other than `https://` (Auth0 serves only HTTPS).
    #[error("the Auth0 domain must be a host name (an https:// prefix is allowed, nothing else)")]
    Scheme,
    /// A path, query, port, user name or a character a host name cannot have.
    #[error("the Auth0 domain must be a bare host name like example.eu.auth0.com, with no path, port or user")]
    NotAHostName,
}

/// What people type as an Auth0 domain, and what the rule makes of it: the table the tests of this
/// crate, of the backend's `--auth0-domain` and of the app's `domain` all run, so the two sides
/// cannot drift apart again.
pub const DOMAIN_EXAMPLES: &[(&str, Result<&str, DomainError>)] = &[
    ("example.eu.auth0.com", Ok("https://example.eu.auth0.com/")),
    ("https://t.auth0.com", Ok("https://t.auth0.com/")),
    ("HTTPS://t.auth0.com/", Ok("https://t.auth0.com/")),
    ("  Login.Example.COM ", Ok("https://login.example.com/")),
    ("a-b.auth0.com", Ok("https://a-b.auth0.com/")),
    ("", Err(DomainError::Empty)),
    ("   ", Err(DomainError::Empty)),
    ("http://t.auth0.com", Err(DomainError::Scheme)),
    ("ftp://t.auth0.com", Err(DomainError::Scheme)),
    ("t.auth0.com/path", Err(DomainError::NotAHostName)),
    ("t.auth0.com//", Err(DomainError::NotAHostName)),
    ("t.auth0.com:8443", Err(DomainError::NotAHostName)),
    ("user@t.auth0.com", Err(DomainError::NotAHostName)),
    ("t .auth0.com", Err(DomainError::NotAHostName)),
    ("localhost", Err(DomainError::NotAHostName)),
    ("-t.auth0.com", Err(DomainError::NotAHostName)),
    ("t-.auth0.com", Err(DomainError::NotAHostName)),
    ("t..auth0.com", Err(DomainError::NotAHostName)),
    ("t.auth0.com?x=1", Err(DomainError::NotAHostName)),
    ("t.auth0.com#x", Err(DomainError::NotAHostName)),
    ("tést.auth0.com", Err(DomainError::NotAHostName)),
];

/// What a JWK says about itself, as far as choosing keys goes (RFC 7517 §4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct KeyUse<'a> {
    /// `kty`.
    pub kty: &'a str,
    /// `use`, if present.
    pub use_: Option<&'a str>,
    /// `alg`, if present.
    pub alg: Option<&'a str>,
    /// `key_ops`, if present.
    pub key_ops: Option<&'a [&'a str]>,
}

/// Whether a JWK may verify RS256 signatures: an RSA key, for signatures (`use` `sig` or absent),
/// for RS256 (`alg` RS256 or absent), allowed to `verify` when `key_ops` is given. An encryption
/// key, or a key for another algorithm, is never used to check a token (RFC 8725 §3.1).
pub fn verifies_rs256(key: KeyUse<'_>) -> bool {
    key.kty == "RSA"
        && key.use_.is_none_or(|u| u == "sig")
        && key.alg.is_none_or(|a| a == "RS256")
        && key.key_ops.is_none_or(|ops| ops.contains(&"verify"))
}

/// The key ids that appear more than once in a set: no token signed under one of them is trusted,
/// since which key it names is ambiguous.
pub fn duplicated_kids<'a>(kids: impl IntoIterator<Item = &'a str>) -> BTreeSet<&'a str> {
    let mut seen = BTreeSet::new();
    kids.into_iter().filter(|kid| !seen.insert(*kid)).collect()
}

/// Longest DNS name (RFC 1035 §2.3.4).
const MAX_HOST_LEN: usize = 253;
/// Longest DNS label.
const MAX_LABEL_LEN: usize = 63;

/// The issuer of an Auth0 tenant, `https://<host>/`, from what a person typed as its domain:
/// `example.eu.auth0.com`, `https://example.eu.auth0.com` or `https://example.eu.auth0.com/`.
/// White space around it is ignored and the host is lower-cased, because `iss` is compared exactly.
pub fn auth0_issuer(domain: &str) -> Result<String, DomainError> {
    let domain = domain.trim();
    if domain.is_empty() {
        return Err(DomainError::Empty);
    }
    let host = match domain.split_once("://") {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("https") => rest,
        Some(_) => return Err(DomainError::Scheme),
        None => domain,
    };
    let host = host.strip_suffix('/').unwrap_or(host);
    if !is_host_name(host) {
        return Err(DomainError::NotAHostName);
    }
    Ok(format!("https://{}/", host.to_ascii_lowercase()))
}

/// A DNS name of at least two labels: letters, digits and inner hyphens only.
fn is_host_name(host: &str) -> bool {
    let label_ok = |label: &str| {
        (1..=MAX_LABEL_LEN).contains(&label.len())
            && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !label.starts_with('-')
            && !label.ends_with('-')
    };
    host.len() <= MAX_HOST_LEN && host.split('.').count() >= 2 && host.split('.').all(label_ok)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_example_gives_its_issuer_or_its_error() {
        for (domain, expected) in DOMAIN_EXAMPLES {
            assert_eq!(auth0_issuer(domain).as_deref(), expected.as_deref(), "{domain:?}");
        }
    }

    #[test]
    fn only_rsa_signature_keys_for_rs256_verify() {
        let rsa = KeyUse { kty: "RSA", ..KeyUse::default() };
        assert!(verifies_rs256(rsa));
        assert!(verifies_rs256(KeyUse {
            use_: Some("sig"),
            alg: Some("RS256"),
            key_ops: Some(&["sign", "verify"]),
            ..rsa
        }));
        for refused in [
            KeyUse { kty: "EC", ..rsa },
            KeyUse { kty: "oct", ..rsa },
            KeyUse { use_: Some("enc"), ..rsa },
            KeyUse { alg: Some("RS384"), ..rsa },
            KeyUse { alg: Some("PS256"), ..rsa },
            KeyUse { key_ops: Some(&["encrypt"]), ..rsa },
            KeyUse { key_ops: Some(&[]), ..rsa },
        ] {
            assert!(!verifies_rs256(refused), "{refused:?}");
        }
        assert_eq!(duplicated_kids(["a", "b", "a", "c", "a", "b"]), BTreeSet::from(["a", "b"]));
        assert_eq!(duplicated_kids(["c", "b", "a"]), BTreeSet::new());
        assert_eq!(duplicated_kids(["z", "z", "z", "z"]), BTreeSet::from(["z"]));
    }

    #[test]
    fn names_past_dns_limits_are_refused() {
        let long_label = format!("{}.auth0.com", "a".repeat(64));
        assert_eq!(auth0_issuer(&long_label), Err(DomainError::NotAHostName));
        let long_name = format!("{}com", "a.".repeat(127));
        assert_eq!(auth0_issuer(&long_name), Err(DomainError::NotAHostName));
    }
}
