#!/usr/bin/env bash
# scripts/fuzz.sh [--release] [RUNS] [TARGET...]: coverage-guided fuzzing with cargo-fuzz
# (libFuzzer) on the stable toolchain.
#
# Builds the targets of fuzz/ (each hands libFuzzer's bytes to a function of
# tools/fuzz-harness, see its docs) and runs each for RUNS executions (default 10000)
# starting from its committed seeds (fuzz/seeds/<target>), printing libFuzzer's count.
# The stable toolchain has no -Z flags, so cargo-fuzz runs with `--sanitizer none`:
# libFuzzer's coverage instrumentation (SanitizerCoverage) works on stable, only the
# address sanitizer needs nightly (RUSTC_BOOTSTRAP=1 would unlock it; Weave's state
# machine is safe Rust, so panics and aborts are what the fuzzing looks for).
# The default build is `--dev` (fast to build: what CI runs); `--release` builds
# optimised targets for long runs.
#
# A crash leaves its input in fuzz/artifacts/<target>/: copy it to
# fuzz/regressions/<target>/, where `cargo test -p weave-fuzz` replays it forever.
set -euo pipefail
cd "$(dirname "$0")/.."

profile=--dev
if [ "${1:-}" = "--release" ]; then
  profile=--release
  shift
fi
runs="${1:-10000}"
shift || true
mapfile -t all < <(sed -n 's/^name = "\(.*\)"$/\1/p' fuzz/Cargo.toml | grep -v '^weave-fuzz-targets$')
targets=("$@")
[ "${#targets[@]}" -gt 0 ] || targets=("${all[@]}")

if ! command -v cargo-fuzz >/dev/null 2>&1; then
  cargo install cargo-fuzz --locked --version 0.13.2
fi
target_dir="${CARGO_TARGET_DIR:-$PWD/target}/fuzz"
(cd fuzz && cargo fuzz build "$profile" --sanitizer none --target-dir "$target_dir")

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
for t in "${targets[@]}"; do
  mkdir -p "$work/$t"
  # New inputs go to a scratch corpus; the seeds are read only.
  out="$(cd fuzz && cargo fuzz run "$profile" --sanitizer none --target-dir "$target_dir" \
    "$t" "$work/$t" seeds/"$t" -- -runs="$runs" -max_len=4096 -print_final_stats=1 2>&1)" || {
    echo "$out" | tail -40
    echo "fuzz: target $t FAILED (its input is in fuzz/artifacts/$t/)" >&2
    exit 1
  }
  execs="$(echo "$out" | sed -n 's/^stat::number_of_executed_units: *//p' | tail -1)"
  secs="$(echo "$out" | sed -n 's/^stat::average_exec_per_sec: *//p' | tail -1)"
  echo "fuzz: $t: ${execs:-?} executions, ${secs:-?}/s, no crash"
done
