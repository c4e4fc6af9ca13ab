#!/usr/bin/env bash
# Checks that dermacam installs, builds and classifies on a Raspberry Pi's architecture, under
# emulation on an x86 machine (run as root):
#   scripts/arch-check.sh --arch arm64    # 64-bit Raspberry Pi OS (scripts/arm64-check.sh runs this)
#   scripts/arch-check.sh --arch armhf    # 32-bit Raspberry Pi OS (Debian's armhf: ARMv7, hard float)
#   scripts/arch-check.sh --arch armhf --reuse-modules   # keep the last run's node_modules (see below)
# It builds a Debian 13 (trixie) root for that architecture with debootstrap and runs it through
# qemu-user-static, with Debian's own Node.js 20. Inside, it runs `npm ci`, the build, `doctor`,
# and `classify --json` on the fixtures, then compares every answer with this machine's
# (scripts/compare-classifications.ts). arm64 runs the onnx and wasm backends; armhf, where
# onnxruntime-node and @tensorflow/tfjs-node have no build, runs auto (which must fall back to
# wasm) and wasm, both compared with this machine's wasm. Timings under emulation say nothing about
# a Pi and are not reported, except how long `npm ci` took.
# The root is kept in .cache/<arch>-root, so a second run skips the download. With
# --reuse-modules, the last run's node_modules are kept when package-lock.json has not changed
# since, and `npm ci` is skipped (it compiles better-sqlite3 under emulation: half an hour or more).
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$PWD"

arch=''
reuse_modules=0
while [ $# -gt 0 ]; do
  case "$1" in
    --arch) arch="${2:-}"; shift 2 ;;
    --arch=*) arch="${1#--arch=}"; shift ;;
    --reuse-modules) reuse_modules=1; shift ;;
    *) echo "usage: $0 --arch arm64|armhf [--reuse-modules]" >&2; exit 2 ;;
  esac
done
# per architecture: qemu's name for it, and the backend pairs compared (<backend there>:<backend here>)
case "$arch" in
  arm64) qemu=aarch64; pairs='onnx:onnx wasm:wasm' ;;
  armhf) qemu=arm; pairs='auto:wasm wasm:wasm' ;;
  *) echo "usage: $0 --arch arm64|armhf [--reuse-modules]" >&2; exit 2 ;;
esac

root="$repo/.cache/$arch-root"
shared="$(cd "$repo/../shared" && pwd)"
work="$root/work"
say() { echo "$arch-check: $*"; }

