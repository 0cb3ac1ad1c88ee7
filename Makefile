# useful-pipeline: the single entry point. `make run` and `make test` do all
# set-up themselves (pinned Python venv, libtensorflow link folder, Go
# modules, SavedModels); every step is idempotent.
SHELL := /bin/bash
.DEFAULT_GOAL := build
GOENV := . scripts/env.sh &&
PY := .venv/bin/python
RUN_DIR ?= runs/default
ARGS ?=
PREFIX ?= /usr/local
# The program's commit, recorded in run.json and printed by --version.
COMMIT := $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)$(shell git diff --quiet HEAD 2>/dev/null || echo -dirty)
LDFLAGS := -X main.commit=$(COMMIT)

# SavedModels the tests and the default run need: folder name = model-shape-cclasses.
MODELS := models/toy_cnn-3x50-c2 models/mlp3-28x28x1-c10 models/cnn_bn-28x28x1-c10 models/preact_resnet18-32x32x3-c10
EXPORT_SRC := $(wildcard python_export/*.py)

.PHONY: setup build install models test test-go test-python test-deploy run bench bench-fmnist fmnist-data clean
setup:
	@bash scripts/setup.sh

build: setup
	$(GOENV) go build -ldflags "$(LDFLAGS)" -o bin/useful-pipeline ./cmd/useful-pipeline

# The binary with the TensorFlow libraries it needs, found relative to it
# ($$ORIGIN/../lib/useful-pipeline), so it runs from anywhere without an
# environment: PREFIX/bin/useful-pipeline. Models stay where --models-dir says.
install: setup
	mkdir -p "$(PREFIX)/bin" "$(PREFIX)/lib/useful-pipeline"
	cp -L .tflib/lib/libtensorflow_cc.so.2 .tflib/lib/libtensorflow_framework.so.2 "$(PREFIX)/lib/useful-pipeline/"
	$(GOENV) CGO_LDFLAGS="-L$(CURDIR)/.tflib/lib -Wl,-rpath,\$$ORIGIN/../lib/useful-pipeline" \
		go build -ldflags "$(LDFLAGS)" -o "$(PREFIX)/bin/useful-pipeline" ./cmd/useful-pipeline

models: setup $(addsuffix /manifest.json,$(MODELS))

models/%/manifest.json: $(EXPORT_SRC) requirements.txt
	@spec="$*"; model="$${spec%%-*}"; rest="$${spec#*-}"; shape="$${rest%-c*}"; classes="$${rest##*-c}"; \
	$(PY) python_export/export.py --model "$$model" --input-shape "$${shape//x/,}" --num-classes "$$classes" --out "models/$$spec" --reference

# The suites' commands, one place each (test-python, test-go and test use them).
PYTEST_CMD := $(PY) -m pytest -q python_export bench/python
GOTEST_CMD := go vet ./... && go test -timeout 45m ./... && go test -race ./sampler/... ./stages/...

# The Python and Go suites run side by side (most of their tests keep about
# one core busy; docs/DESIGN.md entry 23), each output line prefixed with its
# suite as it comes; set-up is done once before; then the deploy tests, which
# start their own Slurm cluster.
test: build models fmnist-data
	@( set -o pipefail; $(PYTEST_CMD) 2>&1 | sed -u 's/^/[python] /' ) & py=$$!; \
	( set -o pipefail; { $(GOENV) $(GOTEST_CMD); } 2>&1 | sed -u 's/^/[go] /' ); go=$$?; \
	wait $$py; py=$$?; \
	if [ $$py -ne 0 ] || [ $$go -ne 0 ]; then echo "make test: Python suite exit $$py, Go suite exit $$go" >&2; exit 1; fi
	@$(MAKE) --no-print-directory test-deploy

test-python: setup
	$(PYTEST_CMD)

test-go: build models
	$(GOENV) $(GOTEST_CMD)

# The engines' side of sweeps: a real single-node Slurm cluster (started and
# stopped by the tests through scripts/slurm-cluster.sh), the Kubernetes
# manifests against the API schemas, the image's Dockerfile and the scripts'
# lint. Needs root for Slurm (skipped with a message otherwise).
test-deploy: build models
	$(PY) -m pytest -q deploy/tests

run: build models
	bin/useful-pipeline --stage all --run-dir $(RUN_DIR) $(ARGS)

# Performance figures side by side (BENCHMARKS.md); ~30 min, on a quiet machine.
bench: build models fmnist-data
	bash scripts/bench.sh

# Fashion-MNIST from Debian's dataset-fashion-mnist (/usr/share/datasets/fashion-mnist).
fmnist-data:
	@if [ -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ]; then echo "fashion-mnist: present"; \
	elif command -v apt-get >/dev/null; then apt-get update -qq && apt-get install -y -qq dataset-fashion-mnist; \
	else echo "no apt: download Fashion-MNIST's four IDX .gz files and pass --data-dir" >&2; exit 2; fi

bench-fmnist: build models fmnist-data
	bash scripts/bench-fmnist.sh

clean:
	rm -rf bin runs models
