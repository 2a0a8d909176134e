# Mercato: every target installs what it needs first (Node 24 if the machine's is too old,
# then the npm dependencies when node_modules is missing or older than package-lock.json).

SHELL := /bin/bash
.DEFAULT_GOAL := help

# Node >= 22.12 from the machine when it has one; otherwise Node 24 from the npm registry's
# `node@24` package, installed into .tools/ (git-ignored) and put first on PATH.
NODE_OK := $(shell node -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>22||(a===22&&b>=12)?0:1)' >/dev/null 2>&1 && echo yes)
ifeq ($(NODE_OK),yes)
NODE_DEP :=
else
NODE_DEP := .tools/node_modules/.bin/node
export PATH := $(CURDIR)/.tools/node_modules/.bin:$(PATH)
endif

DEPS := node_modules/.installed
NPM := npm --no-audit --no-fund --prefer-offline --loglevel=error
VITEST := node_modules/.bin/vitest

# The local servers the real-services suite runs against (make test-services).
SERVICES_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/postgres
SERVICES_REDIS_URL ?= redis://127.0.0.1:6379

.PHONY: help run test test-services lint format typecheck migrate db-generate seed create-admin bench bench-api bench-listings bench-checkout clean

help: ## Show the targets
	@echo "Mercato: make <target>"
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-15s %s\n", $$1, $$2}'

.tools/node_modules/.bin/node:
	@echo "node $$(node --version 2>/dev/null || echo 'not found') is older than 22.12: installing Node 24 into .tools/"
	@$(NPM) install --prefix .tools --no-save --no-package-lock node@24
	@.tools/node_modules/.bin/node --version

$(DEPS): package-lock.json package.json $(NODE_DEP)
	$(NPM) install --no-save
	@touch $@

run: $(DEPS) ## Serve the API on http://localhost:3000 (embedded database, migrations, demo data)
	MIGRATE_ON_START=$${MIGRATE_ON_START:-true} DEV_OUTBOX=$${DEV_OUTBOX:-true} node src/runtimes/node.ts

test: $(DEPS) ## Run the test suite on the embedded database (PGlite)
	$(VITEST) run --coverage

test-services: $(DEPS) ## Run the test suite on the local PostgreSQL and Redis
	TEST_DATABASE_URL=$${TEST_DATABASE_URL:-$(SERVICES_DATABASE_URL)} \
	REDIS_URL=$${REDIS_URL:-$(SERVICES_REDIS_URL)} \
	$(VITEST) run

lint: $(DEPS) ## Lint and check formatting (Biome)
	node_modules/.bin/biome check .

format: $(DEPS) ## Format and fix what can be fixed (Biome)
	node_modules/.bin/biome check --write .

typecheck: $(DEPS) ## Type-check everything (TypeScript, strict)
	node_modules/.bin/tsc -p tsconfig.json

migrate: $(DEPS) ## Apply pending migrations to the configured database
	node scripts/migrate.ts

db-generate: $(DEPS) ## Generate a migration from the tables: make db-generate NAME=create_listings
	@test -n "$(NAME)" || { echo "usage: make db-generate NAME=what_it_does (e.g. create_listings)"; exit 2; }
	node_modules/.bin/drizzle-kit generate --name $(NAME)

seed: $(DEPS) ## Load the demo data (once), or generated rows: make seed ARGS="--listings 100000 --products 100000"
	node scripts/seed.ts $(ARGS)

create-admin: $(DEPS) ## Create an admin, or make an account one: make create-admin EMAIL=... PASSWORD=...
	scripts/create-admin $${EMAIL:+--email "$$EMAIL"} $${PASSWORD:+--password "$$PASSWORD"}

bench: $(DEPS) ## Run the benchmarks in bench/ and print their ratios
	node bench/run.ts
	node bench/api.ts
	node bench/checkout.ts

bench-api: $(DEPS) ## Load-test the listing and product endpoints against a bare node:http server
	node bench/api.ts

bench-listings: $(DEPS) ## Load-test the listing endpoints alone (no products loaded)
	BENCH_PRODUCTS=0 node bench/api.ts

bench-checkout: $(DEPS) ## Contended checkouts: orders per second, and the stock books checked
	node bench/checkout.ts

clean: ## Remove installed dependencies, the local Node and coverage (keeps .data)
	rm -rf node_modules .tools coverage
