//! What only a real server shows: request heads too large (431), slow clients (cut off after the
//! client timeout), bodies over the limit (413), over TCP against the same `configure` and the same
//! server settings as `main`.

mod common;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::time::Duration;

use actix_web::{App, HttpServer};
use backend::config::DpopSettings;
use common::*;

/// Starts the :3001 routes on an ephemeral port with `client_timeout`.
fn serve(client_timeout: Duration) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    let state = app_state("http://127.0.0.1:9", 10, DpopSettings::default());
    let server = HttpServer::new(move || {
        let state = state.clone();
        App::new().configure(move |cfg| backend::configure(cfg, &state))
    })
    .client_request_timeout(client_timeout)
    .workers(1)
    .listen(listener)
    .expect("listen")
    .run();
    actix_web::rt::spawn(server);
    addr
}

/// Sends `request` as it is and reads until the server closes the connection or `limit` passes.
async fn exchange(addr: SocketAddr, request: Vec<u8>, limit: Duration) -> String {
    actix_web::rt::task::spawn_blocking(move || {
        let mut stream = TcpStream::connect(addr).expect("connect");
        stream.set_read_timeout(Some(limit)).expect("timeout");
        stream.write_all(&request).expect("send");
        let mut answer = Vec::new();
        let mut buffer = [0u8; 4096];
        // Reads until EOF (the server closed) or the read timeout (it did not).
        while let Ok(n) = stream.read(&mut buffer) {
            if n == 0 {
                return String::from_utf8_lossy(&answer).into_owned();
            }
            answer.extend_from_slice(&buffer[..n]);
        }
        format!("{}\n(still open after {limit:?})", String::from_utf8_lossy(&answer))
    })
    .await
    .expect("join")
}

#[actix_web::test]
async fn a_request_head_too_large_is_431() {
    let addr = serve(Duration::from_secs(5));
    let request =
        format!("GET /api/public HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\nConnection: close\r\n\r\n", "a".repeat(64 * 1024));
    let answer = exchange(addr, request.into_bytes(), Duration::from_secs(5)).await;
    assert!(answer.starts_with("HTTP/1.1 431"), "{:.200}", answer);
}

#[actix_web::test]
async fn a_slow_client_is_cut_off_after_the_client_timeout() {
    let addr = serve(Duration::from_millis(300));
    // A head that never ends: the server must not wait for it forever.
    let answer = exchange(addr, b"GET /api/public HTTP/1.1\r\nHost: x\r\n".to_vec(), Duration::from_secs(10)).await;
    assert!(!answer.contains("still open"), "{answer}");
    assert!(answer.is_empty() || answer.starts_with("HTTP/1.1 408"), "{answer}");
}

#[actix_web::test]
async fn a_body_over_the_limit_is_413_and_the_connection_closes() {
    let addr = serve(Duration::from_secs(5));
    let request = "POST /api/private HTTP/1.1\r\nHost: x\r\nContent-Length: 104857600\r\n\r\nxxxx";
    let answer = exchange(addr, request.as_bytes().to_vec(), Duration::from_secs(5)).await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{:.200}", answer);
    assert!(!answer.contains("still open"), "{answer}");
}
