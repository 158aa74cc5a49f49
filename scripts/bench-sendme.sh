#!/usr/bin/env bash
# scripts/bench-sendme.sh [BYTES]: Weave's sidecar-to-sidecar download and iroh's
# `sendme` moving the same amount of random data (default 1 GiB) on this machine, one
# after the other in one run, printed side by side with their ratio.
#
# - Weave: `cargo bench -p weave-sidecar --bench transfer` with one TCP download and no
#   streaming (two sidecars in one process over TCP + noise + yamux; every slice
#   signed, verified against the root and stored with an fsync).
# - sendme (iroh-blobs over iroh's QUIC, BLAKE3-verified streaming): `sendme send`
#   in one directory, `sendme receive` of its ticket in another, both on loopback
#   with relays off (`--relay disabled --ticket-type addresses`): nothing leaves the
#   machine. Two figures: the wall-clock time of `sendme receive` (connect,
#   transfer, verify, write, export to a file: what a user waits for), and the rate
#   sendme reports itself for the transfer alone.
#
# sendme is installed with `cargo install sendme --locked --version 0.37.1` when it is
# missing (a release build of iroh: about 20 minutes on 2 cores). Not part of the test
# suite: run it on a quiet machine.
set -euo pipefail
cd "$(dirname "$0")/.."

bytes="${1:-1073741824}"
if ! command -v sendme >/dev/null 2>&1; then
  cargo install sendme --locked --version 0.37.1
fi

work="$(mktemp -d)"
sender=""
cleanup() {
  if [ -n "$sender" ]; then kill "$sender" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$work/send" "$work/recv"

echo "== Weave: sidecar -> sidecar, TCP, $bytes bytes"
WEAVE_BENCH_BYTES="$bytes" WEAVE_BENCH_TRANSPORTS=tcp WEAVE_BENCH_STREAM=0 \
  WEAVE_BENCH_REPEAT=1 cargo bench --locked -p weave-sidecar --bench transfer | tee "$work/weave.txt"
weave="$(sed -n 's/^download, tcp+noise+yamux *\([0-9.]*\) MiB\/s.*/\1/p' "$work/weave.txt" | head -1)"
[ -n "$weave" ] || { echo "bench-sendme: no download figure in the transfer bench's output" >&2; exit 1; }

echo "== sendme $(sendme --version 2>/dev/null | head -1): send and receive on loopback, $bytes bytes"
head -c "$bytes" /dev/urandom > "$work/send/film.bin"
(cd "$work/send" && exec sendme send film.bin --relay disabled --ticket-type addresses \
  > "$work/send.log" 2>&1) &
sender=$!
ticket=""
for _ in $(seq 1 600); do
  ticket="$(sed -n 's/^sendme receive \([^ ]*\)$/\1/p' "$work/send.log" | head -1)"
  [ -n "$ticket" ] && break
  kill -0 "$sender" 2>/dev/null || { cat "$work/send.log" >&2; exit 1; }
  sleep 0.5
done
[ -n "$ticket" ] || { echo "bench-sendme: sendme send printed no ticket" >&2; cat "$work/send.log" >&2; exit 1; }
start="$(date +%s.%N)"
(cd "$work/recv" && sendme receive "$ticket" --relay disabled -v > "$work/recv.log" 2>&1) ||
  { cat "$work/recv.log" >&2; exit 1; }
end="$(date +%s.%N)"
cmp -s "$work/send/film.bin" "$work/recv/film.bin" ||
  { echo "bench-sendme: the received file differs from the one sent" >&2; exit 1; }
reported="$(sed -n 's/.*took .* (\(.*\)\/s)$/\1/p' "$work/recv.log" | tail -1)"

python3 - "$bytes" "$start" "$end" "$weave" "$reported" <<'EOF'
import sys
size, start, end, weave, reported = sys.argv[1:]
mib = int(size) / (1 << 20)
wall = mib / (float(end) - float(start))
weave = float(weave)
print()
print(f"{'moving the same ' + format(mib, '.0f') + ' MiB on this machine':<44} {'MiB/s':>9}")
print(f"{'Weave sidecar -> sidecar (TCP, stored)':<44} {weave:>9.1f}")
print(f"{'sendme receive, wall clock (incl. export)':<44} {wall:>9.1f}   Weave / sendme = {weave / wall:.2f}")
units = {"B": 1 / (1 << 20), "KiB": 1 / 1024, "MiB": 1, "GiB": 1024}
value, _, unit = reported.partition(" ")
if unit in units:
    own = float(value) * units[unit]
    print(f"{'sendme, its own transfer rate':<44} {own:>9.1f}   Weave / sendme = {weave / own:.2f}")
else:
    print(f"sendme, its own transfer rate: {reported or 'not printed'}")
EOF
