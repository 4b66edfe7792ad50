#!/usr/bin/env bash
# Cross-builds the reference library for linux-arm64 and win32-x64 on Debian, smoke-tests each under
# qemu-user / wine, and records them in prebuilds/manifest.json.
#
#   scripts/cross-build.sh [linux-arm64] [win32-x64] [--no-install]
#
# Installs what is missing with apt-get (--no-install-recommends): g++-aarch64-linux-gnu,
# g++-mingw-w64-x86-64-posix, qemu-user, wine64 — about 245 MB of packages, 1.4 GB on disk.
# macOS prebuilds cannot be made here (no Apple SDK); they come from a macOS CI job.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
start=$SECONDS

targets=()
install=1
for arg in "$@"; do
  case "$arg" in
    linux-arm64 | win32-x64) targets+=("$arg") ;;
    --no-install) install=0 ;;
    *)
      echo "cross-build: unknown argument '$arg' (targets: linux-arm64 win32-x64; option: --no-install)" >&2
      exit 2
      ;;
  esac
done
((${#targets[@]})) || targets=(linux-arm64 win32-x64)

step() { printf '\n=== %s (t=%ss)\n' "$1" "$((SECONDS - start))"; }

# --- toolchains ------------------------------------------------------------------------------------
need=()
for t in "${targets[@]}"; do
  case "$t" in
    linux-arm64)
      command -v aarch64-linux-gnu-g++ >/dev/null || need+=(g++-aarch64-linux-gnu)
      command -v qemu-aarch64 >/dev/null || need+=(qemu-user)
      ;;
    win32-x64)
      command -v x86_64-w64-mingw32-g++-posix >/dev/null || need+=(g++-mingw-w64-x86-64-posix)
      [[ -x /usr/lib/wine/wine64 ]] || command -v wine64 >/dev/null || need+=(wine64)
      ;;
  esac
done
command -v cmake >/dev/null || need+=(cmake)
command -v ninja >/dev/null || need+=(ninja-build)
if ((${#need[@]})); then
  if ((!install)); then
    echo "cross-build: missing packages: ${need[*]} (run without --no-install, as root, to install them)" >&2
    exit 1
  fi
  step "apt-get install ${need[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}"
fi

# --- one target ------------------------------------------------------------------------------------
# build <tag> <toolchain file> <library file name> <strip tool | linker> : configure + build with -Werror, strip into prebuilds/<tag>/
build() {
  local tag=$1 toolchain=$2 file=$3 strip=$4
  local dir="$root/build/cross/$tag"
  mkdir -p "$root/build/cross"
  step "$tag: cmake build ($(basename "$toolchain" .cmake))"
  cmake -S "$root" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DFFIKIT_WERROR=ON \
    -DCMAKE_TOOLCHAIN_FILE="$root/scripts/toolchains/$toolchain" >"$dir.configure.log" 2>&1 ||
    {
      cat "$dir.configure.log"
      exit 1
    }
  grep 'ISA kernels' "$dir.configure.log" || echo "-- ffikit_ref ISA kernels: scalar only (not an x86 target)"
  cmake --build "$dir"
  mkdir -p "$root/prebuilds/$tag"
  if [[ $strip == linker ]]; then
    cp "$dir/$file" "$root/prebuilds/$tag/$file" # the toolchain file links with -s
  else
    "$strip" --strip-unneeded -o "$root/prebuilds/$tag/$file" "$dir/$file"
  fi
  ls -l "$root/prebuilds/$tag/$file"
}

smoke_cflags=(-O1 -std=c99 -Wall -Wextra -Werror -I"$root/cpp/include")

for t in "${targets[@]}"; do
  case "$t" in
    linux-arm64)
      build linux-arm64 aarch64-linux-gnu.cmake libffikit_ref.so aarch64-linux-gnu-strip
      step "linux-arm64: smoke test under qemu-aarch64"
      run="$root/build/cross/smoke-linux-arm64"
      mkdir -p "$run"
      # Linked against the stripped prebuild itself: what ships is what is tested.
      aarch64-linux-gnu-gcc "${smoke_cflags[@]}" tests/native-smoke/smoke.c -L"$root/prebuilds/linux-arm64" -lffikit_ref -o "$run/smoke"
      # -L: the aarch64 sysroot the cross toolchain installed (ld-linux-aarch64, libc, libstdc++).
      qemu-aarch64 -L /usr/aarch64-linux-gnu -E LD_LIBRARY_PATH="$root/prebuilds/linux-arm64" "$run/smoke"
      ;;
    win32-x64)
      build win32-x64 x86_64-w64-mingw32.cmake ffikit_ref.dll linker
      step "win32-x64: exports and imports"
      # Only system DLLs may be imported (libstdc++, libgcc and winpthread are linked in statically).
      x86_64-w64-mingw32-objdump -p prebuilds/win32-x64/ffikit_ref.dll | grep 'DLL Name'
      if x86_64-w64-mingw32-objdump -p prebuilds/win32-x64/ffikit_ref.dll | grep -Ei 'DLL Name: (libstdc|libgcc|libwinpthread)'; then
        echo "cross-build: ffikit_ref.dll depends on a MinGW runtime DLL" >&2
        exit 1
      fi
      step "win32-x64: smoke test under wine"
      run="$root/build/cross/smoke-win32-x64"
      mkdir -p "$run"
      cp prebuilds/win32-x64/ffikit_ref.dll "$run/"
      x86_64-w64-mingw32-gcc-posix "${smoke_cflags[@]}" tests/native-smoke/smoke.c -L"$run" -l:ffikit_ref.dll -static -o "$run/smoke.exe"
      wine=/usr/lib/wine/wine64
      [[ -x $wine ]] || wine=$(command -v wine64)
      # A private prefix under build/ (created on first use, ~10 s); WINEDEBUG=-all keeps wine's own chatter out.
      (cd "$run" && WINEPREFIX="$root/build/cross/wineprefix" WINEDEBUG=-all "$wine" smoke.exe 2> >(grep -v -e rundll32 -e "configuration in" -e "created the configuration" >&2)) | tr -d '\r'
      ;;
  esac
done

step "manifest"
files=()
for t in "${targets[@]}"; do
  case "$t" in
    linux-arm64) files+=(prebuilds/linux-arm64/libffikit_ref.so) ;;
    win32-x64) files+=(prebuilds/win32-x64/ffikit_ref.dll) ;;
  esac
done
node scripts/prebuild.js --add "${files[@]}"
step "done"
