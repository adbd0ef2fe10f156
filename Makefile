# The README's commands. Everything installs into .venv on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 5000
FLASK  := $(BIN)/flask --app wsgi

.PHONY: run dev test lint format install clean reranker translations translations-compile

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,postgres,server]'
	touch $@

install: $(VENV)/.installed

## run: migrate, load the demo, serve on 127.0.0.1:$(PORT) with gunicorn (a team's server)
# Two worker processes of eight threads each: SQLite in WAL mode lets them read at once
# and queues their writes (busy timeout); bench/load.py --embedded measures it.
WORKERS ?= 2
THREADS ?= 8
run: install
	$(FLASK) db upgrade
	$(FLASK) demo
	@echo ""
	@echo "Open http://127.0.0.1:$(PORT)/ and log in with one of the demo logins above."
	$(BIN)/gunicorn --bind 127.0.0.1:$(PORT) --workers $(WORKERS) --threads $(THREADS) \
		--worker-class gthread --graceful-timeout 10 wsgi:app

## dev: as run, with Flask's auto-reloading development server and debugger
dev: install
	$(FLASK) db upgrade
	$(FLASK) demo
	$(FLASK) run --debug --host 127.0.0.1 --port $(PORT)

## test: lint, then the whole suite (SQLite; PostgreSQL and Chromium when available)
test: install lint
	$(BIN)/pytest -n auto

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## reranker: train the claim matcher's reranker again from the shared benchmark's train/
CLAIMS ?= ../shared/claim-matching
reranker: install
	rm -rf instance/reranker && mkdir -p instance/reranker
	FACTCHECK_DATABASE_URL=sqlite:///$(CURDIR)/instance/reranker/library.sqlite $(FLASK) db upgrade
	FACTCHECK_DATABASE_URL=sqlite:///$(CURDIR)/instance/reranker/library.sqlite $(FLASK) factchecks import \
		$(CLAIMS)/verified_claims.tsv --id-column 0 --claim-column vclaim --title-column title --publisher Snopes
	FACTCHECK_DATABASE_URL=sqlite:///$(CURDIR)/instance/reranker/library.sqlite $(FLASK) factchecks train \
		$(CLAIMS)/train/tweets.queries.tsv $(CLAIMS)/train/tweet-vclaim-pairs.qrels

## translations: extract every marked message, update each language's catalogue, compile
I18N := factcheck/translations
translations: install
	$(BIN)/pybabel --quiet extract --project=factcheck --copyright-holder="the factcheck authors" -F $(I18N)/babel.cfg --ignore-dirs=".*" -k lazy_gettext -k lazy_ngettext:1,2 \
		--no-location --sort-output -o $(I18N)/messages.pot factcheck templates
	$(BIN)/pybabel --quiet update -i $(I18N)/messages.pot -d $(I18N) --no-fuzzy-matching --ignore-obsolete
	$(MAKE) translations-compile

## translations-compile: the .mo files the app reads (start-up compiles them too)
translations-compile: install
	$(BIN)/pybabel --quiet compile -d $(I18N)

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache *.egg-info
