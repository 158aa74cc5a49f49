#!/usr/bin/env bash
# Installs what building and testing Weave needs on a fresh Debian machine:
# libclang (RocksDB's bindings), curl (localnet/), chromium, chromium-driver and ffmpeg
# (the web application's browser test), node.js and npm with the pinned CosmJS packages of
# tests/cosmjs (`npm ci`, the CosmJS test), CometBFT v0.38.25 and the Go modules weaved's
# build uses for the Cosmos SDK's descriptors. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
dpkg -s libclang-dev >/dev/null 2>&1 || need_apt+=(libclang-dev)
command -v clang >/dev/null 2>&1 || need_apt+=(clang)
command -v curl >/dev/null 2>&1 || need_apt+=(curl)   # localnet/ scripts
# The web application's real-browser test (tests/tests/web.rs).
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
command -v chromedriver >/dev/null 2>&1 || need_apt+=(chromium-driver)
command -v ffmpeg >/dev/null 2>&1 || need_apt+=(ffmpeg)
# The CosmJS end-to-end test (tests/tests/cosmjs.rs).
command -v node >/dev/null 2>&1 || need_apt+=(nodejs)
command -v npm >/dev/null 2>&1 || need_apt+=(npm)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "installing Debian packages: ${need_apt[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

bash scripts/install-cometbft.sh
# Building weaved runs tools/cosmos-descriptors (Go) for the Cosmos SDK's descriptors
# (gRPC reflection, REST); fetch its pinned modules now.
(cd tools/cosmos-descriptors && go mod download)

# Stock CosmJS, exactly as tests/cosmjs/package-lock.json pins it.
npm ci --prefix tests/cosmjs --no-audit --no-fund
