#!/usr/bin/env bash
# Installs what the reliability suite needs on Debian 12 (issue 8): clang-14 with libFuzzer and
# the sanitizer runtimes, llvm-14 (llvm-symbolizer, for readable sanitizer stacks) and valgrind.
# gcc's ASan/UBSan/TSan runtimes come with g++. Idempotent: does nothing when all are present.
set -euo pipefail

packages=(clang-14 libclang-rt-14-dev llvm-14 valgrind cmake g++ make)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" ||
    missing+=("$package")
done
if ((${#missing[@]} == 0)); then
  echo "install-reliability-tools: all present (${packages[*]})"
  exit 0
fi

sudo=()
((EUID == 0)) || sudo=(sudo)
echo "install-reliability-tools: installing ${missing[*]}"
"${sudo[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
