#!/usr/bin/env bash
# lintian on the three packages: no error or warning may remain (overrides, each with its
# reason, are in packaging/*/lintian-overrides). Prints the full report for the record.
set -euo pipefail
dir=$1
command -v lintian >/dev/null || { echo "SKIP: lintian not installed"; exit 77; }
report=$(lintian --info --display-info --show-overrides "$dir"/sandnet-{host,guest,api}_*.deb 2>&1) || true
echo "$report"
if grep -E '^[EW]: ' <<<"$report"; then
	echo "FAIL: lintian errors or warnings above" >&2
	exit 1
fi
echo "# lintian: no errors or warnings"
