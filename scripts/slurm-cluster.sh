#!/usr/bin/env bash
# A real single-node Slurm cluster on this machine, for the sweep tests and for trying
# deploy/slurm/ by hand. Run as root.
#
#   scripts/slurm-cluster.sh start    # install if missing, configure, start, wait until idle
#   scripts/slurm-cluster.sh status   # daemons, pids and `sinfo`
#   scripts/slurm-cluster.sh env      # prints `export SLURM_CONF=...` for the client commands
#   scripts/slurm-cluster.sh stop     # stops exactly the daemons `start` started (pid files)
#
# Clients (sbatch, squeue, scontrol, scancel, sinfo) find this cluster through SLURM_CONF:
#   eval "$(scripts/slurm-cluster.sh env)"
#
# What `start` does, idempotently:
#  - installs Debian's munge, slurmctld, slurmd and slurm-client if a command is missing
#    (one `apt-get update`, then the versions the configured Debian release serves; tested
#    with 22.05.8-4+deb12u3 and munge 0.5.15-2+deb12u1 on bookworm). Package scripts are kept
#    from starting the system's own daemons during the install (policy-rc.d).
#  - writes everything under its own folder, $SLURM_CLUSTER_DIR (default
#    /var/lib/useful-pipeline-slurm): etc/slurm.conf (this host, its cores and memory as
#    `slurmd -C` measures them), munge/munge.key (made once), state/, spool/, run/*.pid, log/.
#  - starts munged (its own key and socket, so a system munge is left alone), slurmctld (with
#    an empty queue: jobs left from an earlier start are dropped) and slurmd as root, and waits until `sinfo` shows the node idle ($SLURM_CLUSTER_TIMEOUT s,
#    default 90; on timeout it prints the daemons' last log lines and stops what it started).
# No cgroups are needed: proctrack/linuxproc, task/affinity (each task bound to its CPUs),
# select/cons_tres with CPUs and memory consumable (DefMemPerCPU), no accounting storage.
# GPUs (/dev/nvidia0, ...; SLURM_CLUSTER_GPU_FILES overrides the list) become `Gres=gpu:N`
# of the node, and Slurm sets CUDA_VISIBLE_DEVICES for each job that asks for one.
#
# Exit status: 0 ok; 1 failure; 2 bad usage; 5 (start) the cluster cannot run here: not root,
# or Slurm/munge missing and not installable (no apt-get, or apt-get failed). `status`: 0 running, 3 not
# running, 1 partly running (a pid file whose daemon is gone).
set -euo pipefail

DIR="${SLURM_CLUSTER_DIR:-/var/lib/useful-pipeline-slurm}"
TIMEOUT="${SLURM_CLUSTER_TIMEOUT:-90}"
PORT="${SLURM_CLUSTER_PORT:-6817}" # slurmctld; slurmd listens on PORT+1
CONF="$DIR/etc/slurm.conf"
DAEMONS=(munged slurmctld slurmd) # start order; stop goes in reverse
PACKAGES=(munge slurmctld slurmd slurm-client)
COMMANDS=(munged mungekey slurmctld slurmd sinfo sbatch squeue scontrol scancel)

say() { echo "slurm-cluster: $*"; }
die() { echo "slurm-cluster: $2" >&2; exit "$1"; }

pidfile() { echo "$DIR/run/$1.pid"; }

# alive NAME: the pid of daemon NAME from its pid file, if that process is still NAME.
alive() {
  local f pid
  f="$(pidfile "$1")"
  [ -s "$f" ] || return 1
  pid="$(tr -dc '0-9' <"$f")"
  [ -n "$pid" ] && [ -r "/proc/$pid/comm" ] || return 1
  [ "$(cat "/proc/$pid/comm")" = "$1" ] || return 1
  echo "$pid"
}

