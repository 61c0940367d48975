#!/usr/bin/env bash
# The module's ELF surface: needs only libc (and the dynamic loader), exports only its six
# NSS entry points. Anything else would load into every process of the guest.
set -euo pipefail
module=$1
needed=$(readelf -d "$module" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | sort | tr '\n' ' ')
case "$needed" in
  "libc.so.6 "|"ld-linux-x86-64.so.2 libc.so.6 ") ;;
  *) echo "unexpected NEEDED entries: $needed" >&2; exit 1 ;;
esac
exported=$(nm -D --defined-only "$module" | awk '{print $3}' | sort | tr '\n' ' ')
expected="_nss_sandnet_gethostbyaddr2_r _nss_sandnet_gethostbyaddr_r _nss_sandnet_gethostbyname2_r _nss_sandnet_gethostbyname3_r _nss_sandnet_gethostbyname4_r _nss_sandnet_gethostbyname_r "
if [ "$exported" != "$expected" ]; then
  echo "unexpected exports: $exported" >&2
  exit 1
fi
if nm -D --undefined-only "$module" | grep -Eq ' (abort|__assert_fail|printf|fprintf|puts|syslog)$'; then
  echo "module references abort/assert/print" >&2
  exit 1
fi
echo "NEEDED: $needed; exports: 6 entry points"
