#!/usr/bin/env bash
# graft + tfgo coexistence experiment (see FINDING.md). Runs `go run .` three
# ways and captures everything in output.txt next to this script:
#   1. plain `go run .`                          -> cgo link error (duplicate C symbols)
#   2. with the linker told to allow duplicates  -> protobuf registration panic at init
#   3. as 2, plus GOLANG_PROTOBUF_REGISTRATION_CONFLICT=warn
#                                                -> ~500 WARNING blocks, then runs
# Case 3's warnings are shortened (first 15 lines, a count, and every non-warning
# line) because in full they are ~2,500 lines.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"
. ../../../scripts/env.sh
out="$here/output.txt"
linkfix='-extldflags=-Wl,--allow-multiple-definition'
tmp="$(mktemp)"
trap 'rm -f "$tmp"' EXIT
{
  echo "# $(go version); $(uname -m); libtensorflow from ${LD_LIBRARY_PATH%%:*}"
  echo
  echo "## case 1: go run ."
  go run . 2>&1; echo "exit status of go run: $?"
  echo
  echo "## case 2: go run -ldflags \"$linkfix\" ."
  go run -ldflags "$linkfix" . 2>&1; echo "exit status of go run: $?"
  echo
  echo "## case 3: GOLANG_PROTOBUF_REGISTRATION_CONFLICT=warn go run -ldflags \"$linkfix\" ."
  GOLANG_PROTOBUF_REGISTRATION_CONFLICT=warn go run -ldflags "$linkfix" . >"$tmp" 2>&1
  rc=$?
  head -n 15 "$tmp"
  echo "[... output shortened by run.sh: $(grep -c 'WARNING: proto:' "$tmp") 'WARNING: proto:' blocks, $(wc -l <"$tmp") lines in all; non-warning lines follow ...]"
  grep -v -e 'WARNING: proto:' -e '^[[:space:]]' -e '^See https://protobuf.dev' -e '^$' "$tmp"
  echo "exit status of go run: $rc"
} >"$out" 2>&1
cat "$out"
