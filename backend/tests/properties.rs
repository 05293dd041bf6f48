//! Property tests of the API's token check against an attacker's input: any text, any tampering of
//! a genuine token, and claim times anywhere in the integer range. For any input: no panic, and
//! nothing accepted that a simple reference rule (written here) would refuse. `make test` runs the
//! default 256 cases per property; `make fuzz` many more (`PROPTEST_CASES`).

mod common;

use std::sync::OnceLock;

use backend::config::Settings;
use backend::jwt::Validator;
use common::*;
use proptest::prelude::*;
use serde_json::{json, Value};

/// Clock-skew tolerance the validator is built with (seconds).
const LEEWAY: i128 = 5;

/// A fake issuer on its own thread and actix system, so the property bodies can block on the
/// validator without starving the server that answers its key fetches.
fn issuer_url() -> &'static str {
    static URL: OnceLock<String> = OnceLock::new();
    URL.get_or_init(|| {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                let issuer = Issuer::start().await;
                tx.send(issuer.url.clone()).expect("test thread waiting");
                std::future::pending::<()>().await;
            });
        });
        rx.recv().expect("issuer started")
    })
}

/// One validator and runtime for all cases: the key set is fetched once, as in production.
fn validate(token: &str) -> bool {
    static RUNTIME: OnceLock<(tokio::runtime::Runtime, Validator)> = OnceLock::new();
    let (runtime, validator) = RUNTIME.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        let settings = Settings::new(APP_ORIGIN, issuer_url(), AUDIENCE, LEEWAY as u64, 3600).expect("settings");
        (runtime, Validator::new(settings))
    });
    runtime.block_on(validator.validate(token)).is_ok()
}

fn genuine() -> &'static str {
    static TOKEN: OnceLock<String> = OnceLock::new();
    TOKEN.get_or_init(|| {
        let mut claims = claims(issuer_url());
        claims["exp"] = json!(now() + 3600);
        sign(&keys().0, &claims)
    })
}

/// A JSON number for any value a token may carry (beyond i64 as u64, beyond both as a float).
fn number(value: i128) -> Value {
    i64::try_from(value)
        .map(Value::from)
        .or_else(|_| u64::try_from(value).map(Value::from))
        .unwrap_or_else(|_| json!(value as f64))
}

/// Offsets from now that stay clear of the leeway boundaries (the clock may tick mid-case).
fn offset() -> impl Strategy<Value = i128> {
    (-100_000i128..100_000).prop_filter("clear of the leeway boundary", |d| !(-(LEEWAY + 3)..=(LEEWAY + 3)).contains(d))
}

/// Times near now, at the integer edges, and anywhere.
fn time() -> impl Strategy<Value = i128> {
    let now = i128::from(now());
    prop_oneof![
        offset().prop_map(move |d| now + d),
        (i128::from(u64::MAX) - 100)..=(i128::from(u64::MAX) + 100),
        (i128::from(i64::MAX) - 100)..=(i128::from(i64::MAX) + 100),
        (i128::from(i64::MIN))..=(i128::from(i64::MIN) + 100),
        -100i128..100,
        any::<i64>().prop_map(i128::from),
    ]
}

proptest! {
    #[test]
    fn a_genuine_token_verifies_and_no_tampering_of_it_does(
        at in any::<prop::sample::Index>(),
        with in prop::sample::select(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ ".to_vec()),
    ) {
        let genuine = genuine();
        prop_assert!(validate(genuine));
        let mut tampered = genuine.as_bytes().to_vec();
        let position = at.index(tampered.len());
        tampered[position] = with;
        let tampered = String::from_utf8(tampered).expect("ascii");
        if tampered != genuine {
            prop_assert!(!validate(&tampered), "byte {position} changed to {:?} and still accepted", with as char);
        }
    }

    #[test]
    fn arbitrary_text_is_refused_without_panic(token in prop_oneof![
        ".{0,300}",
        "[A-Za-z0-9_-]{0,120}\\.[A-Za-z0-9_-]{0,200}\\.[A-Za-z0-9_-]{0,360}",
    ]) {
        prop_assert!(!validate(&token));
    }

    #[test]
    fn claim_times_are_checked_like_the_reference_at_any_value(exp in time(), nbf in prop::option::of(time())) {
        let mut claims = claims(issuer_url());
        claims["exp"] = number(exp);
        if let Some(nbf) = nbf {
            claims["nbf"] = number(nbf);
        }
        let accepted = validate(&sign(&keys().0, &claims));
        let now = i128::from(now());
        let in_range = |t: i128| (0..=i128::from(u64::MAX)).contains(&t);
        let reference = in_range(exp)
            && exp >= now - LEEWAY
            && nbf.is_none_or(|nbf| in_range(nbf) && nbf <= now + LEEWAY);
        prop_assert_eq!(accepted, reference, "exp {} nbf {:?} now {}", exp, nbf, now);
    }
}
