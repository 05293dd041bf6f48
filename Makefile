# Entry points. `make dev` runs the app; `make test` runs every check. Both install what they need
# (idempotently, from package registries only) and say so when a one-time step takes a while.
.DEFAULT_GOAL := help
SHELL := /bin/bash

IDP_PORT ?= 4000
BACKEND_PORT ?= 3001
APP_PORT ?= 5000
TRUNK_VERSION ?= 0.21.14
E2E_ACCESS_TOKEN_TTL ?= 15
# `make bench`: each wrk run, and the interleaved rounds of ours against bare actix-web.
BENCH_DURATION ?= 5s
BENCH_ROUNDS ?= 5
# Cases per property test: bounded in `make test`, many in `make fuzz`.
PROPTEST_CASES ?= 256
FUZZ_CASES ?= 20000
WASM_BINDGEN_VERSION := $(shell sed -n '/^name = "wasm-bindgen"$$/{n;s/^version = "\(.*\)"/\1/p;}' Cargo.lock)
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

export PATH := $(CURDIR)/e2e/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)
export TRUNK_SKIP_VERSION_CHECK := true
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1
export IDP_PORT BACKEND_PORT APP_PORT BENCH_DURATION BENCH_ROUNDS

GECKODRIVER_VERSION ?= 0.37.1
WASM_TEST_ENV := CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
	WASM_BINDGEN_TEST_WEBDRIVER_JSON=$(CURDIR)/frontend/webdriver.json

.PHONY: help tools tools-rust tools-system tools-node config app build dev cluster test fmt fmt-check lint unit fuzz wasm-test e2e e2e-chromium e2e-firefox bench screenshots clean

help: ## List the targets
	@grep -hE '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  \033[1m%-13s\033[0m %s\n", $$1, $$2}'

tools: tools-rust tools-system tools-node ## Install every tool (idempotent; the first run takes ~10 min, later runs seconds)

tools-rust: ## wasm32 target, trunk, wasm-bindgen-cli at Cargo.lock's version, geckodriver
	@rustup target list --installed | grep -qx wasm32-unknown-unknown || { \
		echo "==> adding the wasm32-unknown-unknown target (one time, ~30 s)"; rustup target add wasm32-unknown-unknown; }
	@trunk --version 2>/dev/null | grep -qx "trunk $(TRUNK_VERSION)" || { \
		echo "==> compiling trunk $(TRUNK_VERSION) from the Rust package registry (one time, ~8 min on 2 cores)"; \
		cargo install --locked trunk@$(TRUNK_VERSION); }
	@wasm-bindgen --version 2>/dev/null | grep -qx "wasm-bindgen $(WASM_BINDGEN_VERSION)" || { \
		echo "==> compiling wasm-bindgen-cli $(WASM_BINDGEN_VERSION), Cargo.lock's version (one time, ~4 min)"; \
		cargo install wasm-bindgen-cli --version $(WASM_BINDGEN_VERSION); }
	@geckodriver --version 2>/dev/null | grep -qE "^geckodriver $(GECKODRIVER_VERSION)( |$$)" || { \
		echo "==> compiling geckodriver $(GECKODRIVER_VERSION) for the wasm tests in Firefox (one time, ~2 min)"; \
		cargo install --locked geckodriver@$(GECKODRIVER_VERSION); }

tools-system: ## Debian's chromium, chromium-driver, firefox-esr, wrk, redis-server and nginx
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null && command -v firefox-esr >/dev/null && command -v wrk >/dev/null \
		&& command -v redis-server >/dev/null && command -v nginx >/dev/null || { \
		echo "==> installing Debian's chromium, chromium-driver, firefox-esr, wrk, redis-server and nginx (one time, ~1 min)"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium chromium-driver firefox-esr wrk redis-server nginx >/dev/null; }

tools-node: e2e/node_modules/.installed ## npm packages: oidc-provider, Playwright, binaryen's wasm-opt, terser, zopfli

e2e/node_modules/.installed: e2e/package-lock.json
	@echo "==> installing npm packages for the identity provider, Playwright, wasm-opt, terser and zopfli (~20 s)"
	@cd e2e && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

