#!/usr/bin/env bash
# What `npm run train` needs beyond npm: Debian's PyTorch and NumPy for /usr/bin/python3 (the
# fine-tuning step only; the app, the CLI and their tests other than the training smoke need no Python).
set -euo pipefail
if /usr/bin/python3 -c 'import torch, numpy' 2>/dev/null; then exit 0; fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends python3-torch python3-numpy
