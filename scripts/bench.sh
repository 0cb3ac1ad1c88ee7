#!/usr/bin/env bash
# make bench: the performance figures of BENCHMARKS.md, measured side by side
# in one run on this machine (ratios are the result; absolute times on a
# shared machine are noise). Run it on a quiet machine.
#   1-2. driver overhead (Go loop vs Python loop vs graph) and input pipeline
#        (Go sampler vs tf.data)            bench sidebyside
#   3.   RSS over 20k steps                  bench rss
#   4.   k-means time                        bench kmeans
#   3-5. a full --stage all Fashion-MNIST run: RSS at its end, stage shares,
#        cost of USEFUL relative to SGD      bench fullrun
# Environment: SECONDS_PER_KIND, ROUNDS (driver), FULL_ARGS (flags of the full run),
# DATA_DIR, SKIP_FULL=1 to leave out the full run (~15 min).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
DATA="${DATA_DIR:-/usr/share/datasets/fashion-mnist}"
RUN="${BENCH_RUN_DIR:-runs/bench-full}"
FULL_ARGS=(${FULL_ARGS:---dataset fashion-mnist --model mlp3 --method sgd,sam})
go build -o bin/bench ./cmd/bench
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(uname -m); load average $(cut -d' ' -f1-3 /proc/loadavg); $(date -u '+%F %H:%M UTC'); commit $(git rev-parse --short HEAD 2>/dev/null || echo none)"
bin/bench sidebyside --data-dir "$DATA" --seconds "${SECONDS_PER_KIND:-12}" --rounds "${ROUNDS:-3}"
bin/bench rss --model-dir models/mlp3-28x28x1-c10 --steps 20000 --warmup 1000
bin/bench kmeans --shapes 50000x10,100000x200 --reps 3
if [ "${SKIP_FULL:-0}" != 1 ]; then
  rm -rf "$RUN"
  bin/bench fullrun --binary bin/useful-pipeline --run-dir "$RUN" --log "$RUN.log" -- --data-dir "$DATA" "${FULL_ARGS[@]}"
fi
