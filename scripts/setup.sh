#!/usr/bin/env bash
# Installs the system packages edge-audit needs (idempotent: skips what is present).
#   libpng-dev, libjpeg-dev, zlib1g-dev  image decode/encode and the gzip idx reader
#   libopenblas-dev                       the float GEMM engine
#   dataset-fashion-mnist                 the Fashion-MNIST train/test idx files
#   gcc-aarch64-linux-gnu, qemu-user      cross-compiled ARM kernel tests
#   python3 (when none is on PATH)        the size check and the board-runner parity script
set -euo pipefail
PKGS=(libpng-dev libjpeg-dev zlib1g-dev libopenblas-dev dataset-fashion-mnist gcc-aarch64-linux-gnu qemu-user)
missing=()
for p in "${PKGS[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
command -v python3 >/dev/null 2>&1 || missing+=(python3)
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  echo "installing: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
echo "system packages ready"
