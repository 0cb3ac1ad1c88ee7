#!/usr/bin/env bash
# make bench: the performance figures of BENCHMARKS.md, measured side by side
# in one run on this machine (ratios are the result; absolute times on a
# shared machine are noise). Run it on a quiet machine.
#   1-2. driver overhead (Go loop vs Python loop vs graph) and input pipeline
#        (Go sampler vs tf.data per example and vectorised)   bench sidebyside
#   3.   RSS over 20k steps                  bench rss
#   4.   k-means time                        bench kmeans
#   3-5. a full --stage all Fashion-MNIST run: RSS at its end, stage shares,
#        cost of USEFUL relative to SGD      bench fullrun
#   6.   Go training loop vs Keras model.fit, epoch wall time, interleaved
#        rounds: mlp3 and cnn_bn on Fashion-MNIST, preact_resnet18 on
#        generated 32x32x3 (PREACT_N = 6400 images: 50 steps per epoch,
#        150 steps per side over 3 rounds)   bench fit
#   7.   Keras fit test error on Fashion-MNIST mlp3 (seeds 0-2, 30 epochs,
#        no augmentation) beside the Go sgd row of make bench-fmnist's
#        aggregate (GO_SUMMARY)              bench/python/keras_accuracy.py
#   8.   load RSS of a dataset held as float32 vs as uint8 (issue 15): generated
#        CIFAR-10 (50,000+10,000 x 32x32x3) and Tiny-ImageNet (100,000+10,000
#        x 64x64x3) written in their on-disk formats, each loaded by
#        loaders.Load in two child processes (uint8 as loaded; float32 as
#        AppendFloat32s reads it, pixels dropped); VmRSS after FreeOSMemory
#        above a child that loads nothing, ratio uint8/float32 (target <= 0.3),
#        and the peaks; needs ~7 GB free      bench loadrss
# Environment: SECONDS_PER_KIND, ROUNDS (driver), FULL_ARGS (flags of the full run),
# DATA_DIR, SKIP_FULL=1 to leave out the full run (~15 min); FIT_ROUNDS,
# FIT_EPOCHS_PER_ROUND, FIT_AUGMENT, PREACT_N, SKIP_FIT=1;
# KERAS_ACC_EPOCHS, KERAS_ACC_SEEDS, GO_SUMMARY, SKIP_KERAS_ACC=1;
# LOADRSS_SCALE (fraction of the full sizes), LOADRSS_WORK (folder that keeps
# the generated data for later runs; default a temporary one), SKIP_LOADRSS=1.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
DATA="${DATA_DIR:-/usr/share/datasets/fashion-mnist}"
RUN="${BENCH_RUN_DIR:-runs/bench-full}"
FULL_ARGS=(${FULL_ARGS:---dataset fashion-mnist --model mlp3 --method sgd,sam})
go build -o bin/bench ./cmd/bench
machine() {
  echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(uname -m); load average $(cut -d' ' -f1-3 /proc/loadavg); $(date -u '+%F %H:%M UTC'); commit $(git rev-parse --short HEAD 2>/dev/null || echo none)"
}
machine
bin/bench sidebyside --data-dir "$DATA" --seconds "${SECONDS_PER_KIND:-12}" --rounds "${ROUNDS:-3}"
bin/bench rss --model-dir models/mlp3-28x28x1-c10 --steps 20000 --warmup 1000
bin/bench kmeans --shapes 50000x10,100000x200 --reps 3
if [ "${SKIP_FULL:-0}" != 1 ]; then
  rm -rf "$RUN"
  bin/bench fullrun --binary bin/useful-pipeline --run-dir "$RUN" --log "$RUN.log" -- --data-dir "$DATA" "${FULL_ARGS[@]}"
fi
if [ "${SKIP_FIT:-0}" != 1 ]; then
  echo "== Go training loop vs Keras model.fit (epoch wall time; both sides TensorFlow 2.18.0, intra-op = all cores, inter-op 1)"
  machine
  FIT=(--rounds "${FIT_ROUNDS:-3}" --epochs-per-round "${FIT_EPOCHS_PER_ROUND:-1}" --augment "${FIT_AUGMENT:-cropflip}")
  bin/bench fit --model-dir models/mlp3-28x28x1-c10 --data-dir "$DATA" "${FIT[@]}"
  # cnn_bn at the recipe's lr 0.1 blows up on its first step (loss 2.6 -> 16) and may stay
  # dead on one side and recover on the other; 0.01 trains on both (BENCHMARKS.md, section 6).
  bin/bench fit --model-dir models/cnn_bn-28x28x1-c10 --data-dir "$DATA" --lr 0.01 "${FIT[@]}"
  bin/bench fit --model-dir models/preact_resnet18-32x32x3-c10 --data-dir "" --n "${PREACT_N:-6400}" "${FIT[@]}"
fi
if [ "${SKIP_KERAS_ACC:-0}" != 1 ]; then
  echo "== Keras model.fit test error, Fashion-MNIST mlp3, the recipe of examples/fmnist-paper.yaml (sgd)"
  machine
  SUMMARY="${GO_SUMMARY:-runs/bench-fmnist/summary.json}"
  ACC=(--data-dir "$DATA" --seeds "${KERAS_ACC_SEEDS:-0,1,2}" --epochs "${KERAS_ACC_EPOCHS:-30}")
  if [ -f "$SUMMARY" ]; then
    ACC+=(--go-summary "$SUMMARY")
  else
    echo "($SUMMARY missing: the Go side is the sgd row of make bench-fmnist's aggregate)"
  fi
  .venv/bin/python bench/python/keras_accuracy.py "${ACC[@]}"
fi
if [ "${SKIP_LOADRSS:-0}" != 1 ]; then
  echo "== Load RSS of a dataset held as float32 vs uint8 (generated CIFAR-10 and Tiny-ImageNet in their on-disk formats, loaders.Load in child processes)"
  machine
  LOADRSS=(--scale "${LOADRSS_SCALE:-1}")
  if [ -n "${LOADRSS_WORK:-}" ]; then
    LOADRSS+=(--work "$LOADRSS_WORK")
  fi
  bin/bench loadrss "${LOADRSS[@]}"
fi
