# Bootstraps .venv idempotently: re-running only reinstalls when pyproject.toml changed.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
DEV    := $(VENV)/.stamp-dev
MODELS := $(VENV)/.stamp-models
BASELINE := results/baselines/model_free
export HF_HUB_OFFLINE ?= 1
export HF_DATASETS_OFFLINE ?= 1

.PHONY: setup setup-models run test test-slow lint clean baseline gate

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(DEV): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

# Model-based extras: torch==2.13.0 (CPU build) must go in before anything depending on it.
$(MODELS): pyproject.toml $(DEV)
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e '.[dev,models]'
	touch $@

setup: $(DEV)

setup-models: $(MODELS)

## The main job: every model-free summarizer on the embedded cluster; prints the comparison.
run: $(DEV)
	$(BIN)/bench-run sweep=model_free

## The committed baseline of the regression gate: the model-free sweep's run.json + scores.jsonl
## per system in $(BASELINE)/<label>/ (stale systems removed). Rerun after an intended change of
## scores, review the diff, commit it.
baseline: $(DEV)
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	$(BIN)/bench-run sweep=model_free hydra.sweep.dir="$$tmp/sweep" && \
	$(BIN)/bench-compare --write-baseline --prune --run "$$tmp/sweep" --baseline $(BASELINE)

## The regression gate: a fresh model-free sweep (kept in results/sweeps/gate-*) compared with the
## committed baseline; fails (exit 1) when a metric drops beyond conf/compare/default.yaml.
## On GitHub Actions the table is also appended to the step summary.
gate: $(DEV)
	@mkdir -p results/sweeps && sweep=$$(mktemp -d results/sweeps/gate-XXXXXX) && \
	$(BIN)/bench-run sweep=model_free hydra.sweep.dir="$$sweep" && \
	$(BIN)/bench-compare --baseline $(BASELINE) --run "$$sweep" \
		$(if $(GITHUB_STEP_SUMMARY),--summary "$(GITHUB_STEP_SUMMARY)")

## The default test suite (fast; no network).
test: $(DEV)
	$(BIN)/python -m pytest -q

test-slow: $(DEV)
	$(BIN)/python -m pytest -q -m slow

lint: $(DEV)
	$(BIN)/ruff check bench tests
	$(BIN)/ruff format --check bench tests

clean:
	rm -rf $(VENV) results/runs results/sweeps
