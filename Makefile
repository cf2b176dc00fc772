# cgraph-lab: set up, run and test.
#
#   make lab     create/refresh .venv, install the repo (editable, lab extra),
#                make sure Graphviz's `dot` is there, start JupyterLab on notebooks/
#   make test    the same with the test extra and Chromium, then the whole suite
#   make edit    JupyterLab on notebook_sources/, the notebooks' sources (jupytext .py files:
#                right-click, Open With > Notebook); then python scripts/build_notebooks.py
#   make voila   serve one notebook (NB=..., default the regression lab alone) with Voila
#   make bench   run the benchmarks (bench/run.py, or every bench/bench_*.py)
#   make fuzz    run N random programs (default 2000) under autograd_core and torch, compare,
#                and report the mismatches, each shrunk to a small program (N=20000 WORKERS=2)
#   make student install the instructor extra (nbgrader, jupyterlab-rise) and write
#                the student folder to build/student/: notebooks/, with every exercise
#                in instructor/ (solutions removed, other cells locked; nbgrader)
#   make clean   remove caches, build output and test artifacts (keeps .venv)
#   make distclean   clean, and remove .venv too
#
# Setup is idempotent and quick when nothing changed: pip runs only when
# pyproject.toml is newer than the stamp file in .venv, and apt-get only when
# the program is missing.
#
# Variables:  PYTHON=python3 (creates the venv)   PYTEST_ARGS=...   TEST_WORKERS=2   BROWSER_WORKERS=3
#             LAB_ARGS=...
#             N=... WORKERS=... SEED=... FUZZ_ARGS=... (make fuzz)

PYTHON      ?= python3
VENV        := .venv
VPY         := $(VENV)/bin/python
PIP         := $(VPY) -m pip
PIP_FLAGS   ?= --quiet --quiet --disable-pip-version-check --no-input
PYTEST_ARGS ?=
TEST_WORKERS ?= 2
BROWSER_WORKERS ?= 3
LAB_ARGS    ?=

IS_ROOT     := $(shell [ "$$(id -u)" = 0 ] && echo yes)
ALLOW_ROOT  := $(if $(IS_ROOT),--allow-root,)

.DEFAULT_GOAL := help
.PHONY: help lab edit voila test bench fuzz student clean distclean venv dot chromium FORCE

help:
	@awk 'NR > 2 && /^#/ { sub(/^# ?/, ""); print; next } NR > 2 { exit }' $(firstword $(MAKEFILE_LIST))

# --- Python environment ------------------------------------------------------

# The venv is (re)created when it is missing or its interpreter no longer
# runs (e.g. the base Python moved); pyvenv.cfg is its birth certificate, so a
# new venv is newer than the install stamps and the packages go back in.
VENV_OK := $(shell $(VPY) -c '' >/dev/null 2>&1 && echo yes)

$(VENV)/pyvenv.cfg: $(if $(VENV_OK),,FORCE)
	@echo ">>> creating $(VENV) with $(PYTHON)"
	$(PYTHON) -m venv --clear $(VENV)

venv: $(VENV)/pyvenv.cfg

FORCE:

$(VENV)/.installed-lab: pyproject.toml $(VENV)/pyvenv.cfg
	@echo ">>> pip install -e '.[lab]'"
	$(PIP) install $(PIP_FLAGS) -e '.[lab]'
	@touch $@

# The test extra includes everything in the lab extra, so it satisfies both stamps.
$(VENV)/.installed-test: pyproject.toml $(VENV)/pyvenv.cfg
	@echo ">>> pip install -e '.[lab,test]'"
	$(PIP) install $(PIP_FLAGS) -e '.[lab,test]'
	@# torchvision 0.28.0's wheel (pinned to torch 2.13.0) is the resnet oracle's source, not installed:
	@# its C extension needs a CUDA torch (tests/oracles/torchvision_resnet.py runs its Python files)
	$(PIP) download $(PIP_FLAGS) torchvision==0.28.0 --no-deps --only-binary=:all: --dest $(VENV)/oracles
	@touch $(VENV)/.installed-lab $@

# Lecturers' tools on top of the lab extra.
$(VENV)/.installed-instructor: pyproject.toml $(VENV)/pyvenv.cfg
	@echo ">>> pip install -e '.[lab,instructor]'"
	$(PIP) install $(PIP_FLAGS) -e '.[lab,instructor]'
	@touch $(VENV)/.installed-lab $@

# --- System programs ---------------------------------------------------------

# $(call ensure_program,COMMAND,APT_PACKAGE,NEEDED_FOR,ELSEWHERE): install APT_PACKAGE with apt-get
# when COMMAND is missing and we are root on Debian/Ubuntu; otherwise say how
# to install it, in one line, and fail. `apt-get update` runs only when the
# package lists do not know the package, or an install from them failed.
define ensure_program
	@if command -v $(1) >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo ">>> installing $(2) with apt-get (needed for $(3))"; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  if ! apt-cache show $(2) >/dev/null 2>&1; then apt-get update -qq; fi; \
	  apt-get install -y -qq $(2) </dev/null \
	    || { apt-get update -qq && apt-get install -y -qq $(2) </dev/null; }; \
	  command -v $(1) >/dev/null 2>&1 || { echo "error: installed $(2) but '$(1)' is still not on PATH" >&2; exit 1; }; \
	else \
	  echo "error: '$(1)' (needed for $(3)) not found: install it (Debian/Ubuntu: sudo apt-get install $(2); $(4)) and run make again" >&2; \
	  exit 1; \
	fi
