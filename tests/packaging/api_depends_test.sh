#!/usr/bin/env bash
# sandnet-api built with the PostgreSQL store must depend on the client library it links
# (libpq5, found by dpkg-shlibdeps), or `--db postgresql://` fails on a fresh install.
set -euo pipefail
dir=$1
depends=$(dpkg-deb -f "$dir"/sandnet-api_*.deb Depends)
echo "sandnet-api Depends: $depends"
if ! grep -qE '(^|, )libpq5( |,|$)' <<<"$depends"; then
	echo "FAIL: sandnet-api does not depend on libpq5" >&2
	exit 1
fi