if ! command -v debootstrap >/dev/null || [ ! -x "/usr/bin/qemu-$qemu-static" ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq debootstrap qemu-user-static binfmt-support
fi
update-binfmts --enable "qemu-$qemu" >/dev/null 2>&1 || true

# the marker is written last: a root left half-built by an interrupted run is built again
if [ ! -f "$root/.dermacam-root-ready" ]; then
  say "building a Debian trixie $arch root in $root (a few hundred MB)"
  rm -rf "$root"
  debootstrap --arch="$arch" --variant=minbase trixie "$root" http://deb.debian.org/debian
  # apt inside the root resolves Node's many packages, which debootstrap's --include cannot
  chroot "$root" /bin/bash -euc 'export DEBIAN_FRONTEND=noninteractive; apt-get update -qq;
    apt-get install -y -qq --no-install-recommends nodejs npm libnode-dev python3 make g++ ca-certificates'
  touch "$root/.dermacam-root-ready"
fi

# the checkout as committed, next to the shared data as on this machine (../shared)
mkdir -p "$work/dermacam" "$work/shared"
kept=0
if [ "$reuse_modules" = 1 ] && [ -d "$work/dermacam/node_modules" ] \
  && git -C "$repo" show HEAD:package-lock.json | cmp -s - "$work/dermacam/package-lock.json"; then
  rm -rf "$work/node_modules.kept"
  mv "$work/dermacam/node_modules" "$work/node_modules.kept"
  kept=1
fi
rm -rf "$work/dermacam"
mkdir -p "$work/dermacam"
git -C "$repo" archive HEAD | tar -x -C "$work/dermacam"
[ "$kept" = 1 ] && mv "$work/node_modules.kept" "$work/dermacam/node_modules"
say "commit $(git -C "$repo" rev-parse --short HEAD)$([ "$kept" = 1 ] && echo ', node_modules kept from the last run (package-lock.json unchanged)')"
mountpoint -q "$work/shared" || mount --bind -o ro "$shared" "$work/shared"
mountpoint -q "$root/proc" || mount -t proc proc "$root/proc"
cleanup() {
  umount "$work/shared" 2>/dev/null || true
  umount "$root/proc" 2>/dev/null || true
}
trap cleanup EXIT

# the root reaches the npm registry as this machine does: same registry, same CA bundle (a proxy's
# CA among them, where there is one)
cp "$(npm config get cafile 2>/dev/null | grep -v '^null$' || echo /etc/ssl/certs/ca-certificates.crt)" "$root/etc/dermacam-host-ca.crt"
registry="$(npm config get registry)"

# what each native or optional dependency came to inside the root: installed or not, and whether it loads
cat > "$work/dependencies.cjs" <<'EOF_JS'
const load = {
  sharp: (m) => m.versions.vips && `libvips ${m.versions.vips}`,
  'better-sqlite3': (m) => new m(':memory:').prepare('select sqlite_version() as v').get().v && 'opens a database',
};
for (const dep of ['sharp', 'better-sqlite3', 'onnxruntime-node', '@tensorflow/tfjs-node', '@tensorflow/tfjs-backend-wasm', 'esbuild']) {
  let version;
  try {
    version = require(`/work/dermacam/node_modules/${dep}/package.json`).version;
  } catch {
    console.log(`  ${dep}: not installed`);
    continue;
  }
  try {
    const module = require(`/work/dermacam/node_modules/${dep}`);
    console.log(`  ${dep} ${version}: loads${load[dep] ? `, ${load[dep](module)}` : ''}`);
  } catch (error) {
    console.log(`  ${dep} ${version}: installed, does not load: ${String(error.message).split('\n')[0]}`);
  }
}
EOF_JS

# node-gyp builds better-sqlite3 against Debian's Node headers (/usr/include/node): no download
chroot "$root" /usr/bin/env ARCH="$arch" PAIRS="$pairs" KEPT="$kept" npm_config_cafile=/etc/dermacam-host-ca.crt npm_config_registry="$registry" npm_config_nodedir=/usr /bin/bash -euo pipefail -c '
  cd /work/dermacam
  echo "$ARCH-check: $(uname -m), node $(node --version) ($(node -p process.arch)), npm $(npm --version)"
  if [ "$KEPT" = 0 ]; then
    started=$(date +%s)
    npm ci --no-audit --no-fund --foreground-scripts > /work/npm-ci.log 2>&1 || { tail -50 /work/npm-ci.log; exit 1; }
    echo "$ARCH-check: npm ci passed in $(( ($(date +%s) - started) / 60 )) minutes under emulation (log: work/npm-ci.log)"
  fi
  # what each native or optional dependency came to here
  node /work/dependencies.cjs
  ls -d node_modules/@img/* node_modules/better-sqlite3/build/Release/*.node 2>/dev/null | sed "s/^/  /" || true
  npm run build
  node dist/cli.js doctor --data-dir /tmp/dermacam-doctor > /work/$ARCH-doctor.txt || true
  cat /work/$ARCH-doctor.txt
  for pair in $PAIRS; do
    backend=${pair%%:*}
    node dist/cli.js classify --json --backend "$backend" ../shared/data/fixtures > "/work/$ARCH-$backend.jsonl" 2> "/work/$ARCH-$backend.stderr" || true
    echo "$ARCH-check: classify --backend $backend: $(wc -l < /work/$ARCH-$backend.jsonl) answers; stderr: $(head -c 600 /work/$ARCH-$backend.stderr)"
  done
'

# this machine's answers, from the same commit built beside the repository (dist/ is left alone)
ref="$repo/.cache/$arch-x64-reference"
rm -rf "$ref"
mkdir -p "$ref"
git -C "$repo" archive HEAD | tar -x -C "$ref"
ln -s "$repo/node_modules" "$ref/node_modules"
(cd "$ref" && npx tsx scripts/build.ts)
for pair in $pairs; do
  there=${pair%%:*}
  here=${pair##*:}
  (cd "$ref" && node dist/cli.js classify --json --backend "$here" "$shared/data/fixtures" > "$work/x64-$here.jsonl") || true
  npx tsx scripts/compare-classifications.ts "$work/x64-$here.jsonl" "$work/$arch-$there.jsonl" "$arch $there against x64 $here"
done
