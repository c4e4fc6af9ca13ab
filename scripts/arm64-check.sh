#!/usr/bin/env bash
# Checks that dermacam installs, builds and classifies on arm64, the architecture of a 64-bit
# Raspberry Pi, under emulation on an x86 machine (run as root):
#   scripts/arm64-check.sh
# It builds a Debian 13 (trixie) arm64 root with debootstrap and runs it through
# qemu-user-static, with Debian's own Node.js 20. Inside, it runs `npm ci`, the build and
# `classify --json` on the fixtures with the onnx and wasm backends, then compares every answer
# with this machine's. Timings under emulation say nothing about a Pi and are not reported.
# The root is kept in .cache/arm64-root, so a second run skips the download.
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$PWD"
root="$repo/.cache/arm64-root"
shared="$(cd "$repo/../shared" && pwd)"
work="$root/work"

if ! command -v debootstrap >/dev/null || [ ! -x /usr/bin/qemu-aarch64-static ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq debootstrap qemu-user-static binfmt-support
fi
update-binfmts --enable qemu-aarch64 >/dev/null 2>&1 || true

# the marker is written last: a root left half-built by an interrupted run is built again
if [ ! -f "$root/.dermacam-root-ready" ]; then
  echo "arm64-check: building a Debian trixie arm64 root in $root (a few hundred MB)"
  rm -rf "$root"
  debootstrap --arch=arm64 --variant=minbase trixie "$root" http://deb.debian.org/debian
  # apt inside the root resolves Node's many packages, which debootstrap's --include cannot
  chroot "$root" /bin/bash -euc 'export DEBIAN_FRONTEND=noninteractive; apt-get update -qq;
    apt-get install -y -qq --no-install-recommends nodejs npm libnode-dev python3 make g++ ca-certificates'
  touch "$root/.dermacam-root-ready"
fi

# the checkout as committed, next to the shared data as on this machine (../shared)
rm -rf "$work/dermacam"
mkdir -p "$work/dermacam" "$work/shared"
git -C "$repo" archive HEAD | tar -x -C "$work/dermacam"
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

# node-gyp builds better-sqlite3 against Debian's Node headers (/usr/include/node): no download
chroot "$root" /usr/bin/env npm_config_cafile=/etc/dermacam-host-ca.crt npm_config_registry="$registry" npm_config_nodedir=/usr /bin/bash -euo pipefail -c '
  cd /work/dermacam
  echo "arm64-check: $(uname -m), node $(node --version), npm $(npm --version)"
  npm ci --no-audit --no-fund
  npm run build
  for backend in onnx wasm; do
    node dist/cli.js classify --json --backend "$backend" ../shared/data/fixtures > "/work/arm64-$backend.jsonl" || true
  done
'

npm run build >/dev/null
for backend in onnx wasm; do
  node dist/cli.js classify --json --backend "$backend" ../shared/data/fixtures > "$work/x64-$backend.jsonl" || true
  npx tsx scripts/compare-classifications.ts "$work/x64-$backend.jsonl" "$work/arm64-$backend.jsonl" "arm64 $backend against x64 $backend"
done
