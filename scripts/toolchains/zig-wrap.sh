#!/usr/bin/env bash
# Compiler driver for CMake: zig-wrap.sh <zig> <cc|c++> <target triple> <compiler arguments>...
# Runs `zig cc|c++ -target <triple>`, translating the one linker flag form zig 0.11 does not parse:
# CMake writes `-Xlinker --version-script=<file>`, zig 0.11 only takes `--version-script <file>`.
set -euo pipefail
zig=$1 mode=$2 target=$3
shift 3
args=()
while (($#)); do
  if [[ $1 == -Xlinker && ${2:-} == --version-script=* ]]; then
    args+=(-Xlinker --version-script -Xlinker "${2#--version-script=}")
    shift 2
    continue
  fi
  case "$1" in
    -Wl,--version-script=*) args+=("-Wl,--version-script,${1#-Wl,--version-script=}") ;;
    *) args+=("$1") ;;
  esac
  shift
done
exec "$zig" "$mode" -target "$target" "${args[@]}"
