//! The DPoP replay store on a real Redis (Debian's `redis-server`, which `make tools` installs),
//! shared by two replicas of the API: a proof accepted by one is refused by the other; Redis stopped,
//! hung or full gives 503 to DPoP requests (never an unchecked proof) while Bearer requests go on;
//! Redis back, the same replica recovers by itself; and each proof's key lives for its whole
//! acceptance window. Each test starts its own Redis on a free port, in a temporary directory.

mod common;

use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use actix_web::http::{Method, StatusCode};
use actix_web::test;
use backend::config::{DpopSettings, ReplayStoreSettings};
use backend::replay::{proof_id, RedisStore};
use common::*;
use serde_json::json;

/// A `redis-server` of this test's own, with an append-only file so that a restart keeps what was
/// recorded (as a deployment should run it).
struct RedisServer {
    port: u16,
    dir: PathBuf,
    child: Option<Child>,
}

impl RedisServer {
    fn start() -> Self {
        let port = TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free port").port();
        let dir = std::env::temp_dir().join(format!("redis-test-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temporary directory");
        let mut server = Self { port, dir, child: None };
        server.spawn();
        server
    }

    fn spawn(&mut self) {
        let child = Command::new("redis-server")
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "yes"])
            .arg("--dir")
            .arg(&self.dir)
            .stdout(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start redis-server ({e}): `make tools` installs Debian's redis-server"));
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.ping().is_err() {
            assert!(Instant::now() < deadline, "redis-server did not answer on port {}", self.port);
            std::thread::sleep(Duration::from_millis(20)); // polling a condition, with a deadline
        }
    }

    fn ping(&self) -> redis::RedisResult<String> {
        let mut connection = redis::Client::open(self.url())?.get_connection()?;
        redis::cmd("PING").query(&mut connection)
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/0", self.port)
    }

    fn command<T: redis::FromRedisValue>(&self, args: &[&str]) -> T {
        let mut connection = redis::Client::open(self.url()).and_then(|c| c.get_connection()).expect("connection");
        let mut command = redis::cmd(args[0]);
        for arg in &args[1..] {
            command.arg(*arg);
        }
        command.query(&mut connection).expect("redis command")
    }

    /// Stops it as an operator would (SIGTERM: it writes its append-only file and exits).
    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            signal(&child, "TERM");
            child.wait().expect("redis-server exits");
        }
        while TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            if let Err(e) = child.kill().and_then(|()| child.wait().map(drop)) {
                eprintln!("stopping redis-server: {e}");
            }
        }
        if let Err(e) = std::fs::remove_dir_all(&self.dir) {
            eprintln!("removing {}: {e}", self.dir.display());
        }
    }
}

fn signal(child: &Child, name: &str) {
    let status = Command::new("kill").arg(format!("-{name}")).arg(child.id().to_string()).status().expect("kill");
    assert!(status.success(), "kill -{name}");
}

/// A replica's state with the Redis store at `url` under `prefix`.
fn replica(issuer: &str, url: &str, prefix: &str) -> backend::AppState {
    let store =
        ReplayStoreSettings::Redis { url: url.into(), prefix: prefix.into(), timeout: Duration::from_millis(50) };
    app_state(issuer, 10, DpopSettings { replay_store: Some(store), ..DpopSettings::default() })
}

async fn get<S>(app: &S, path: &str) -> (StatusCode, String)
where
    S: actix_web::dev::Service<
        actix_http::Request,
        Response = actix_web::dev::ServiceResponse,
        Error = actix_web::Error,
    >,
{
    let res = test::call_service(app, test::TestRequest::get().uri(path).to_request()).await;
    let status = res.status();
    (status, String::from_utf8_lossy(&test::read_body(res).await).into_owned())
}

#[actix_web::test]
async fn a_proof_replayed_to_another_replica_sharing_redis_is_refused() {
    let redis = RedisServer::start();
    let issuer = Issuer::start().await;
    let a = app!(replica(&issuer.url, &redis.url(), "test:"));
    let b = app!(replica(&issuer.url, &redis.url(), "test:"));
    let key = ProofKey::new();
    let t = token(&issuer.url, Some(&key));
    let proof = key.proof(&t, "shared");
    assert_eq!(call(&a, Method::GET, &format!("DPoP {t}"), &[&proof]).await.status, StatusCode::OK);
    let replayed = call(&b, Method::GET, &format!("DPoP {t}"), &[&proof]).await;
    assert_eq!(replayed.status, StatusCode::UNAUTHORIZED, "the same proof at replica B");
    assert_eq!(replayed.body["error_description"], "invalid DPoP proof: the DPoP proof was already used");
    let fresh = call(&b, Method::GET, &format!("DPoP {t}"), &[&key.proof(&t, "fresh")]).await;
    assert_eq!(fresh.status, StatusCode::OK, "a new proof at replica B: {}", fresh.challenge);
    assert_eq!(get(&a, "/readyz").await, (StatusCode::OK, "ready".into()));
}

