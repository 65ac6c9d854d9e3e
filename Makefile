# The single entry point: `make run` and `make test` set up everything a new user needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
HOST ?= 127.0.0.1
PORT ?= 8000
SYSTEM_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk poppler-utils
DEV_ENV := DJANGO_DEBUG=true

.PHONY: help install system-deps run test test-browser screenshots lint audit format migrate seed openapi clean load api-fuzz bench bench-quick

help:
	@echo "make run    — 安装依赖、迁移数据库、载入演示数据并在 http://$(HOST):$(PORT)/ 启动门户"
	@echo "make test   — 安装依赖并运行全部测试（浏览器测试除外）"
	@echo "make test-browser — 用 Chromium 运行浏览器测试（缺少时自动安装 chromium）"
	@echo "make lint   — ruff 代码检查与格式检查"
	@echo "make audit  — pip-audit 检查已安装依赖的已知漏洞（无法联网时给出警告）"

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: system-deps $(STAMP)

# WeasyPrint needs Pango and HarfBuzz's subsetter; the reports embed Noto CJK fonts.
system-deps:
	@command -v dpkg >/dev/null || { echo "非 Debian 系统：请自行安装 $(SYSTEM_PACKAGES) 的对应软件包"; exit 0; }; \
	missing=""; for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then SUDO=""; elif sudo -n true 2>/dev/null; then SUDO="sudo"; \
	else echo "缺少系统软件包:$$missing（请以 root 运行 make，或手动 apt-get install）"; exit 0; fi; \
	echo "安装系统软件包:$$missing"; \
	$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing >/dev/null

migrate: install
	$(DEV_ENV) $(BIN)/python manage.py migrate --noinput

seed: migrate
	$(DEV_ENV) $(BIN)/python manage.py seed_demo

run: seed
	$(DEV_ENV) $(BIN)/python manage.py runserver $(HOST):$(PORT)

test: install
	$(BIN)/pytest -q -m "not browser"

# Real-browser tests (tests/browser/): Playwright drives Debian's Chromium, installed here when missing.
test-browser: install
	@$(MAKE) --no-print-directory system-deps SYSTEM_PACKAGES=chromium
	$(BIN)/pytest -q -m browser tests/browser

# Screenshots of the main pages at desktop and phone widths, with the demo data, into docs/screenshots/.
screenshots: install
	@$(MAKE) --no-print-directory system-deps SYSTEM_PACKAGES=chromium
	SCREENSHOT_DIR=docs/screenshots $(BIN)/pytest -q -m browser tests/browser/test_screenshots.py

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Known vulnerabilities in the installed pinned dependencies (pip-audit); warns (exit 0) when offline.
audit: install
	.ci/pip-audit

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

openapi: install
	$(DEV_ENV) $(BIN)/python manage.py spectacular --validate --fail-on-warn --file docs/openapi.yaml

# schemathesis against /api/v1/schema/ on gunicorn (127.0.0.1:8765, DEBUG off) with a school's write token and a
# district's read-only token; fails on any 5xx or undocumented answer. Throwaway SQLite database, or PostgreSQL
# with DATABASE_URL=postgres://…/<new database name> (created and dropped). Knobs: see .ci/api-fuzz.
api-fuzz: install
	.ci/api-fuzz

# Write load through the API (bench/load_writes.py): 20 clients for 60 s against gunicorn on 127.0.0.1:8772, then
# every accepted write is checked in the database. Needs DATABASE_URL (PostgreSQL, populated) and Redis (db 11).
load: install
	@$(BIN)/python -c "import locust" 2>/dev/null || $(BIN)/pip install --quiet -e ".[dev,bench]"
	$(BIN)/python bench/load_writes.py --out $${LOAD_OUT:-var/load-writes.json}

# Benchmarks (bench/README.md, results in docs/benchmarks.md): PostgreSQL from DATABASE_URL (default
# postgres://postgres@127.0.0.1:5432/haidian_bench), dataset generated once (2000 schools × 3 years) and reused.
# `bench-quick` (CI): 200 schools × 1 year, fails only when a script crashes or a query count grows with data size.
BENCH_STAMP := $(VENV)/.bench-installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

$(BENCH_STAMP): $(STAMP)
	$(BIN)/pip install --quiet -e ".[dev,bench]"
	rm -f $(VENV)/.bench-installed-*
	touch $(BENCH_STAMP)

bench: install $(BENCH_STAMP)
	$(BIN)/python bench/run.py

bench-quick: install $(BENCH_STAMP)
	$(BIN)/python bench/run.py --quick

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
