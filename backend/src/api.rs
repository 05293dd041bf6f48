//! The tutorial series' API: one public route, one that needs a valid access token, one that also
//! needs the `read:messages` scope. Handlers say what they need by taking a [`Verified`] argument;
//! the extractor reads the token and validates it before the handler runs: a bearer token
//! (`Authorization: Bearer`, refused if it is bound to a key), or a DPoP-bound one
//! (`Authorization: DPoP` with a `DPoP` proof of the key its `cnf.jkt` names, RFC 9449 §7).

use std::future::{ready, Ready};
use std::sync::Arc;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::web::Data;
use actix_web::{FromRequest, HttpRequest, HttpResponse};
use futures::future::{Either, LocalBoxFuture};
use serde_json::json;

use crate::config::{DpopSettings, ReplayStoreSettings};
use crate::dpop::{self, Nonces, ProofError};
use crate::error::{ApiError, ConfigError};
use crate::jwt::{Claims, Validator};
use crate::replay::{self, MemoryStore, RedisStore, ReplayError, ReplayStore};

/// What checking DPoP proofs needs across requests: the replay store, the server nonces if asked
/// for, and the rules.
pub struct DpopState {
    /// Where accepted proofs are remembered.
    pub replay: ReplayStore,
    /// Server nonces, when proofs must carry one.
    pub nonces: Option<Nonces>,
    /// The settings.
    pub settings: DpopSettings,
    /// Clock skew tolerated.
    pub leeway_secs: u64,
}

impl DpopState {
    /// The state for these settings. A Redis store connects on first use (so this runs inside the
    /// server's runtime, and a replica starts while Redis is down).
    pub fn new(settings: DpopSettings, leeway_secs: u64) -> Result<Self, ConfigError> {
        let replay = match settings.store() {
            ReplayStoreSettings::Memory { capacity, per_key } => {
                ReplayStore::Memory(MemoryStore::new(capacity, per_key))
            }
            ReplayStoreSettings::Redis { url, prefix, timeout } => ReplayStore::Redis(
                RedisStore::new(&url, &prefix, timeout)
                    .map_err(|e| ConfigError::Invalid(format!("DPOP_REPLAY_STORE: {:?}", e.kind())))?,
            ),
        };
        let nonces = match (settings.nonce, &settings.nonce_secret) {
            (false, _) => None,
            (true, Some(secret)) => Some(Nonces::new(settings.max_age_secs, secret.0)),
            (true, None) => Some(Nonces::random(settings.max_age_secs).map_err(|_| {
                ConfigError::Invalid("no cryptographic random source for the DPoP nonce secret".into())
            })?),
        };
        Ok(Self { replay, nonces, settings, leeway_secs })
    }
}

/// The scope `/api/private-scoped` requires, as in the tutorial series.
pub const READ_MESSAGES: &str = "read:messages";

/// Longest bearer token accepted; real ones are ~1 KB, this stops pathological inputs early.
const MAX_TOKEN_LEN: usize = 8 * 1024;

/// The claims of a request's access token, verified: a handler taking one runs only for a request
/// whose token passed every check, and the rejection is an RFC 6750 answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified(pub Arc<Claims>);

/// How the token came.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scheme {
    Bearer,
    Dpop,
}

/// The scheme and token of the `Authorization` header, or why there are none. Borrowed from the
/// request: a token the validator remembers is answered without copying it.
fn credentials(req: &HttpRequest) -> Result<(Scheme, &str), ApiError> {
    let value = req.headers().get(header::AUTHORIZATION).ok_or(ApiError::MissingToken)?;
    // ASCII, checked a word at a time: `HeaderValue::to_str` checks a byte at a time, which was the
    // largest cost of a request carrying a remembered token (a ~1 KB header). The parser already
    // refused control characters other than tab, so this accepts what `to_str` accepts.
    let value = std::str::from_utf8(value.as_bytes())
        .ok()
        .filter(|v| v.is_ascii())
        .ok_or(ApiError::InvalidToken("authorization header is not ASCII"))?;
    let (scheme, token) = value.split_once(' ').ok_or_else(|| ApiError::InvalidToken("expected `Bearer <token>`"))?;
    let scheme = if scheme.eq_ignore_ascii_case("bearer") {
        Scheme::Bearer
    } else if scheme.eq_ignore_ascii_case("dpop") {
        Scheme::Dpop
    } else {
        return Err(ApiError::InvalidToken("expected the Bearer or DPoP scheme"));
    };
    let token = token.trim();
    if token.is_empty() || token.len() > MAX_TOKEN_LEN {
        return Err(ApiError::InvalidToken("token empty or too large"));
    }
    Ok((scheme, token))
}

/// The one `DPoP` header of the request (RFC 9449 §4.3: exactly one).
fn proof_header(req: &HttpRequest) -> Result<String, ApiError> {
    let mut proofs = req.headers().get_all("dpop");
    match (proofs.next(), proofs.next()) {
        (Some(proof), None) => {
            proof.to_str().map(str::to_owned).map_err(|_| ApiError::InvalidProof(ProofError::Malformed))
        }
        _ => Err(ApiError::InvalidProof(ProofError::Missing)),
    }
}

/// How the token came: as Bearer, or as DPoP with what checking its proof needs.
enum Presented {
    Bearer,
    Dpop { proof: String, method: String, url: String },
}

