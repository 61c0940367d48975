#!/usr/bin/env bash
# A throw-away PostgreSQL cluster for tests: initdb in a fresh temp dir, unix socket only (no
# TCP), run as an unprivileged user when called as root (PostgreSQL refuses to run as root).
#
#   pg_cluster.sh start            prints the cluster dir; the socket lives in it, so the URI
#                                  is postgresql:///postgres?host=DIR&user=postgres
#   pg_cluster.sh stop DIR         stops the server started in DIR (fast shutdown, then by pid)
#   pg_cluster.sh resume DIR       starts the stopped server in DIR again (same socket): a
#                                  database restart, for the tests that survive one
#   pg_cluster.sh remove DIR       stops it and deletes DIR
#
# PG_BIN overrides where initdb/pg_ctl live (Debian 12: /usr/lib/postgresql/15/bin);
# PG_RUN_USER the user it runs as when root (default nobody).
set -euo pipefail

pg_bin=${PG_BIN:-/usr/lib/postgresql/15/bin}
run_user=${PG_RUN_USER:-nobody}

as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u "$run_user" -- "$@"
  else
    "$@"
  fi
}

die() { echo "pg_cluster.sh: $*" >&2; exit 1; }

# Refuse anything but a dir this script made: remove must never rm -rf a wrong path.
check_dir() {
  [ -n "${1:-}" ] || die "missing DIR"
  case "$1" in /tmp/sandnet-pg-*) ;; *) die "not a pg_cluster.sh dir: $1" ;; esac
}

start() {
  [ -x "$pg_bin/initdb" ] || die "no $pg_bin/initdb (install postgresql)"
  local dir
  dir=$(mktemp -d /tmp/sandnet-pg-XXXXXX)
  if [ "$(id -u)" -eq 0 ]; then chown "$run_user" "$dir"; fi
  chmod 700 "$dir"
  if ! as_owner "$pg_bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --no-sync \
    >"$dir/initdb.log" 2>&1; then
    cat "$dir/initdb.log" >&2
    rm -rf "$dir"
    die "initdb failed"
  fi
  if ! launch "$dir"; then
    cat "$dir/server.log" >&2 || true
    rm -rf "$dir"
    die "server did not start"
  fi
  echo "$dir"
}

launch() {
  # listen_addresses='': no TCP port at all; the socket is in $1, out of everyone's way.
  as_owner "$pg_bin/pg_ctl" -D "$1/data" -l "$1/server.log" -w -t 60 \
    -o "-c listen_addresses='' -k $1 -c max_connections=200" start >/dev/null
}

resume() {
  check_dir "$1"
  [ -d "$1/data" ] || die "no cluster in $1"
  launch "$1" || { tail -20 "$1/server.log" >&2; die "server did not start again"; }
}

stop() {
  check_dir "$1"
  local dir=$1 pidfile="$1/data/postmaster.pid"
  [ -f "$pidfile" ] || return 0
  as_owner "$pg_bin/pg_ctl" -D "$dir/data" -m fast -w -t 30 stop >/dev/null 2>&1 && return 0
  # pg_ctl could not stop it: kill the postmaster it started, by the pid it recorded.
  local pid
  pid=$(head -n 1 "$pidfile")
  if [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = postgres ]; then
    kill -9 "$pid" 2>/dev/null || true
  fi
}

remove() {
  check_dir "$1"
  stop "$1"
  rm -rf "$1"
}

case "${1:-}" in
  start) start ;;
  stop) stop "${2:-}" ;;
  resume) resume "${2:-}" ;;
  remove) remove "${2:-}" ;;
  *) die "usage: pg_cluster.sh start | stop DIR | resume DIR | remove DIR" ;;
esac
