# HayekNet: the two commands of the README are `make daily` and `make test`.
# Both create .venv (Python 3.11) from the pinned lock when it is missing.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.hayeknet-installed
export PATH := $(abspath $(BIN)):$(PATH)
export PYTHON_JULIAPKG_OFFLINE := yes
export MPLBACKEND := Agg
export PYTENSOR_FLAGS ?= compiledir=$(HOME)/.pytensor

.PHONY: venv daily daily-steps collect repro test test-fast bench bench-load lint-julia lock clean-artifacts status experiments lab screenshots study-real

venv: $(STAMP)

$(STAMP): pyproject.toml requirements/lock.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -r requirements/lock.txt
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	$(BIN)/python -m hayeknet.kernelspec >/dev/null
	touch $(STAMP)

## The main job on the embedded default: collect the window from the synthetic
## source, then run the DVC pipeline (one HTML report per day). The three steps
## run holding the project lock (.hayeknet.lock): a second `make daily` or
## `hayeknet collect` meanwhile refuses with one line (exit 3); WAIT=SECONDS waits.
WAIT ?= 0
daily: venv
	$(BIN)/python -m hayeknet.pipeline.lock --wait $(WAIT) -- $(MAKE) --no-print-directory daily-steps

## collect exits 1 when a day of the window is incomplete: the complete days still run (dvc repro), and
## daily exits 1 at the end; any other failure (2: error, 3: the lock is busy) stops here.
daily-steps:
	@$(BIN)/hayeknet collect --source synthetic; collected=$$?; \
	if [ $$collected -gt 1 ]; then exit $$collected; fi; \
	$(BIN)/dvc repro && $(BIN)/hayeknet status && exit $$collected

repro: venv
	$(BIN)/dvc repro

## A study on real ERCOT daily reports in one line (hayeknet study): window and location into params.yaml,
## collect from the folder, dvc repro. `git checkout params.yaml` returns to the committed study.
REAL_DATA ?= ../shared/real/hb_hubavg_2024
REAL_LOCATION ?= HB_HUBAVG
REAL_START ?= 2024-07-01
REAL_END ?= 2024-08-31
study-real: venv
	$(BIN)/hayeknet study --source files --drop-folder $(REAL_DATA) --location $(REAL_LOCATION) --start $(REAL_START) --end $(REAL_END)

status: venv
	$(BIN)/hayeknet status

## The experiments table: the study's total profit and capture ratio per strategy, one column per
## experiment (hayeknet experiments reads `dvc exp show --json`).
experiments: venv
	$(BIN)/hayeknet experiments

## JupyterLab on the notebooks (as root too), listening on localhost; prints the URL to open.
LAB_PORT ?= 8888
lab: venv
	$(BIN)/jupyter lab notebooks/ --no-browser --ip=127.0.0.1 --port=$(LAB_PORT) \
		$$( [ "$$(id -u)" = 0 ] && echo --allow-root ) --ServerApp.root_dir=$(CURDIR)

## Screenshots of the reports in headless Chromium at phone (390 px) and desktop (1280 px) width: the last
## daily report's headline block and strategy table, the study report's day table -> docs/screenshots/
## (after the browser check of the reports; `make daily` first brings them up to date).
screenshots: daily
	bash tools/ensure_chromium.sh
	$(BIN)/python tools/screenshots.py --reports reports --out docs/screenshots

## The whole test suite (unit, property, notebook, end-to-end dvc repro,
## the reports in headless Chromium: installed from Debian when missing),
## after the lint.
test: venv lint
	bash tools/ensure_chromium.sh
	$(BIN)/python -m pytest

test-fast: venv
	$(BIN)/python -m pytest -m "not e2e"

## Lint and types: ruff (rules and format) over src and tests, mypy over src
## (settings in pyproject.toml).
.PHONY: lint
lint: venv
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests
	$(BIN)/mypy

bench: venv
	$(BIN)/python -m hayeknet.bench --output reports/benchmarks.json

## Every figure twice: idle, and with a CPU-bound process on every core (both reported, with the ratio).
bench-load: venv
	$(BIN)/python -m hayeknet.bench --load --output reports/benchmarks-load.json

lint-julia: venv
	$(BIN)/fatou lint julia

lock:
	rm -rf /tmp/hayeknet-lock-venv && $(PYTHON) -m venv /tmp/hayeknet-lock-venv
	/tmp/hayeknet-lock-venv/bin/pip install --quiet -e ".[dev]"
	/tmp/hayeknet-lock-venv/bin/pip freeze --exclude-editable | grep -v '^torch==' > /tmp/hayeknet-lock.txt
	{ head -3 requirements/lock.txt; echo "torch==2.13.0"; cat /tmp/hayeknet-lock.txt; } > requirements/lock.txt

clean-artifacts:
	rm -rf artifacts reports
