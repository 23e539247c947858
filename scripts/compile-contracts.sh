#!/usr/bin/env bash
# Recompiles the EVM backend's contract (mycel-ledger/contracts/src/MycelLedger.sol) with the
# solc and OpenZeppelin versions that mycel-ledger/contracts/package-lock.json pins, and writes
# its ABI and bytecode into mycel-ledger/src/main/resources/dev/mycel/ledger/evm/ (or into the
# folder given). ContractBytecodeTest checks that the committed files are what this produces.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$here/scripts/ensure-node.sh"
cd "$here/mycel-ledger/contracts"
npm ci --no-audit --no-fund >&2
node compile.js "$@"
