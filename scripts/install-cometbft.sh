#!/usr/bin/env bash
# Installs CometBFT v0.38.25 from the Go module proxy into $GOBIN (default: ~/go/bin).
# Idempotent: if the pinned version is already on PATH or in $GOBIN, it does nothing.
set -euo pipefail

COMETBFT_VERSION="${COMETBFT_VERSION:-v0.38.25}"
GOBIN="${GOBIN:-$(go env GOPATH)/bin}"
export GOBIN

want="${COMETBFT_VERSION#v}"
for candidate in "$(command -v cometbft 2>/dev/null || true)" "$GOBIN/cometbft"; do
  if [ -n "$candidate" ] && [ -x "$candidate" ]; then
    have="$("$candidate" version 2>/dev/null || true)"
    if [ "$have" = "$want" ]; then
      echo "cometbft $have already installed at $candidate"
      exit 0
    fi
  fi
done

echo "installing cometbft $COMETBFT_VERSION into $GOBIN ..."
# CometBFT v0.38 does not build with the newest Go toolchains; Go fetches the
# pinned toolchain through the module proxy when it is not installed.
if ! go install "github.com/cometbft/cometbft/cmd/cometbft@${COMETBFT_VERSION}"; then
  echo "retrying with GOTOOLCHAIN=go1.22.11"
  GOTOOLCHAIN=go1.22.11 go install "github.com/cometbft/cometbft/cmd/cometbft@${COMETBFT_VERSION}"
fi
have="$("$GOBIN/cometbft" version)"
if [ "$have" != "$want" ]; then
  echo "error: installed cometbft reports version '$have', expected '$want'" >&2
  exit 1
fi
echo "cometbft $have installed at $GOBIN/cometbft"
