#!/usr/bin/env bash
# Builds everything (CometBFT included) and starts a single-node Weave chain with
# default settings. The node's home is $WEAVE_HOME (default ~/.weave); the first run
# initializes it with a funded key "validator" in the test key ring.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
export PATH="$(go env GOPATH)/bin:$PATH"
# The node a user runs is the optimised (release) build; the test suite builds the
# dev profile, separately.
cargo build --locked --release -p weaved

WEAVED="${CARGO_TARGET_DIR:-$PWD/target}/release/weaved"
export WEAVE_HOME="${WEAVE_HOME:-$HOME/.weave}"
export WEAVE_KEYRING_BACKEND="${WEAVE_KEYRING_BACKEND:-test}"
if [ ! -f "$WEAVE_HOME/config/weaved.toml" ]; then
  "$WEAVED" init --chain-id "${WEAVE_CHAIN_ID:-weave-local}"
fi
exec "$WEAVED" start
