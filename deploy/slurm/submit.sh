#!/usr/bin/env bash
# deploy/slurm/submit.sh: submit a sweep to Slurm as a job array plus an aggregate job.
#
#   deploy/slurm/submit.sh [options] FILE ROOT
#
# 1. plans the sweep (`useful-pipeline sweep plan FILE --root ROOT --count-only`, which writes
#    ROOT/sweep.json) and gets the number of cells N;
# 2. submits deploy/slurm/sweep.sbatch as an array 0-(T-1)%LIMIT, T = N tasks (fewer when
#    --max-tasks or the cluster's MaxArraySize says so: task I then runs cells I, I+T, ...),
#    one GPU per task (--gres=gpu:1) when the partition has GPUs, else CPU only;
# 3. submits `useful-pipeline aggregate --root ROOT` with --dependency=afterany:<array job>,
#    so it runs when every task has ended, however it ended, and reports missing cells;
# 4. prints both job ids. Logs: ROOT/logs/<job name>-<array job>_<task>.out, aggregate-<job>.out.
#
# Options:
#   --limit N         at most N tasks run at once (the array's %N; default 8)
#   --max-tasks T     at most T array tasks (default: one per cell)
#   --indices LIST    submit only these task indices, e.g. 1 or 1,3 or 0-2 (to resubmit tasks
#                     that were cancelled or failed; their cells resume), plus a new aggregate
#   --gpus auto|0|1   one GPU per task: auto (default) = when `sinfo -o %G` lists a gpu
#   --cpus N          CPUs per task (default 1)
#   --mem SIZE        memory per task, as sbatch --mem (default: the cluster's)
#   --time T          time limit per task, as sbatch --time (default: the partition's)
#   --partition P     partition (default: the cluster's)
#   --chdir DIR       working directory of the jobs (default: the repository root, so that
#                     relative paths such as models/ resolve as on the command line)
# Environment:
#   USEFUL_IMAGE      run the Apptainer/Singularity image (.sif) built from Dockerfile.gpu
#   USEFUL_PIPELINE   else this binary (default: <repo>/bin/useful-pipeline)
#   SLURM_CONF        as for any Slurm client (scripts/slurm-cluster.sh env prints it)
# Exit status: 0 submitted; 2 bad usage or a sweep file the plan refuses (nothing submitted);
# 1 other failure (sbatch refused, ...).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
sbatch_file="$here/sweep.sbatch"

die() { echo "submit.sh: $2" >&2; exit "$1"; }
usage() { die 2 "usage: submit.sh [--limit N] [--max-tasks T] [--indices LIST] [--gpus auto|0|1] [--cpus N] [--mem SIZE] [--time T] [--partition P] [--chdir DIR] FILE ROOT${1:+ ($1)}"; }
posint() { [[ "$2" =~ ^[1-9][0-9]*$ ]] || die 2 "$1 must be a positive integer, got '$2'"; }

limit=8 max_tasks="" indices="" gpus=auto cpus=1 mem="" time_limit="" partition="" chdir="$repo"
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --limit | --max-tasks | --indices | --gpus | --cpus | --mem | --time | --partition | --chdir)
      [ $# -ge 2 ] || usage "$1 needs a value"
      case "$1" in
        --limit) posint --limit "$2"; limit="$2" ;;
        --max-tasks) posint --max-tasks "$2"; max_tasks="$2" ;;
        --indices)
          [[ "$2" =~ ^[0-9]+(-[0-9]+)?(,[0-9]+(-[0-9]+)?)*$ ]] || die 2 "--indices must look like 1 or 1,3 or 0-2, got '$2'"
          indices="$2" ;;
        --gpus) case "$2" in auto | 0 | 1) gpus="$2" ;; *) die 2 "--gpus must be auto, 0 or 1, got '$2'" ;; esac ;;
        --cpus) posint --cpus "$2"; cpus="$2" ;;
        --mem) mem="$2" ;;
        --time) time_limit="$2" ;;
        --partition) partition="$2" ;;
        --chdir) [ -d "$2" ] || die 2 "--chdir $2: not a folder"; chdir="$(cd "$2" && pwd)" ;;
      esac
      shift 2 ;;
    --) shift; args+=("$@"); break ;;
    -*) usage "unknown option $1" ;;
    *) args+=("$1"); shift ;;
  esac
