#!/usr/bin/env bash
# Runs Weave's whole test suite: installs what it needs, builds every crate and the
# weaved binary once (dev profile), then runs unit, module, app and end-to-end tests
# (the end-to-end tests start real weaved + CometBFT processes on free ports).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
export PATH="$(go env GOPATH)/bin:$PATH"

cargo fmt --all -- --check
cargo build --workspace --bins --locked
cargo test --workspace --locked -- --test-threads 2