install_if_missing() {
  local missing=() c
  for c in "${COMMANDS[@]}"; do
    command -v "$c" >/dev/null 2>&1 || missing+=("$c")
  done
  [ "${#missing[@]}" -eq 0 ] && return 0
  say "missing: ${missing[*]}; installing ${PACKAGES[*]} from Debian"
  [ "$(id -u)" -eq 0 ] || die 5 "Slurm is not installed and installing it needs root (running as uid $(id -u))"
  command -v apt-get >/dev/null 2>&1 || die 5 "Slurm is not installed and there is no apt-get to install it"
  # Keep the packages' maintainer scripts from starting system-wide daemons.
  local policy=/usr/sbin/policy-rc.d made_policy=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy" && made_policy=1
  fi
  local ok=1 log="$DIR/log/apt.log"
  mkdir -p "$DIR/log"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >"$log" 2>&1 || ok=0
  if [ "$ok" -eq 1 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      "${PACKAGES[@]}" >>"$log" 2>&1 || ok=0
  fi
  if [ "$made_policy" -eq 1 ]; then rm -f "$policy"; fi
  if [ "$ok" -eq 0 ]; then
    tail -n 20 "$log" >&2
    die 5 "apt-get could not install ${PACKAGES[*]} (log: $log)"
  fi
  for c in "${COMMANDS[@]}"; do
    command -v "$c" >/dev/null 2>&1 || die 5 "installed ${PACKAGES[*]} but '$c' is still missing"
  done
  say "installed: $(dpkg-query -W -f='${Package} ${Version}, ' "${PACKAGES[@]}")"
}

# node_line: this host as slurmd measures it (NodeName, CPUs, sockets, cores, threads, RealMemory).
node_line() {
  local line
  line="$(slurmd -C | head -n1)"
  case "$line" in
    NodeName=*RealMemory=*) echo "$line" ;;
    *) die 1 "unexpected 'slurmd -C' output: $line" ;;
  esac
}

write_config() {
  local host node gpus=() dev
  mkdir -p "$DIR"/{etc,munge,state,spool,run,log}
  chmod 700 "$DIR/munge"
  host="$(hostname -s)"
  node="$(node_line)"
  node="NodeName=$host NodeAddr=127.0.0.1 NodeHostname=$host ${node#NodeName=* }"
  for dev in ${SLURM_CLUSTER_GPU_FILES:-/dev/nvidia[0-9]*}; do
    [ -e "$dev" ] && gpus+=("$dev")
  done
  local gres_types="" tmp="$CONF.tmp.$$"
  if [ "${#gpus[@]}" -gt 0 ]; then
    gres_types="GresTypes=gpu"
    node="$node Gres=gpu:${#gpus[@]}"
    : >"$DIR/etc/gres.conf.tmp.$$"
    for dev in "${gpus[@]}"; do
      echo "NodeName=$host Name=gpu File=$dev" >>"$DIR/etc/gres.conf.tmp.$$"
    done
    mv "$DIR/etc/gres.conf.tmp.$$" "$DIR/etc/gres.conf"
  else
    rm -f "$DIR/etc/gres.conf"
  fi
  cat >"$tmp" <<EOF
# Written by scripts/slurm-cluster.sh: one node, this host ($host), nothing else.
ClusterName=useful
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$PORT
SlurmdPort=$((PORT + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$DIR/munge/munge.socket.2
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool
SlurmctldPidFile=$(pidfile slurmctld)
SlurmdPidFile=$(pidfile slurmd)
SlurmctldLogFile=$DIR/log/slurmctld.log
SlurmdLogFile=$DIR/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
# No cgroups: processes tracked by parent pid, tasks bound to their CPUs by sched_setaffinity.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/affinity
# CPUs and memory are consumable: two 1-CPU tasks run at once on 2 cores.
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU_Memory
DefMemPerCPU=2048
SchedulerType=sched/backfill
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
MpiDefault=none
ReturnToService=2
SlurmctldTimeout=60
SlurmdTimeout=120
KillWait=10
# Finished jobs stay visible to scontrol for 30 min (there is no accounting database).
MinJobAge=1800
$gres_types
$node State=UNKNOWN
PartitionName=main Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
  mv "$tmp" "$CONF"
  if [ ! -s "$DIR/munge/munge.key" ]; then
    mungekey --create --keyfile="$DIR/munge/munge.key.tmp" --force
    chmod 600 "$DIR/munge/munge.key.tmp"
    mv "$DIR/munge/munge.key.tmp" "$DIR/munge/munge.key"
  fi
}

port_free() {
  ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

start_daemon() {
  case "$1" in
    munged)
      munged --force --key-file="$DIR/munge/munge.key" --socket="$DIR/munge/munge.socket.2" \
        --pid-file="$(pidfile munged)" --log-file="$DIR/log/munged.log" \
        --seed-file="$DIR/munge/munged.seed"
      ;;
    slurmctld) SLURM_CONF="$CONF" slurmctld -c -f "$CONF" ;; # -c: an empty queue, no jobs of an earlier start
    slurmd) SLURM_CONF="$CONF" slurmd -f "$CONF" ;;
  esac
  local i
  for i in $(seq 1 50); do
    alive "$1" >/dev/null && return 0
    sleep 0.2
  done
  return 1
}