done
[ "${#args[@]}" -eq 2 ] || usage "expected FILE and ROOT"
[ -f "${args[0]}" ] || die 2 "sweep file ${args[0]}: no such file"
file="$(cd "$(dirname "${args[0]}")" && pwd)/$(basename "${args[0]}")"
case "${args[1]}" in /*) root="${args[1]}" ;; *) root="$PWD/${args[1]}" ;; esac
root="${root%/}"

for c in sbatch sinfo scontrol; do
  command -v "$c" >/dev/null 2>&1 || die 1 "'$c' not found: is this a Slurm submit host? (here: scripts/slurm-cluster.sh start, then eval \"\$(scripts/slurm-cluster.sh env)\")"
done
if [ -n "${USEFUL_IMAGE:-}" ]; then
  [ -f "$USEFUL_IMAGE" ] || die 2 "USEFUL_IMAGE=$USEFUL_IMAGE: no such file"
  USEFUL_IMAGE="$(cd "$(dirname "$USEFUL_IMAGE")" && pwd)/$(basename "$USEFUL_IMAGE")"
  export USEFUL_IMAGE
  unset USEFUL_PIPELINE
  runner="image $USEFUL_IMAGE"
  mkdir -p "$root" # the container binds it, so it must exist
else
  USEFUL_PIPELINE="${USEFUL_PIPELINE:-$repo/bin/useful-pipeline}"
  [ -x "$USEFUL_PIPELINE" ] || die 2 "USEFUL_PIPELINE=$USEFUL_PIPELINE is not an executable (build it: make build)"
  case "$USEFUL_PIPELINE" in /*) ;; *) USEFUL_PIPELINE="$PWD/$USEFUL_PIPELINE" ;; esac
  export USEFUL_PIPELINE
  runner="binary $USEFUL_PIPELINE"
fi

# 1. The plan: the cell count (and ROOT/sweep.json, written once).
set +e
count="$(cd "$chdir" && bash "$sbatch_file" plan "$file" "$root")"
rc=$?
set -e
if [ "$rc" -ne 0 ]; then
  [ "$rc" -eq 2 ] && die 2 "the plan of $file refused it (exit 2, see above); nothing submitted"
  die 1 "planning $file failed (exit $rc); nothing submitted"
fi
count="$(echo "$count" | tail -n1 | tr -d '[:space:]')"
[[ "$count" =~ ^[1-9][0-9]*$ ]] || die 1 "sweep plan --count-only printed '$count', not a cell count"

# 2. The array.
max_array="$(scontrol show config | awk -F= '/^MaxArraySize/ {gsub(/ /, "", $2); print $2}')"
tasks="$count"
[ -n "$max_tasks" ] && [ "$max_tasks" -lt "$tasks" ] && tasks="$max_tasks"
[[ "$max_array" =~ ^[0-9]+$ ]] && [ "$max_array" -lt "$tasks" ] && tasks="$max_array"
if [ -n "$indices" ]; then
  for part in ${indices//,/ }; do
    for i in ${part//-/ }; do
      [ "$i" -lt "$tasks" ] || die 2 "--indices $indices: task $i is out of range (the sweep has $tasks tasks, 0-$((tasks - 1)))"
    done
  done
  array="$indices%$limit"
  export SWEEP_STRIDE="$tasks"
else
  array="0-$((tasks - 1))%$limit"
  unset SWEEP_STRIDE
fi

if [ "$gpus" = auto ]; then
  gres="$(sinfo -h ${partition:+-p "$partition"} -o %G 2>/dev/null || true)"
  if echo "$gres" | grep -q 'gpu'; then gpus=1; else gpus=0; fi
fi
export SWEEP_GPUS="$gpus"

common=(--parsable --export=ALL --chdir="$chdir")
[ -n "$partition" ] && common+=(--partition="$partition")
task_opts=(--cpus-per-task="$cpus")
[ -n "$mem" ] && task_opts+=(--mem="$mem")
[ -n "$time_limit" ] && task_opts+=(--time="$time_limit")
[ "$gpus" = 1 ] && task_opts+=(--gres=gpu:1)

mkdir -p "$root/logs"
array_id="$(sbatch "${common[@]}" "${task_opts[@]}" --job-name=useful-sweep --array="$array" \
  --output="$root/logs/%x-%A_%a.out" "$sbatch_file" run "$file" "$root")" ||
  die 1 "sbatch refused the array (see above)"
array_id="${array_id%%;*}"

# 3. The aggregate, after every task of the array has ended (afterany).
agg_id="$(sbatch "${common[@]}" --cpus-per-task=1 ${mem:+--mem="$mem"} --job-name=useful-aggregate \
  --dependency="afterany:$array_id" --output="$root/logs/%x-%j.out" \
  "$sbatch_file" aggregate "$root")" || die 1 "sbatch refused the aggregate job (array job $array_id was submitted)"
agg_id="${agg_id%%;*}"

if [ "$gpus" = 1 ]; then where="one GPU per task"; else where="CPU only"; fi
echo "sweep: $count cells, $tasks tasks, array $array, $cpus CPU(s) per task, $where, $runner"
echo "array job $array_id"
echo "aggregate job $agg_id (after the array ends: --dependency=afterany:$array_id)"
echo "logs: $root/logs/"
