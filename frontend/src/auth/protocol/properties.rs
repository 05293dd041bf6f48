//! Property tests of the rules that read what an attacker controls: the redirect parser, JWT
//! decoding, the claim checks, and the scheduling decision. For any input: no panic, and nothing
//! accepted that a simple reference rule (written independently here) would refuse. `make test`
//! runs the default 256 cases per property; `make fuzz` runs many more (`PROPTEST_CASES`).

use proptest::prelude::*;
use serde_json::json;

use super::claims::{self, Expected, LEEWAY_SECS};
use super::error::AuthError;
use super::jwt::{self, tests::b64, MAX_TOKEN_LEN};
use super::response::{self, MAX_RESPONSE_LEN, TOKEN_PARAMETERS};
use super::schedule::{self, Failures, Lifetime, Plan, MAX_TIMER_MS};

/// Percent-encodes every byte that is not unreserved (the reference encoder).
fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Text that looks like a URL's fragment: parameter-ish pieces, escapes, and junk.
fn fragment_like() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        "[a-z_]{1,12}=[A-Za-z0-9._~+%-]{0,24}",
        Just("state=s".to_owned()),
        Just("%".to_owned()),
        Just("%zz".to_owned()),
        Just("%C3%28".to_owned()),
        ".{0,8}",
    ];
    (prop::option::of(prop_oneof![Just('#'), Just('?')]), prop::collection::vec(piece, 0..12))
        .prop_map(|(lead, pieces)| format!("{}{}", lead.map(String::from).unwrap_or_default(), pieces.join("&")))
}

/// Times as a token may carry them: anything, and above all the edges where arithmetic wraps, and
/// values close to one another (so `now` falls inside the leeway of `exp`).
fn time() -> impl Strategy<Value = i64> {
    prop_oneof![any::<i64>(), (i64::MAX - 200)..=i64::MAX, i64::MIN..=(i64::MIN + 200), -200i64..200,]
}

proptest! {
    #[test]
    fn the_redirect_parser_never_panics_and_accepts_only_answers_with_one_state(input in fragment_like()) {
        if let Ok(answer) = response::parse_response(&input) {
            let body = input.trim_start_matches(['#', '?']);
            prop_assert!(body.len() <= MAX_RESPONSE_LEN);
            let states = body.split('&').filter(|p| p.split('=').next() == Some("state")).count();
            prop_assert_eq!(states, 1, "exactly one state parameter");
            prop_assert!(!answer.state.is_empty());
        }
    }

    #[test]
    fn arbitrary_text_never_panics_the_parsers_and_what_they_accept_is_sound(input in ".{0,200}", search in ".{0,200}") {
        if let Ok(answer) = response::parse_redirect(&input, &search) {
            prop_assert!(!answer.state.is_empty());
            let query = search.trim_start_matches('?');
            prop_assert!(!TOKEN_PARAMETERS.iter().any(|name| query.split('&').any(|p| p.split('=').next() == Some(*name))));
        }
        if jwt::decode(&input).is_ok() {
            prop_assert_eq!(input.matches('.').count(), 2);
        }
    }

    #[test]
    fn parameters_round_trip_and_duplicates_are_refused(
        pairs in prop::collection::btree_map("\\PC{1,10}", "\\PC{0,16}", 1..8),
        duplicate in any::<prop::sample::Index>(),
    ) {
        let encoded: Vec<String> = pairs.iter().map(|(k, v)| format!("{}={}", encode(k), encode(v))).collect();
        let parsed = response::parse_params(&format!("#{}", encoded.join("&"))).expect("well-formed");
        let expected: Vec<(String, String)> = pairs.clone().into_iter().collect();
        prop_assert_eq!(parsed, expected);
        let twice = format!("#{}&{}", encoded.join("&"), duplicate.get(&encoded));
        prop_assert!(matches!(response::parse_params(&twice), Err(AuthError::MalformedResponse(_))));
    }

    #[test]
    fn a_query_naming_a_token_parameter_is_always_refused(
        before in "[a-z_]{1,8}=[a-z0-9]{0,8}",
        which in prop::sample::select(TOKEN_PARAMETERS.to_vec()),
        value in "[A-Za-z0-9._-]{0,40}",
        hash in prop::option::of(Just("#access_token=a&id_token=b&token_type=Bearer&expires_in=60&state=s")),
    ) {
        let query = format!("?{before}&{}={value}&state=s&code=c", encode(which));
        prop_assert!(matches!(
            response::parse_redirect(hash.unwrap_or_default(), &query),
            Err(AuthError::MalformedResponse(_))
        ));
    }

    #[test]
    fn jwt_decoding_accepts_only_three_parts_within_the_size_limit(input in "[A-Za-z0-9_.-]{0,300}") {
        if jwt::decode(&input).is_ok() {
            prop_assert_eq!(input.matches('.').count(), 2);
            prop_assert!(input.len() <= MAX_TOKEN_LEN);
        }
    }

    #[test]
    fn claim_times_are_checked_without_overflow(exp in time(), iat in time(), now in time()) {
        let claims = json!({"iss": "http://localhost:4000", "sub": "s", "aud": "client", "exp": exp, "iat": iat});
        let token = jwt::decode(&format!("{}.{}.c2ln", b64(&json!({"alg": "RS256"})), b64(&claims))).expect("decodes");
        let expected = Expected {
            issuer: "http://localhost:4000", client_id: "client", nonce: None, access_token: "a",
            at_hash_required: false, subject: None, now_secs: now,
        };
        let accepted = claims::check(&token, &expected).is_ok();
        // The reference rule, in integers that cannot overflow.
        let (exp, iat, now, leeway) = (i128::from(exp), i128::from(iat), i128::from(now), i128::from(LEEWAY_SECS));
        let saturate = |v: i128| v.clamp(i128::from(i64::MIN), i128::from(i64::MAX));
        let reference = saturate(exp + leeway) > now && saturate(iat - leeway) <= now;
        prop_assert_eq!(accepted, reference);
    }

    #[test]
    fn the_schedule_never_plans_past_expiry(
        issued_at in -1e15f64..1e15,
        lifetime in 0f64..1e13,
        now in -1e15f64..2e15,
        count in 0u32..40,
        last_at in -1e15f64..2e15,
        jitter in any::<f64>(),
        transient in any::<bool>(),
    ) {
        let life = Lifetime { issued_at, expires_at: issued_at + lifetime };
        let failures = Failures { count, last_at, jitter, transient };
        match schedule::plan(now, life, failures) {
            Plan::RenewAt(at) => {
                prop_assert!(now < life.expires_at, "a renewal planned for an expired token");
                prop_assert!(at <= life.expires_at, "renewal at {at} after expiry {}", life.expires_at);
                prop_assert!(count == 0 || transient, "a rejected response retried on a timer");
            }
            Plan::Expired => prop_assert!(now >= life.expires_at),
            Plan::Exhausted { valid_until } => {
                prop_assert!(count > 0 && transient && now < life.expires_at);
                prop_assert_eq!(valid_until, life.expires_at);
            }
            Plan::Halted => prop_assert!(count > 0 && !transient && now < life.expires_at),
        }
    }

    #[test]
    fn timer_delays_fit_set_timeout(now in any::<f64>(), at in any::<f64>()) {
        prop_assert!(f64::from(schedule::wake_delay_ms(now, at)) <= MAX_TIMER_MS);
    }
}
