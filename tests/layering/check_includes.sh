#!/bin/sh
# Arrows point down: agent -> sync -> loader -> bpf ABI; guestd, nss, api -> common; bpf/ is
# below everything. A folder may include only its own headers and those of the folders below it. Prints every offending
# include (file:line) and fails if there is one.
set -eu
root=${1:?usage: check_includes.sh SOURCE_DIR}
status=0
# folder: the project folders it must not include
check() {
  folder=$1
  shift
  for below in "$@"; do
    hits=$(grep -rnE "#include[[:space:]]+\"$below/" "$root/$folder" \
           --include='*.c' --include='*.h' --include='*.cc' --include='*.hpp' || true)
    if [ -n "$hits" ]; then
      echo "$folder/ must not include $below/:"
      echo "$hits" | sed "s#^$root/##"
      status=1
    fi
  done
}
check common agent sync loader guestd nss cli api
check loader agent sync guestd cli api
check sync agent guestd cli api
check guestd agent sync loader cli api
check nss agent sync loader guestd cli api
check api agent sync loader guestd nss cli
check bpf agent sync loader guestd nss cli api common
[ "$status" -eq 0 ] && echo "include layering ok"
exit "$status"
