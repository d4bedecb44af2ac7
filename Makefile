# Bootstraps .venv idempotently: re-running only reinstalls when pyproject.toml changed.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
DEV    := $(VENV)/.stamp-dev
MODELS := $(VENV)/.stamp-models
BASELINE := results/baselines/model_free
# Where torch comes from: the CPU wheels by default (PyPI's Linux torch is the multi-GB CUDA
# build). For a GPU: make setup-models TORCH_INDEX=https://download.pytorch.org/whl/cu128
# (the index matching your CUDA driver; docs/install.md).
TORCH_INDEX ?= https://download.pytorch.org/whl/cpu
export HF_HUB_OFFLINE ?= 1
export HF_DATASETS_OFFLINE ?= 1

.PHONY: setup setup-models tiny-models run test test-slow test-wheel test-tracking test-browser dist lint clean baseline gate bench bench-scale fact-eval

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(DEV): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

# Model-based extras: torch==2.13.0 (CPU build) must go in before anything depending on it.
$(MODELS): pyproject.toml $(DEV)
	$(BIN)/python -m pip install --quiet torch==2.13.0 --index-url $(TORCH_INDEX)
	$(BIN)/python -m pip install --quiet -e '.[dev,models]'
	# Test oracle of BERTScore (tests/integration/test_bertscore.py); its torch is the one above.
	$(BIN)/python -m pip install --quiet --no-deps bert-score==0.3.13
	touch $@

setup: $(DEV)

setup-models: $(MODELS)

## Tiny random models built locally (summarizer=tiny_bart / tiny_gpt2, and the NLI model
## results/cache/models/tiny_nli for metrics=[nli_consistency] / [fact_nli]; no download).
tiny-models: $(MODELS)
	$(BIN)/python -m bench.testing results/cache/models

## The main job: every model-free and MiniLM summarizer on the embedded cluster; prints the
## comparison table.
run: $(MODELS)
	$(BIN)/bench-run sweep=main

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

## The default test suite (no network; tiny models are built by the tests themselves).
test: $(MODELS)
	$(BIN)/python -m pytest -q

test-slow: $(MODELS)
	$(BIN)/python -m pytest -q -m slow

## The package test: build the wheel and sdist, install the wheel into a fresh venv outside the
## repository, run every console script from a temporary folder against the checkout's scores.
# The tracking tests: MLflow (a real local SQLite store read back with MlflowClient) and W&B
# (offline runs read back from W&B's own run files).
test-tracking: $(DEV)
	$(BIN)/python -m pip install --quiet -e '.[tracking,wandb]'
	$(BIN)/python -m pytest -q -m tracking

# bench-report in headless Chromium (needs Debian's chromium and chromium-driver; .ci/run
# installs them when missing).
test-browser: $(DEV)
	$(BIN)/python -m pip install --quiet -e '.[browser]'
	$(BIN)/python -m pytest -q -m browser

test-wheel: $(DEV)
	$(BIN)/python -m pytest -q -m slow tests/integration/test_wheel.py

## The wheel and sdist in dist/ (configs, embedded cluster and references inside).
dist: $(DEV)
	$(BIN)/python -m build --outdir dist

## The fact check on the labelled set: recall per planted error kind and false alarms.
fact-eval: $(DEV)
	@out=$$(mktemp -d) && trap 'rm -rf "$$out"' EXIT && \
	$(BIN)/bench-score data/fact_eval/mattis_pakistan_2017.jsonl 'metrics=[fact]' \
		--output "$$out/scores.jsonl" --explain "$$out/report.md" | sed -n '/^Detection/,$$p'

## Benchmarks (figures and ratios printed, records in results/benchmarks/): ROUGE speed,
## seq2seq summarizer throughput, and the scale suite (bench-scale).
bench: $(MODELS) bench-scale
	$(BIN)/python benchmarks/rouge_speed.py
	$(BIN)/python benchmarks/seq2seq_throughput.py

## Scale suite: model-free sweep at 500/1,000/5,000 synthetic clusters (cost per cluster, peak
## memory, identical rerun) and start-up against `import hydra` (about 12 minutes).
bench-scale: $(DEV)
	$(BIN)/python benchmarks/scale.py

lint: $(DEV)
	$(BIN)/ruff check bench tests benchmarks
	$(BIN)/ruff format --check bench tests benchmarks

clean:
	rm -rf $(VENV) results/runs results/sweeps build dist
