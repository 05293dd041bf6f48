//! The reference for `make bench`: a bare actix-web server that answers `/silent` and
//! `/api/private` with the responses the real backend sent, saved by the bench with
//! `curl --include`: the same headers and the same body, with no middleware, no verification and no
//! logging. The real routes are compared against it in the same run, so what shows as a ratio is the
//! cost of what the backend does to make those bytes (the guard, the token check, the JSON), not of
//! the bytes themselves.
//!
//! With `--body-only` it sends the body with its `Content-Type` and nothing else. The bench runs one
//! of each: the gap between the two is what the security headers (`Content-Security-Policy`,
//! `nosniff`, `no-store`, `Vary`, `Referrer-Policy`) cost to write and to parse.
//!
//! Usage: `bare [--body-only] <port> <silent response file> <private response file>`.

use std::process::ExitCode;

use actix_web::http::header::{HeaderName, HeaderValue, CONTENT_LENGTH, CONTENT_TYPE, DATE};
use actix_web::{web, App, HttpResponse, HttpServer};

/// One saved response: its headers (without the ones actix writes itself) and its body.
#[derive(Clone)]
struct Saved {
    headers: Vec<(HeaderName, HeaderValue)>,
    body: web::Bytes,
}

impl Saved {
    /// Parses what `curl --include` writes: a status line, header lines, a blank line, the body.
    /// `Date` and `Content-Length` are left to actix, which writes them for every answer.
    fn parse(raw: &[u8], body_only: bool) -> Result<Self, String> {
        let split = raw.windows(4).position(|w| w == b"\r\n\r\n").ok_or("no blank line after the headers")?;
        let (head, body) = (&raw[..split], &raw[split + 4..]);
        let mut headers = Vec::new();
        for line in head.split(|&b| b == b'\n').skip(1) {
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            let colon = line.iter().position(|&b| b == b':').ok_or("a header line without a colon")?;
            let name = HeaderName::from_bytes(&line[..colon]).map_err(|e| e.to_string())?;
            let value = HeaderValue::from_bytes(line[colon + 1..].trim_ascii()).map_err(|e| e.to_string())?;
            if name != DATE && name != CONTENT_LENGTH && (!body_only || name == CONTENT_TYPE) {
                headers.push((name, value));
            }
        }
        Ok(Self { headers, body: web::Bytes::copy_from_slice(body) })
    }

    /// The saved response, its headers inserted one by one as a handler would.
    fn respond(&self) -> HttpResponse {
        let mut response = HttpResponse::Ok();
        for header in &self.headers {
            response.insert_header(header.clone());
        }
        response.body(self.body.clone())
    }
}

#[actix_web::main]
async fn main() -> ExitCode {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let body_only = args.first().is_some_and(|a| a == "--body-only");
    if body_only {
        args.remove(0);
    }
    let [port, silent, private] = args.as_slice() else {
        eprintln!("usage: bare [--body-only] <port> <silent response file> <private response file>");
        return ExitCode::FAILURE;
    };
    let read = |path: &str| {
        std::fs::read(path)
            .map_err(|e| e.to_string())
            .and_then(|raw| Saved::parse(&raw, body_only))
            .map_err(|e| format!("{path}: {e}"))
    };
    let (port, silent, private) = match (port.parse::<u16>(), read(silent), read(private)) {
        (Ok(port), Ok(silent), Ok(private)) => (port, silent, private),
        (Err(e), _, _) => return fail(&format!("port {port}: {e}")),
        (_, Err(e), _) | (_, _, Err(e)) => return fail(&e),
    };
    let server = HttpServer::new(move || {
        let (silent, private) = (silent.clone(), private.clone());
        App::new()
            .route(
                "/silent",
                web::get().to(move || {
                    let answer = silent.respond();
                    async move { answer }
                }),
            )
            .route(
                "/api/private",
                web::get().to(move || {
                    let answer = private.respond();
                    async move { answer }
                }),
            )
    })
    .bind(("127.0.0.1", port));
    match server {
        Ok(server) => match server.run().await {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => fail(&e.to_string()),
        },
        Err(e) => fail(&format!("cannot listen on 127.0.0.1:{port}: {e}")),
    }
}

fn fail(message: &str) -> ExitCode {
    eprintln!("bare: {message}");
    ExitCode::FAILURE
}
