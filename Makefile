# OpenFund — the two commands a new user needs are `make run` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help
BIN_RELEASE := target/release/openfund

.PHONY: help run test build frontend deps openapi bench bench-github fmt lint clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

run: build ## build everything, load demo data into ./openfund.db (SQLite) and serve it
	@$(BIN_RELEASE) demo
	@echo "Demo data loaded. Sign in with one of the accounts above."
	@$(BIN_RELEASE) serve

test: ## the whole suite: lint, front-end unit, Rust on SQLite+PostgreSQL, browser, schemathesis
	@scripts/install-deps
	@scripts/test-all

build: frontend ## release binary with the web app embedded
	cargo build --release

frontend: ## build the web app into frontend/dist
	cd frontend && (test -d node_modules || npm ci --no-audit --no-fund --loglevel=error) && npm run build

openapi: ## regenerate openapi/openapi.json and the front end's API types from the code
	cargo run --quiet -- openapi > openapi/openapi.json
	cd frontend && npm run gen:api

# Held while the benchmark builds and measures, so no compile sharing the machine (anyone
# building under the same lock) competes with it for the CPU.
BENCH_LOCK ?= /tmp/openfund-cargo.lock

bench: ## benchmark (baseline + sign-in flood) on SQLite and PostgreSQL → docs/performance.md
	@WITH_BENCH=1 scripts/install-deps
	@flock $(BENCH_LOCK) sh -c 'cargo build --release && bench/run'

bench-github: ## GitHub sync benchmark against the double on SQLite and PostgreSQL → docs/performance.md
	@flock $(BENCH_LOCK) sh -c 'cargo build --release && bench/github'

fmt: ## format Rust code
	cargo fmt

lint: ## rustfmt check and clippy
	cargo fmt --check
	cargo clippy --all-targets -- -D warnings

clean: ## remove build output
	cargo clean
	rm -rf frontend/dist frontend/node_modules
