#!/usr/bin/env bash
# make bench-fmnist: real Fashion-MNIST, mlp3 (512 hidden, dropout 0.1),
# 30 epochs, batch 128, no augmentation, the paper's recipe (lr 0.1 / 10 at
# 50% and 75%, momentum 0.9, wd 5e-4, SAM rho 0.01); for each seed: SGD,
# SGD+USEFUL, SGD+random upsampling of the same size, SAM, SAM+USEFUL.
# Prints the table that BENCHMARKS.md records.
set -euo pipefail
cd "$(dirname "$0")/.."
SEEDS="${SEEDS:-0 1 2}"
OUT="${OUT:-runs/bench-fmnist}"
DATA="${DATA_DIR:-/usr/share/datasets/fashion-mnist}"
EXTRA=(${BENCH_ARGS:-})
BIN="${BIN:-bin/useful-pipeline}"
dirs=()
for s in $SEEDS; do
  "$BIN" --dataset fashion-mnist --data-dir "$DATA" --model mlp3 --epochs 30 --batch-size 128 \
    --augment none --method sgd --baselines random --seed "$s" --run-dir "$OUT/seed$s-sgd" --quiet "${EXTRA[@]}"
  "$BIN" --dataset fashion-mnist --data-dir "$DATA" --model mlp3 --epochs 30 --batch-size 128 \
    --augment none --method sam --seed "$s" --run-dir "$OUT/seed$s-sam" --quiet "${EXTRA[@]}"
  dirs+=("$OUT/seed$s-sgd" "$OUT/seed$s-sam")
done
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(uname -m), $(date -u +%F)"
. scripts/env.sh && go run ./cmd/bench table "${dirs[@]}"
