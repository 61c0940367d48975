#!/usr/bin/env bash
# Sets everything up on a fresh machine and runs every test (unit, BPF, veth integration,
# short fuzz and benchmark smokes). Long fuzz runs and full benchmarks: see docs/testing.md.
set -euo pipefail
. "$(dirname "$0")/lib/need_root.sh"
sandnet_need_root "$0" "$@"
cd "$(dirname "$0")/.."
scripts/setup.sh
# The "pg" tests share one throw-away PostgreSQL cluster that a ctest fixture starts and removes
# (tests/api/pg_ctest_cluster.sh, with a watchdog for a ctest that dies); this removes it too
# should both miss it.
src=$(pwd)
trap '"$src/tests/api/pg_ctest_cluster.sh" remove "$src/build/pg-test-cluster" >/dev/null 2>&1 || true' EXIT
cd build
# Tests run side by side (each builds its own namespaces, pins and ports); the ones that
# measure or change the machine are RUN_SERIAL. SANDNET_TEST_JOBS=1 runs them one by one.
ctest --output-on-failure --timeout 900 -j"${SANDNET_TEST_JOBS:-$(nproc)}" "$@"