config: ## Write frontend/auth_config.json (local provider, or Auth0 when AUTH0_DOMAIN is set)
	@scripts/auth-config.sh

app: tools config ## The app's release build (frontend/dist, size-optimised wasm, precompressed brotli and gzip)
	@echo "==> building the frontend (wasm, size-optimised)"
	@scripts/trunk-release.sh frontend "$(CURDIR)/frontend/dist"

build: app ## Release build: the app (frontend/dist) and the backend binary
	@echo "==> building the backend (release)"
	@cargo build --release -q -p backend

dev: tools config ## Run the identity provider (:4000), backend (:3001) and app (:5000); Ctrl-C stops all
	@scripts/dev.sh

cluster: tools config ## As make dev, with three backend replicas sharing Redis behind nginx on :3001; Ctrl-C stops all
	@echo "==> building the backend (release; first build ~3 min)"
	@cargo build --release -q -p backend
	@scripts/cluster.sh

test: ## Every check: format, clippy, unit, browser and end-to-end tests in both engines; prints each stage's time
	@E2E_APP_BUILT=1 MAKE="$(MAKE)" scripts/stages.sh tools fmt-check lint unit wasm-test app e2e
	@echo "==> all checks passed"

fmt: ## Format the Rust code
	cargo fmt --all

fmt-check: ## Check formatting
	cargo fmt --all -- --check

lint: tools-rust ## Clippy with warnings as errors, native and wasm32
	cargo clippy -q --workspace --all-targets -- -D warnings
	cargo clippy -q -p frontend --target wasm32-unknown-unknown --all-targets -- -D warnings

unit: ## Native tests: backend (routes, tokens, CORS) and the frontend's pure logic, properties included
	PROPTEST_CASES=$(PROPTEST_CASES) cargo test -q -p auth-rules -p backend
	PROPTEST_CASES=$(PROPTEST_CASES) cargo test -q -p frontend --lib

fuzz: ## Property tests only, with FUZZ_CASES cases each (20000: about 2 min here); failures are kept in proptest-regressions/
	@echo "==> $(FUZZ_CASES) cases per property (parsers, JWT decoding and verification, claim times, scheduling)"
	PROPTEST_CASES=$(FUZZ_CASES) cargo test --release -q -p frontend --lib properties
	PROPTEST_CASES=$(FUZZ_CASES) cargo test --release -q -p backend --test properties

wasm-test: tools ## Browser-bound frontend code in headless Chromium and Firefox (wasm-bindgen-test)
	$(WASM_TEST_ENV) CHROMEDRIVER=/usr/bin/chromedriver cargo test -p frontend --target wasm32-unknown-unknown --test browser
	$(WASM_TEST_ENV) GECKODRIVER=$$(command -v geckodriver) cargo test -p frontend --target wasm32-unknown-unknown --test browser

# `make test` builds the app in its own stage, and its e2e stage tests that build (E2E_APP_BUILT=1)
# instead of making it again.
E2E_APP := $(if $(E2E_APP_BUILT),,app)

e2e: $(E2E_APP) ## Playwright on the real stack in both engines at once, each on its own ports (local provider, short token lifetime)
	@cargo build -q -p backend
	E2E_ACCESS_TOKEN_TTL=$(E2E_ACCESS_TOKEN_TTL) scripts/e2e.sh

e2e-chromium: app ## The Playwright suite in Debian's Chromium only
	@cargo build -q -p backend
	cd e2e && E2E_ENGINES=chromium E2E_ACCESS_TOKEN_TTL=$(E2E_ACCESS_TOKEN_TTL) npx playwright test

e2e-firefox: app ## The Playwright suite in Debian's Firefox ESR only, with its default privacy settings
	@cargo build -q -p backend
	cd e2e && E2E_ENGINES=firefox E2E_ACCESS_TOKEN_TTL=$(E2E_ACCESS_TOKEN_TTL) npx playwright test

bench: build ## Benchmarks (not tests): backend vs the tutorial's Express server, bundle size, renewal latency
	bench/run.sh

screenshots: build ## The README's pictures (docs/*.png) taken again from the release build (~1 min)
	bench/screenshots.sh

clean: ## Remove build outputs
	cargo clean
	rm -rf frontend/dist e2e/test-results e2e/playwright-report bench/results
