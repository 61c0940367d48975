#!/usr/bin/env bash
# The throw-away PostgreSQL cluster that the `pg`-labelled HTTP suites share during one ctest
# run: the ctest fixture `sandnet_pg` starts it (test api_pg.cluster_start) and removes it
# (api_pg.cluster_remove) after the last test that needs it, whether tests passed or not.
#
#   pg_ctest_cluster.sh start STATE_FILE    starts a cluster (scripts/lib/pg_cluster.sh) and
#                                           writes its directory (the socket's) to STATE_FILE
#   pg_ctest_cluster.sh remove STATE_FILE   removes that cluster and STATE_FILE
#
# If ctest itself dies (Ctrl-C, a kill), the remove test never runs: a watchdog started here
# removes the cluster once the process that ran `start` (ctest) is gone.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
pg_cluster=$here/../../scripts/lib/pg_cluster.sh
pg_bin=${PG_BIN:-/usr/lib/postgresql/15/bin}

cmd=${1:-} state=${2:-}
[ -n "$state" ] || { echo "usage: $0 start|remove STATE_FILE" >&2; exit 2; }

remove_recorded() {
  [ -s "$state" ] || return 0
  local dir
  dir=$(cat "$state")
  [ -d "$dir" ] && "$pg_cluster" remove "$dir"
  rm -f "$state"
}

case "$cmd" in
start)
  if [ ! -x "$pg_bin/initdb" ]; then
    cat >&2 <<EOF
pg_ctest_cluster.sh: no $pg_bin/initdb. The tests labelled "pg" run the API suites against a
throw-away PostgreSQL cluster and need the packages in scripts/deps/pg.txt (scripts/setup.sh
installs them: apt-get install postgresql libpq-dev util-linux). To build and test without
PostgreSQL: cmake -DSANDNET_PG=OFF, or ctest -LE pg.
EOF
    exit 1
  fi
  remove_recorded  # a cluster an earlier, killed run left behind
  dir=$("$pg_cluster" start)
  echo "$dir" >"$state"
  echo "PostgreSQL test cluster: $dir (socket in it)"
  owner=$PPID
  # Own session and no inherited output: ctest neither waits for it nor signals it.
  setsid bash -c '
    owner=$1 dir=$2 pg_cluster=$3
    while kill -0 "$owner" 2>/dev/null && [ -d "$dir" ]; do sleep 2; done
    if [ -d "$dir" ]; then "$pg_cluster" remove "$dir"; fi
  ' watchdog "$owner" "$dir" "$pg_cluster" </dev/null >/dev/null 2>&1 &
  ;;
remove)
  remove_recorded
  ;;
*)
  echo "usage: $0 start|remove STATE_FILE" >&2
  exit 2
  ;;
esac
