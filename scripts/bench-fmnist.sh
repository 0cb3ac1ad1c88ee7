#!/usr/bin/env bash
# make bench-fmnist: the sweep examples/fmnist-paper.yaml (real Fashion-MNIST,
# mlp3, 30 epochs, the paper's recipe; seeds 0-2 x sgd/sam, each with USEFUL
# and random upsampling of the same size) run cell after cell on this
# machine, then the aggregate table that BENCHMARKS.md records.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="${ROOT:-runs/bench-fmnist}"
BIN="${BIN:-bin/useful-pipeline}"
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(uname -m), $(date -u +%F)"
"$BIN" sweep run examples/fmnist-paper.yaml --root "$ROOT" --all
"$BIN" aggregate --root "$ROOT"