node_state() {
  SLURM_CONF="$CONF" sinfo -h -N -n "$(hostname -s)" -o '%T' 2>/dev/null | head -n1
}

tail_logs() {
  local f
  for f in "$DIR"/log/*.log; do
    [ -f "$f" ] || continue
    echo "---- last lines of $f" >&2
    tail -n 15 "$f" >&2
  done
}

stop_daemons() {
  local name pid i stopped=()
  for ((i = ${#DAEMONS[@]} - 1; i >= 0; i--)); do
    name="${DAEMONS[$i]}"
    if pid="$(alive "$name")"; then
      kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 1 100); do
        [ -d "/proc/$pid" ] || break
        sleep 0.2
      done
      if [ -d "/proc/$pid" ]; then
        say "$name (pid $pid) ignored SIGTERM for 20 s; sending SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
      fi
      stopped+=("$name ($pid)")
    fi
    rm -f "$(pidfile "$name")"
  done
  if [ "${#stopped[@]}" -gt 0 ]; then say "stopped ${stopped[*]}"; else say "nothing to stop"; fi
}

cmd_start() {
  local name running=0
  for name in "${DAEMONS[@]}"; do
    alive "$name" >/dev/null && running=$((running + 1))
  done
  if [ "$running" -eq "${#DAEMONS[@]}" ]; then
    say "already running ($CONF); node $(node_state)"
    return 0
  fi
  [ "$(id -u)" -eq 0 ] || die 5 "start needs root (slurmd runs jobs as their users); running as uid $(id -u)"
  install_if_missing
  [ "$running" -gt 0 ] && stop_daemons # partly running: start again from scratch
  local p
  for p in "$PORT" "$((PORT + 1))"; do
    port_free "$p" || die 1 "port $p on 127.0.0.1 is in use by another program; set SLURM_CLUSTER_PORT"
  done
  write_config
  for name in "${DAEMONS[@]}"; do
    if ! start_daemon "$name"; then
      echo "slurm-cluster: $name did not start" >&2
      tail_logs
      stop_daemons
      exit 1
    fi
  done
  local deadline=$((SECONDS + TIMEOUT)) state=""
  while [ "$SECONDS" -lt "$deadline" ]; do
    state="$(node_state || true)"
    case "$state" in
      idle | mixed | allocated) break ;;
      drain* | down*)
        SLURM_CONF="$CONF" scontrol update nodename="$(hostname -s)" state=resume 2>/dev/null || true
        ;;
    esac
    sleep 1
  done
  case "$state" in
    idle | mixed | allocated) ;;
    *)
      echo "slurm-cluster: node $(hostname -s) not idle after ${TIMEOUT}s (state '${state:-none}')" >&2
      tail_logs
      stop_daemons
      exit 1
      ;;
  esac
  say "running: munged $(alive munged), slurmctld $(alive slurmctld), slurmd $(alive slurmd)"
  SLURM_CONF="$CONF" sinfo -N -o '%N %T %c %m %G'
  say "clients: export SLURM_CONF=$CONF"
}

cmd_status() {
  local name pid up=0 dead=0
  for name in "${DAEMONS[@]}"; do
    if pid="$(alive "$name")"; then
      say "$name running (pid $pid)"
      up=$((up + 1))
    elif [ -e "$(pidfile "$name")" ]; then
      say "$name not running (stale pid file $(pidfile "$name"))"
      dead=$((dead + 1))
    else
      say "$name not running"
    fi
  done
  if [ "$up" -eq "${#DAEMONS[@]}" ]; then
    SLURM_CONF="$CONF" sinfo -N -o '%N %T %c %m %G' || true
    return 0
  fi
  [ "$up" -gt 0 ] || [ "$dead" -gt 0 ] && return 1
  return 3
}

case "${1:-}" in
  start) cmd_start ;;
  stop) stop_daemons ;;
  status) cmd_status ;;
  env) echo "export SLURM_CONF=$CONF" ;;
  *) die 2 "usage: $0 start|stop|status|env (got '${1:-}')" ;;
esac
