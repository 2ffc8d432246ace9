#!/usr/bin/env bash
# The test command: installs what is needed, then runs every test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
swift build --build-tests
swift test --skip-build
