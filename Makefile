# The single entry point: `make run` and `make test` set up everything a new user needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
HOST ?= 127.0.0.1
PORT ?= 8000
SYSTEM_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk poppler-utils
DEV_ENV := DJANGO_DEBUG=true

.PHONY: help install system-deps run test lint format migrate seed openapi clean

help:
	@echo "make run    — 安装依赖、迁移数据库、载入演示数据并在 http://$(HOST):$(PORT)/ 启动门户"
	@echo "make test   — 安装依赖并运行全部测试"
	@echo "make lint   — ruff 代码检查与格式检查"

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
	$(BIN)/pytest -q

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

openapi: install
	$(DEV_ENV) $(BIN)/python manage.py spectacular --validate --fail-on-warn --file docs/openapi.yaml

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