#[actix_web::test]
async fn redis_down_refuses_dpop_keeps_bearer_and_the_replica_recovers_by_itself() {
    let mut redis = RedisServer::start();
    let issuer = Issuer::start().await;
    let app = app!(replica(&issuer.url, &redis.url(), "test:"));
    let key = ProofKey::new();
    let t = token(&issuer.url, Some(&key));
    let bearer = token(&issuer.url, None);
    let accepted = key.proof(&t, "before");
    assert_eq!(call(&app, Method::GET, &format!("DPoP {t}"), &[&accepted]).await.status, StatusCode::OK);

    redis.stop();
    for (i, proof) in [accepted.clone(), key.proof(&t, "during")].iter().enumerate() {
        let res = test::call_service(
            &app,
            test::TestRequest::get()
                .uri("/api/private")
                .insert_header(("authorization", format!("DPoP {t}")))
                .insert_header(("dpop", proof.as_str()))
                .to_request(),
        )
        .await;
        assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE, "proof {i} while Redis is down");
        assert_eq!(res.headers().get("retry-after").and_then(|v| v.to_str().ok()), Some("1"));
        let body: serde_json::Value = serde_json::from_slice(&test::read_body(res).await).expect("json");
        assert_eq!(
            body,
            json!({"error": "temporarily_unavailable", "error_description": "the DPoP replay check is unavailable; try again"})
        );
    }
    assert_eq!(call(&app, Method::GET, &format!("Bearer {bearer}"), &[]).await.status, StatusCode::OK, "Bearer");
    assert_eq!(get(&app, "/readyz").await.0, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(get(&app, "/healthz").await.0, StatusCode::OK, "alive all the same");

    redis.spawn();
    let deadline = Instant::now() + Duration::from_secs(15);
    while get(&app, "/readyz").await.0 != StatusCode::OK {
        assert!(Instant::now() < deadline, "the replica did not reconnect");
        actix_web::rt::time::sleep(Duration::from_millis(50)).await; // polling a condition, with a deadline
    }
    let again = call(&app, Method::GET, &format!("DPoP {t}"), &[&accepted]).await;
    assert_eq!(again.status, StatusCode::UNAUTHORIZED, "a proof accepted before the outage stays spent");
    let after = call(&app, Method::GET, &format!("DPoP {t}"), &[&key.proof(&t, "after")]).await;
    assert_eq!(after.status, StatusCode::OK, "recovered: {}", after.challenge);
}

#[actix_web::test]
async fn redis_hung_or_full_refuses_dpop_within_the_timeout() {
    let redis = RedisServer::start();
    let issuer = Issuer::start().await;
    let app = app!(replica(&issuer.url, &redis.url(), "test:"));
    let key = ProofKey::new();
    let t = token(&issuer.url, Some(&key));
    assert_eq!(call(&app, Method::GET, &format!("DPoP {t}"), &[&key.proof(&t, "warm")]).await.status, StatusCode::OK);

    // Full: Redis refuses writes past its memory limit (noeviction).
    let _: String = redis.command(&["CONFIG", "SET", "maxmemory", "1"]);
    let full = call(&app, Method::GET, &format!("DPoP {t}"), &[&key.proof(&t, "full")]).await;
    assert_eq!(full.status, StatusCode::SERVICE_UNAVAILABLE, "Redis full");
    let _: String = redis.command(&["CONFIG", "SET", "maxmemory", "0"]);

    // Hung: the process stopped; the request is answered when the timeout passes, not when Redis is back.
    signal(redis.child.as_ref().expect("running"), "STOP");
    let started = Instant::now();
    let hung = call(&app, Method::GET, &format!("DPoP {t}"), &[&key.proof(&t, "hung")]).await;
    let waited = started.elapsed();
    signal(redis.child.as_ref().expect("running"), "CONT");
    assert_eq!(hung.status, StatusCode::SERVICE_UNAVAILABLE, "Redis hung");
    assert!(waited < Duration::from_secs(1), "answered after {waited:?}");
    let back = call(&app, Method::GET, &format!("DPoP {t}"), &[&key.proof(&t, "back")]).await;
    assert_eq!(back.status, StatusCode::OK, "Redis answering again: {}", back.challenge);
}

#[actix_web::test]
async fn a_proof_is_kept_for_its_whole_acceptance_window() {
    let redis = RedisServer::start();
    let issuer = Issuer::start().await;
    let app = app!(replica(&issuer.url, &redis.url(), "ttl:"));
    let key = ProofKey::new();
    let t = token(&issuer.url, Some(&key));
    let store = RedisStore::new(&redis.url(), "ttl:", Duration::from_millis(50)).expect("store");
    let ttl = |jti: &str| -> i64 { redis.command(&["PTTL", &store.key(&proof_id(&key.jkt(), URL, jti))]) };

    // A proof made now: kept for max age + leeway (60 + 5 s) and the second it was made in.
    assert_eq!(call(&app, Method::GET, &format!("DPoP {t}"), &[&key.proof(&t, "now")]).await.status, StatusCode::OK);
    let kept = ttl("now");
    assert!((64_000..=66_000).contains(&kept), "PTTL {kept} ms");

    // From a clock 4 s ahead (within the 5 s leeway): kept from its iat on, since it is acceptable
    // until iat + 65 s.
    let mut claims = ProofKey::claims(&t, "ahead");
    claims["iat"] = json!(now() + 4);
    let ahead = key.sign(&key.header(), &claims);
    assert_eq!(call(&app, Method::GET, &format!("DPoP {t}"), &[&ahead]).await.status, StatusCode::OK);
    let kept = ttl("ahead");
    assert!((68_000..=70_000).contains(&kept), "PTTL {kept} ms for a proof 4 s ahead");
}