/// The claims of a token presented as Bearer: refused if the token is bound to a key (RFC 9449 §7.1).
fn bearer(claims: Arc<Claims>) -> Result<Arc<Claims>, ApiError> {
    if claims.bound_to().is_some() {
        return Err(ApiError::InvalidToken("a DPoP-bound token was presented as a bearer token"));
    }
    Ok(claims)
}

/// Checks a request's token, and its DPoP proof when the token came as `DPoP`.
async fn verify(
    presented: Presented,
    token: String,
    validator: Data<Validator>,
    dpop_state: Data<DpopState>,
) -> Result<Arc<Claims>, ApiError> {
    match presented {
        Presented::Bearer => bearer(validator.validate(&token).await?),
        Presented::Dpop { proof, method, url } => {
            let claims = validator.validate(&token).await.map_err(|e| match e {
                ApiError::InvalidToken(why) => ApiError::InvalidDpopToken(why),
                other => other,
            })?;
            let now = crate::jwt::now_secs();
            let expected = dpop::Expected {
                method: &method,
                url: &url,
                access_token: &token,
                now,
                max_age_secs: dpop_state.settings.max_age_secs,
                leeway_secs: dpop_state.leeway_secs,
            };
            let proof = dpop::verify(&proof, &expected, dpop_state.nonces.as_ref()).map_err(|e| {
                match (e, &dpop_state.nonces) {
                    (ProofError::UseNonce, Some(nonces)) => ApiError::UseDpopNonce(nonces.current(now)),
                    (e, _) => ApiError::InvalidProof(e),
                }
            })?;
            if claims.bound_to() != Some(proof.thumbprint.as_str()) {
                return Err(ApiError::InvalidDpopToken("the token is not bound to the proof's key"));
            }
            // Last, once the proof and its token are known good: a refused request records nothing.
            let id = replay::proof_id(&proof.thumbprint, &proof.htu, &proof.jti);
            let until = proof.acceptable_until(&expected);
            dpop_state.replay.record(&id, &proof.thumbprint, now, until).await.map_err(|e| match e {
                ReplayError::Replay => ApiError::InvalidProof(ProofError::Replay),
                ReplayError::Busy => ApiError::InvalidProof(ProofError::Busy),
                ReplayError::Unavailable => ApiError::ReplayUnavailable,
            })?;
            Ok(claims)
        }
    }
}

impl FromRequest for Verified {
    type Error = ApiError;
    /// Ready for a remembered bearer token (no allocation on the API's common path), boxed when
    /// the token must be verified or a DPoP proof checked.
    type Future = Either<Ready<Result<Self, ApiError>>, LocalBoxFuture<'static, Result<Self, ApiError>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let validator = req.app_data::<Data<Validator>>().cloned();
        let dpop_state = req.app_data::<Data<DpopState>>().cloned();
        // The common case, a bearer token verified before whose key is still published, is answered
        // here, without copying the token or waiting.
        let credentials = credentials(req);
        if let (Some(validator), Ok((Scheme::Bearer, token))) = (&validator, &credentials) {
            if let Some(claims) = validator.remembered_now(token) {
                return Either::Left(ready(bearer(claims).map(Verified)));
            }
        }
        // What only a DPoP proof's check needs (the proof, method and URL) is read for DPoP only.
        let presented = credentials.and_then(|(scheme, token)| {
            let presented = match scheme {
                Scheme::Bearer => Presented::Bearer,
                Scheme::Dpop => Presented::Dpop {
                    proof: proof_header(req)?,
                    method: req.method().as_str().to_owned(),
                    url: dpop_state
                        .as_ref()
                        .map(|d| format!("{}{}", d.settings.public_base_url, req.path()))
                        .unwrap_or_default(),
                },
            };
            Ok((presented, token.to_owned()))
        });
        Either::Right(Box::pin(async move {
            let (validator, dpop_state) = validator.zip(dpop_state).ok_or(ApiError::Misconfigured)?;
            let (presented, token) = presented?;
            verify(presented, token, validator, dpop_state).await.map(Verified)
        }))
    }
}

/// `GET /api/public`.
pub async fn public() -> HttpResponse {
    HttpResponse::Ok().json(json!({
        "message": "Hello from a public endpoint! You don't need to be authenticated to see this."
    }))
}

/// `GET /api/private`.
pub async fn private(Verified(claims): Verified) -> HttpResponse {
    private_response(&Private {
        message: "Hello from a private endpoint! You need to be authenticated to see this.",
        sub: &claims.sub,
    })
}

/// `GET /api/private-scoped`.
pub async fn private_scoped(Verified(claims): Verified) -> Result<HttpResponse, ApiError> {
    if !claims.has_scope(READ_MESSAGES) {
        return Err(ApiError::InsufficientScope(READ_MESSAGES));
    }
    Ok(private_response(&Private {
        message:
            "Hello from a private endpoint! You need to be authenticated and have a scope of read:messages to see this.",
        sub: &claims.sub,
    }))
}

/// A private route's answer, serialised straight from borrowed fields (no intermediate JSON tree).
#[derive(serde::Serialize)]
struct Private<'a> {
    message: &'a str,
    sub: &'a str,
}

fn private_response(body: &Private<'_>) -> HttpResponse {
    HttpResponse::Ok().insert_header((header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"))).json(body)
}
