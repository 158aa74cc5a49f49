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
# The default build is `--dev` (dependencies optimised as in the workspace: what CI
# runs, and what the long runs in the README used); `--release` optimises everything.
# The build shares $CARGO_TARGET_DIR with the normal build: with `--target` given, cargo
# keeps the instrumented crates apart (in <target dir>/<triple>/) and reuses the normal
# build's build scripts and proc macros, which the fuzz RUSTFLAGS do not touch.
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
target_dir="${CARGO_TARGET_DIR:-$PWD/target}"

# RocksDB's C++ is not instrumented (only Rust code is), so the fuzz build links the
# static librocksdb.a of the normal build instead of compiling it again under the fuzz
# RUSTFLAGS (which takes longer than everything else together). Cargo says where that
# build put it: a no-op after `cargo build --workspace`, else it builds RocksDB once.
# Both lock files must pin the same librocksdb-sys (its bindings must match the library).
rocksdb_version() { sed -n '/^name = "librocksdb-sys"$/{n;s/^version = "\(.*\)"$/\1/p}' "$1"; }
version="$(rocksdb_version Cargo.lock)"
if [ -z "$version" ] || [ "$version" != "$(rocksdb_version fuzz/Cargo.lock)" ]; then
  echo "fuzz: Cargo.lock and fuzz/Cargo.lock pin different librocksdb-sys versions" \
    "(${version:-none} and $(rocksdb_version fuzz/Cargo.lock)): update fuzz/Cargo.lock" >&2
  exit 1
fi
rocksdb_out="$(cargo build --locked -p "librocksdb-sys@$version" --message-format=json |
  sed -n 's/.*"reason":"build-script-executed","package_id":"[^"]*librocksdb-sys@[^"]*".*"out_dir":"\([^"]*\)".*/\1/p' |
  tail -1)"
if [ ! -f "$rocksdb_out/librocksdb.a" ]; then
  echo "fuzz: no librocksdb.a from the normal build (out dir: '${rocksdb_out}')" >&2
  exit 1
fi
export ROCKSDB_LIB_DIR="$rocksdb_out" ROCKSDB_STATIC=1

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
  # libFuzzer counts whole seconds: a rate of 0 means the runs took under one.
  if [ "${secs:-}" = 0 ]; then rate="in under a second"; else rate="${secs:-?}/s"; fi
  echo "fuzz: $t: ${execs:-?} executions, $rate, no crash"
done
