#!/usr/bin/env bash
# Runs Weave's whole test suite: installs what it needs, builds every crate and the
# weaved binary once (dev profile), then runs unit, module, app and end-to-end tests
# (the end-to-end tests start real weaved + CometBFT processes on free ports).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
export PATH="$(go env GOPATH)/bin:$PATH"

cargo fmt --all -- --check

# No crate has import loops between its files: every workspace member's src/.
mapfile -t crate_srcs < <(python3 - <<'PY'
import os, tomllib
members = tomllib.load(open("Cargo.toml", "rb"))["workspace"]["members"]
for m in members:
    if os.path.isdir(f"{m}/src"):
        print(f"{m}/src")
PY
)
python3 scripts/import-cycles.py "${crate_srcs[@]}"
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo build --workspace --bins --locked

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
status=0
cargo test --workspace --lib --bins --tests --locked --no-fail-fast -- --test-threads 2 2>&1 | tee "$log" || status=$?

# Coverage-guided fuzzing (scripts/fuzz.sh): every target for a short fixed number of
# runs from its seeds. Its instrumented build reuses the build scripts, proc macros and
# static RocksDB of the build above, so it compiles only the fuzzed crates again.
bash scripts/fuzz.sh 2000 || status=$?

# One closing line for the whole suite, summed over every test binary.
passed=$(grep -Eo '^test result: [a-zA-Z]+\. [0-9]+ passed' "$log" | awk '{s+=$4} END {print s+0}')
failed=$(grep -Eo '[0-9]+ failed;' "$log" | awk '{s+=$1} END {print s+0}')
echo
echo "weave: ${passed} passed, ${failed} failed"
exit "$status"
