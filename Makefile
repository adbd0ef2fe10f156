# The README's commands. Everything installs into .venv on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 5000
FLASK  := $(BIN)/flask --app wsgi

.PHONY: run test lint format install clean

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,postgres,server]'
	touch $@

install: $(VENV)/.installed

## run: migrate, load the demo, serve on 127.0.0.1:$(PORT)
run: install
	$(FLASK) db upgrade
	$(FLASK) demo
	@echo ""
	@echo "Open http://127.0.0.1:$(PORT)/ and log in with one of the demo logins above."
	$(FLASK) run --host 127.0.0.1 --port $(PORT)

## test: lint, then the whole suite (SQLite; PostgreSQL and Chromium when available)
test: install lint
	$(BIN)/pytest -n auto

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache *.egg-info
