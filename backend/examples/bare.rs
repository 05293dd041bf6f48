//! The reference for `make bench`: a bare actix-web server that answers `/silent` and
//! `/api/private` with fixed bytes (the bodies the real backend sends, saved by the bench), with no
//! middleware, no verification and no logging. The real routes are compared against it in the same
//! run, so the cost of everything the backend adds (headers, CORS, the token check, the access log)
//! shows as a ratio.
//!
//! Usage: `bare <port> <silent body file> <private body file>`.

use std::process::ExitCode;

use actix_web::{web, App, HttpResponse, HttpServer};

/// The saved bodies, shared by every worker.
#[derive(Clone)]
struct Bodies {
    silent: web::Bytes,
    private: web::Bytes,
}

#[actix_web::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [port, silent, private] = args.as_slice() else {
        eprintln!("usage: bare <port> <silent body file> <private body file>");
        return ExitCode::FAILURE;
    };
    let read = |path: &str| std::fs::read(path).map(web::Bytes::from).map_err(|e| format!("cannot read {path}: {e}"));
    let bodies = match (port.parse::<u16>(), read(silent), read(private)) {
        (Ok(port), Ok(silent), Ok(private)) => (port, Bodies { silent, private }),
        (Err(e), _, _) => return fail(&format!("port {port}: {e}")),
        (_, Err(e), _) | (_, _, Err(e)) => return fail(&e),
    };
    let (port, bodies) = bodies;
    let server = HttpServer::new(move || {
        let (silent, private) = (bodies.silent.clone(), bodies.private.clone());
        App::new()
            .route(
                "/silent",
                web::get().to(move || {
                    let body = silent.clone();
                    async move { HttpResponse::Ok().content_type("text/html; charset=utf-8").body(body) }
                }),
            )
            .route(
                "/api/private",
                web::get().to(move || {
                    let body = private.clone();
                    async move { HttpResponse::Ok().content_type("application/json").body(body) }
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