endef

dot:
	$(call ensure_program,dot,graphviz,drawing the graphs,macOS: brew install graphviz; conda: conda install -c conda-forge graphviz)

chromium:
	$(call ensure_program,chromium,chromium,the browser tests,other systems: install Chromium and put a 'chromium' command on PATH)

# --- Entry points ------------------------------------------------------------

# Token auth stays on: the URL with the token is printed on start-up.
lab: $(VENV)/.installed-lab dot
	@mkdir -p notebooks
	$(VENV)/bin/jupyter lab --ServerApp.root_dir=notebooks --ServerApp.ip=127.0.0.1 $(ALLOW_ROOT) $(LAB_ARGS)

# The notebooks' sources (notebook_sources/, jupytext percent-format .py files with the exercises'
# solutions), in JupyterLab apart from `make lab`'s notebooks/: jupytext's contents manager opens a
# source as a notebook (right-click > Open With > Notebook) and a save writes the .py back, in the
# form notebook_sources/jupytext.toml sets. `python scripts/build_notebooks.py` then writes the notebooks.
edit: $(VENV)/.installed-lab dot
	$(VENV)/bin/jupyter lab --ServerApp.root_dir=notebook_sources --ServerApp.ip=127.0.0.1 $(ALLOW_ROOT) $(LAB_ARGS)

# One notebook as a web app (no code cells shown): by default the regression lab alone.
# 127.0.0.1 and a fresh token; the "cgraph" template (share/jupyter/voila/templates/cgraph) is
# voila's lab template without its Font Awesome links to a CDN: the page loads nothing from
# another host. Only voila's widget manager and the widgets' lab extensions are loaded
# (JupyterLab's others, nbgrader's and notebook's, fail to start in Voila's page).
NB ?= notebooks/apps/regression_lab.ipynb
VOILA_PORT ?= 8866
VOILA_EXTENSIONS := "@voila-dashboards/widgets-manager8", "@jupyter-widgets/jupyterlab-manager", \
                    "jupyter-matplotlib", "anywidget"
voila: $(VENV)/.installed-lab dot
	@token=$$($(VPY) -c 'import secrets; print(secrets.token_hex(16))'); \
	echo ">>> open http://127.0.0.1:$(VOILA_PORT)/?token=$$token"; \
	JUPYTER_PATH="$(CURDIR)/share/jupyter$${JUPYTER_PATH:+:$$JUPYTER_PATH}" \
	exec $(VENV)/bin/voila --Voila.ip=127.0.0.1 --port=$(VOILA_PORT) --Voila.port_retries=0 \
	  --no-browser --token=$$token --template=cgraph \
	  --VoilaConfiguration.extension_allowlist='[$(VOILA_EXTENSIONS)]' $(VOILA_ARGS) $(NB)

# The tests run on TEST_WORKERS processes (pytest-xdist; CI has 2 cores): first those without a
# browser, then the browser tests a module per worker, each worker with its own JupyterLab and Chromium,
# on BROWSER_WORKERS: a browser test waits for the page and the kernel much of its time, and a third
# worker on two cores ran them in 585 s instead of 668 s (2026-12-05, idle AMD EPYC).
test: $(VENV)/.installed-test dot chromium
	$(VPY) -m pytest -m "not browser" -n $(TEST_WORKERS) $(PYTEST_ARGS)
	$(VPY) -m pytest -m browser -n $(BROWSER_WORKERS) --dist loadfile $(PYTEST_ARGS)

bench: $(VENV)/.installed-test dot
	@if [ -f bench/run.py ]; then \
	  echo ">>> bench/run.py"; $(VPY) bench/run.py; \
	else \
	  found=; \
	  for f in bench/bench_*.py; do \
	    [ -f "$$f" ] || continue; found=1; \
	    echo ">>> $$f"; $(VPY) "$$f" || exit $$?; \
	  done; \
	  [ -n "$$found" ] || echo "no benchmarks yet (bench/run.py or bench/bench_*.py)"; \
	fi

# Differential fuzzing against torch, every area of the generator on; the report (each kind of
# mismatch with a shrunk program) is also written to tests/artifacts/fuzz-report.md.
N       ?= 2000
WORKERS ?= $(shell n=$$(nproc 2>/dev/null || echo 1); [ $$n -gt 4 ] && n=4; echo $$n)
SEED    ?= 0
FUZZ_ARGS ?=
fuzz: $(VENV)/.installed-test
	@mkdir -p tests/artifacts
	$(VPY) tests/fuzz_programs.py --n $(N) --workers $(WORKERS) --seed $(SEED) \
	  --report tests/artifacts/fuzz-report.md $(FUZZ_ARGS)

# Student copies of instructor/ by nbgrader's preprocessors (scripts/make_student.py).
student: $(VENV)/.installed-instructor
	$(VPY) scripts/make_student.py build/student

clean:
	rm -rf build dist .pytest_cache .hypothesis tests/artifacts
	find . -path ./$(VENV) -prune -o \( -name __pycache__ -o -name '*.egg-info' -o -name .ipynb_checkpoints \) -type d -print0 | xargs -0 -r rm -rf

distclean: clean
	rm -rf $(VENV)
