# Source this file to build or run with plain `go` commands:
#   . scripts/env.sh && go build ./... && go test ./...
# It points cgo at libtensorflow: LIBTENSORFLOW_DIR if set (an official
# libtensorflow tarball unpacked there: include/ and lib/), else the
# tensorflow-cpu wheel inside .venv (made by `make setup`).
_up_root="$(cd "$(dirname "${BASH_SOURCE[0]:-$0}")/.." && pwd)"
if [ -n "${LIBTENSORFLOW_DIR:-}" ]; then
  _up_inc="$LIBTENSORFLOW_DIR/include"
  _up_lib="$LIBTENSORFLOW_DIR/lib"
else
  _up_inc="$_up_root/.tflib/include"
  _up_lib="$_up_root/.tflib/lib"
fi
export CGO_CFLAGS="-I$_up_inc"
export CGO_LDFLAGS="-L$_up_lib -Wl,-rpath,$_up_lib"
export LD_LIBRARY_PATH="$_up_lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export TF_CPP_MIN_LOG_LEVEL="${TF_CPP_MIN_LOG_LEVEL:-2}"
unset _up_root _up_inc _up_lib
