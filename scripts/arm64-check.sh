#!/usr/bin/env bash
# The arm64 check, kept under its old name: scripts/arch-check.sh --arch arm64 (run as root).
# docs/RASPBERRY-PI.md, "Checking the Pi builds under emulation".
exec "$(dirname "$0")/arch-check.sh" --arch arm64 "$@"
