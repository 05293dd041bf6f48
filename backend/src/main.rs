//! Entry point: parse configuration, bind the API listener (and the SPA one when asked), run until
//! SIGINT/SIGTERM (actix drains in-flight requests), and exit non-zero with a clear message when
//! the configuration is wrong or a port is taken.

use std::process::ExitCode;
use std::time::Duration;

use actix_web::middleware::Condition;
use actix_web::{web, App, HttpServer};
use backend::config::Cli;
use backend::silent::SilentPage;
use backend::{configure, spa, AppState};
use clap::Parser;

#[actix_web::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,actix_server=warn")),
        )
        .init();
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("backend: {message}");
            ExitCode::FAILURE
        }
    }
}

/// An error and its causes on one line ("cannot read x: No such file or directory").
fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    text
}

async fn run(cli: Cli) -> Result<(), String> {
    let settings = cli.settings().map_err(|e| chain(&e))?;
    let policy = spa::AppPolicy::new(&settings.issuer, &settings.dpop.public_base_url, &cli.csp_extra_origins)
        .map_err(|e| chain(&e))?;
    if cli.print_trunk_serve {
        print!("{}", policy.trunk_serve_toml());
        return Ok(());
    }
    let silent = SilentPage::load(&cli.silent_page, &settings.app_origin).map_err(|e| chain(&e))?;
    if cli.spa_port.is_some() && !cli.dist.join("index.html").is_file() {
        return Err(format!("{} has no index.html: build the frontend first (make build)", cli.dist.display()));
    }
    let page = match cli.spa_port {
        Some(_) => Some(web::Data::new(spa::IndexPage::load(&cli.dist, policy).map_err(|e| chain(&e))?)),
        None => None,
    };
    let state = AppState::new(settings, silent).map_err(|e| chain(&e))?;
    // Access log (with --access-log): method, path (never the query: `/silent?code=…`), status,
    // size, time; no header.
    let logged = cli.access_log;
    let api_state = state.clone();
    let api = HttpServer::new(move || {
        App::new().wrap(Condition::new(logged, backend::access_log())).configure(|cfg| configure(cfg, &api_state))
    })
    .client_request_timeout(Duration::from_millis(cli.client_timeout_ms))
    .bind((cli.host, cli.port))
    .map_err(|e| format!("cannot listen on {}:{}: {e} (is another instance running?)", cli.host, cli.port))?
    .run();
    tracing::info!(
        "listening on http://{}:{} (issuer {}, audience {}, app origin {})",
        cli.host,
        cli.port,
        state.settings.issuer,
        state.settings.audience,
        state.settings.app_origin
    );

    let (Some(spa_port), Some(page)) = (cli.spa_port, page) else {
        return api.await.map_err(|e| e.to_string());
    };
    let dist = cli.dist.clone();
    let spa = HttpServer::new(move || {
        App::new()
            .wrap(Condition::new(logged, backend::access_log()))
            .wrap(spa::spa_headers())
            .configure(|cfg| spa::configure_spa(cfg, dist.clone(), page.clone()))
    })
    .client_request_timeout(Duration::from_millis(cli.client_timeout_ms))
    .bind((cli.host, spa_port))
    .map_err(|e| format!("cannot listen on {}:{spa_port}: {e} (is another instance running?)", cli.host))?
    .run();
    tracing::info!("serving the SPA from {} on http://{}:{spa_port}", cli.dist.display(), cli.host);
    tokio::try_join!(api, spa).map(|_| ()).map_err(|e| e.to_string())
}
