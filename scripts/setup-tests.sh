#!/usr/bin/env bash
# Installs everything the tests need on a fresh Debian machine (run as root, for apt-get):
# `scripts/setup-tests.sh && npm test` is the README's test command, and what CI runs.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian tools the tests use: fswebcam (the real webcam path, through its file source), tmux
# (the terminal UI end to end), dicom3tools (dciodvfy checks the DICOM objects), dcmtk (dcmmkdir
# makes the DICOMDIR of an export, dcmdump reads it), and Orthanc with its DICOMweb plugin (the
# PACS the outbox sends to; the tests run their own, not the service), systemd (systemd-analyze
# verify, systemd-sysusers and systemctl --root for the Pi installer's test; systemd need not run),
# and passwd (userdel and groupdel, which its --purge runs).
if ! command -v fswebcam >/dev/null || ! command -v tmux >/dev/null || ! command -v dciodvfy >/dev/null || ! command -v dcmmkdir >/dev/null ||
  [ ! -x /usr/sbin/Orthanc ] || [ ! -e /usr/share/orthanc/plugins/libOrthancDicomWeb.so ] ||
  ! command -v systemd-analyze >/dev/null || ! command -v systemd-sysusers >/dev/null || ! command -v systemctl >/dev/null ||
  ! command -v userdel >/dev/null || ! command -v groupdel >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends fswebcam tmux dicom3tools dcmtk orthanc orthanc-dicomweb systemd passwd
fi

# Debian's PyTorch for the training pipeline's smoke test (cache, fine-tune, export, parity, card).
scripts/install-training.sh

# Real photos that are not skin lesions, for the "not a lesion" test: scikit-image's sample
# images, unpacked from the Debian package (no Python needed) into the git-ignored .cache/.
if [ ! -d .cache/non-lesion/usr ]; then
  download="$(mktemp -d)"
  (cd "$download" && apt-get download -qq python3-skimage) ||
    { apt-get update -qq && (cd "$download" && apt-get download -qq python3-skimage); }
  mkdir -p .cache/non-lesion
  dpkg -x "$download"/python3-skimage_*.deb .cache/non-lesion
fi

# @tensorflow/tfjs-node is optional: its installer downloads libtensorflow, which fails without
# internet, and npm carries on without it (the wasm backend is the portable default).
npm ci --no-audit --no-fund
