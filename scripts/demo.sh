#!/usr/bin/env bash
# sandnet demo: the real thing on one machine, as root.
#   scripts/demo.sh          install + build (scripts/setup.sh), then two hosts joined by a VXLAN
#                            overlay: an underlay bridge (namespace sndemo-ul, 192.0.2.0/24) with
#                            two host namespaces sndemo-h1/-h2 on it, each running sandnet-agent
#                            in API mode; sandnet-api (SQLite) listens on the bridge, 192.0.2.254
#                            (nothing is added to this namespace: reach the API with `ip netns
#                            exec sndemo-ul curl ...`). Four demo sandboxes (network
#                            namespaces sndemo-<name>, two behind each host by veth "taps"),
#                            networks and memberships made through the API with the seed's curl
#                            calls, a sandnet-guestd in each; prints the reachability matrix
#                            across the hosts and name lookups, then leaves it all running.
#   scripts/demo.sh --stop   stops what the demo started and removes its namespaces and pins.
# Idempotent (a second run starts over); Ctrl-C during setup cleans up.
# Environment: SANDNET_DEMO_DIR (default /var/tmp/sandnet-demo), SANDNET_DEMO_PORT (8080),
# SANDNET_BUILD (./build), SANDNET_DEMO_SKIP_SETUP=1 to skip scripts/setup.sh.
set -euo pipefail
. "$(dirname "$0")/lib/need_root.sh"
sandnet_need_root "$0" "$@"
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${SANDNET_BUILD:-$ROOT/build}
DEMO=${SANDNET_DEMO_DIR:-/var/tmp/sandnet-demo}
PORT=${SANDNET_DEMO_PORT:-8080}
API_IP=192.0.2.254
BASE="http://$API_IP:$PORT"
PINS=/sys/fs/bpf/sandnet-demo  # host N pins under $PINS-hN
NAMES=(brave-otter clever-fox calm-heron lonely-yak)
declare -A HOST_OF=([brave-otter]=1 [clever-fox]=1 [calm-heron]=2 [lonely-yak]=2)

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
die() { echo "demo.sh: $*" >&2; exit 1; }

# Kills only the pids this script recorded, and only if they still run the binary it started.
stop_demo() {
  if [ -f "$DEMO/pids" ]; then
    while read -r pid bin; do
      if [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$bin"; then
        kill "$pid" 2>/dev/null || true
      fi
    done <"$DEMO/pids"
    sleep 0.5
    rm -f "$DEMO/pids"
  fi
  for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep '^sndemo-' || true); do ip netns del "$ns"; done
  for pins in "$PINS" "$PINS"-h1 "$PINS"-h2; do
    if [ -d "$pins" ]; then "$BUILD/agent/sandnet-agent" purge --bpffs-root "$pins" >/dev/null 2>&1 || rm -rf "$pins"; fi
  done
}

if [ "${1:-}" = "--stop" ]; then
  stop_demo
  echo "demo stopped (files kept in $DEMO)"
  exit 0
fi

stop_demo  # idempotent: start from nothing
trap 'echo; say "interrupted: cleaning up"; stop_demo; exit 130' INT TERM
trap 'rc=$?; [ $rc -eq 0 ] || { echo "demo.sh failed (rc $rc); logs in $DEMO; cleaning up" >&2; stop_demo; }' EXIT

if [ "${SANDNET_DEMO_SKIP_SETUP:-0}" != 1 ]; then
  say "scripts/setup.sh (packages, bpffs, build)"
  "$ROOT/scripts/setup.sh"
fi
for b in api/sandnet-api agent/sandnet-agent cli/sandnetctl guestd/sandnet-guestd nss/libnss_sandnet.so.2; do
  [ -e "$BUILD/$b" ] || die "missing $BUILD/$b (build first)"
done
API_BIN=$BUILD/api/sandnet-api AGENT_BIN=$BUILD/agent/sandnet-agent CTL=$BUILD/cli/sandnetctl GUESTD=$BUILD/guestd/sandnet-guestd
mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf

rm -rf "$DEMO"
mkdir -p "$DEMO/tables"
DB=$DEMO/sandnet.db
spawn() {  # MATCH LOGFILE CMD...: a daemon in its own session, recorded for --stop with a
  local match=$1 log=$2; shift 2  # string its command line must hold (pids get reused)
  setsid "$@" >>"$log" 2>&1 </dev/null &
  echo "$! $match" >>"$DEMO/pids"
}

say "the underlay: a bridge (sndemo-ul), hosts sndemo-h1 (192.0.2.1) and sndemo-h2 (192.0.2.2)"
ip netns add sndemo-ul
ip -n sndemo-ul link set lo up
ip -n sndemo-ul link add br0 address 02:53:4e:ff:00:01 type bridge  # fixed: it would follow its ports' lowest MAC
ip -n sndemo-ul link set br0 up
ip -n sndemo-ul addr add "$API_IP/24" dev br0  # the control plane, on the underlay
for h in 1 2; do
  ip netns add "sndemo-h$h"
  ip -n "sndemo-h$h" link set lo up
  ip -n sndemo-ul link add "ul-h$h" type veth peer name ul0 netns "sndemo-h$h"
  ip -n sndemo-ul link set "ul-h$h" master br0 up
  ip -n "sndemo-h$h" addr add "192.0.2.$h/24" dev ul0
  ip -n "sndemo-h$h" link set ul0 up
  mkdir -p "$DEMO/h$h/run" "$DEMO/h$h/state"
done

say "sandnet-api on $BASE (SQLite $DB)"
API_KEY=$("$API_BIN" users create demo --db "$DB")
for h in 1 2; do
  echo "+ sandnet-api hosts create demo-h$h --underlay 192.0.2.$h"
  "$API_BIN" hosts create "demo-h$h" --underlay "192.0.2.$h" --db "$DB" >"$DEMO/h$h/host.token" 2>"$DEMO/h$h/host.txt"
  chmod 600 "$DEMO/h$h/host.token"
  sed 's/^/  /' "$DEMO/h$h/host.txt"
done
spawn "$API_BIN" "$DEMO/api.log" nsenter --net=/run/netns/sndemo-ul "$API_BIN" serve --listen "$API_IP:$PORT" --db "$DB"
ul_curl() { nsenter --net=/run/netns/sndemo-ul curl "$@"; }
for _ in $(seq 100); do ul_curl -sf "$BASE/v1/networks" -H "X-Api-Key: $API_KEY" >/dev/null && break; sleep 0.1; done
ul_curl -sf "$BASE/v1/networks" -H "X-Api-Key: $API_KEY" >/dev/null || die "the API did not start (see $DEMO/api.log)"

for h in 1 2; do
  say "sandnet-agent --api on host demo-h$h (overlay: underlay ul0, host number $h)"
  printf '{"underlay_device": "ul0", "host_number": %d}\n' "$h" >"$DEMO/h$h/agent.json"
  # nsenter, not `ip netns exec`: that remounts /sys and hides bpffs from the agent.
  spawn "$AGENT_BIN" "$DEMO/h$h/agent.log" nsenter --net="/run/netns/sndemo-h$h" "$AGENT_BIN" --api "$BASE" \
    --host-id "demo-h$h" --host-token-file "$DEMO/h$h/host.token" --config "$DEMO/h$h/agent.json" \
    --state-dir "$DEMO/h$h/state" --run-dir "$DEMO/h$h/run" --bpffs-root "$PINS-h$h"
  for _ in $(seq 100); do "$CTL" agent-status --run-dir "$DEMO/h$h/run" >/dev/null 2>&1 && break; sleep 0.1; done
done

api() { ul_curl -sS "$@" -H "X-Api-Key: $API_KEY" -H "Content-Type: application/json"; }
field() { /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["data"][sys.argv[1]])' "$1"; }

say "networks and sandboxes, through the API"
echo "+ curl -X POST \$BASE/v1/networks -d '{\"name\": \"backend\"}'"
api -X POST "$BASE/v1/networks" -d '{"name": "backend"}' >/dev/null
echo "+ curl -X POST \$BASE/v1/networks -d '{\"name\": \"frontend\"}'"
api -X POST "$BASE/v1/networks" -d '{"name": "frontend"}' >/dev/null
declare -A ID IP MAC
for i in "${!NAMES[@]}"; do
  n=${NAMES[$i]}
  if [ "$n" = brave-otter ]; then  # attached at create time, as the seed allows
    body='{"name": "brave-otter", "networks": [{"id": "backend"}]}'
  else
    body="{\"name\": \"$n\"}"
  fi
  echo "+ curl -X POST \$BASE/v1/sandboxes -d '$body'"
  out=$(api -X POST "$BASE/v1/sandboxes" -d "$body")
  ID[$n]=$(field id <<<"$out")
  IP[$n]=$(field ip <<<"$out")
  MAC[$n]=$(printf '02:00:%02x:%02x:%02x:%02x' ${IP[$n]//./ })
  # The "VM": a namespace whose eth0 has the sandbox's address; the host end is its tap.
  ns=sndemo-$n tap=sndemo-t$i h=${HOST_OF[$n]}
  ip netns add "$ns"
  ip -n "$ns" link set lo up
  ip -n "sndemo-h$h" link add "$tap" type veth peer name eth0 netns "$ns"
  ip -n "$ns" link set eth0 address "${MAC[$n]}"
  ip -n "sndemo-h$h" link set "$tap" up
  # guestd sets the overlay address and the route back to the host's link-local address.
  spawn "$GUESTD" "$DEMO/guestd-$n.log" ip netns exec "$ns" "$GUESTD" --table "$DEMO/tables/$n.table" \
    --dev eth0 --set-address "${IP[$n]}/16" --listen-address 0.0.0.0
  # A tiny HTTP service in every sandbox, for the TCP column and for curl by name.
  spawn "http.server 8080" "$DEMO/http-$n.log" ip netns exec "$ns" /usr/bin/python3 -m http.server 8080
  echo "+ sandnetctl plug --sandbox ${ID[$n]} --tap $tap        # on demo-h$h: what the VM runtime does"
  "$CTL" plug --sandbox "${ID[$n]}" --tap "$tap" --run-dir "$DEMO/h$h/run" >/dev/null
done

attach() {
  echo "+ curl -X POST \$BASE/v1/sandboxes/${ID[$1]}/networks?wait=applied -d '{\"id\": \"$2\"}'   # $1"
  api -X POST "$BASE/v1/sandboxes/${ID[$1]}/networks?wait=applied" -d "{\"id\": \"$2\"}" >/dev/null
}
attach clever-fox backend
attach clever-fox frontend
attach calm-heron frontend
echo "(lonely-yak stays in no network)"

say "reachability matrix (ping / TCP :8080), row = from, column = to"
for n in "${NAMES[@]}"; do printf '  %s runs on demo-h%s\n' "$n" "${HOST_OF[$n]}"; done
sleep 1
printf '%-12s' ""; for d in "${NAMES[@]}"; do printf '%-14s' "$d"; done; echo
for s in "${NAMES[@]}"; do
  printf '%-12s' "$s"
  for d in "${NAMES[@]}"; do
    if [ "$s" = "$d" ]; then printf '%-14s' "-"; continue; fi
    p=no t=no
    ip netns exec "sndemo-$s" ping -c1 -W1 "${IP[$d]}" >/dev/null 2>&1 && p=ok
    ip netns exec "sndemo-$s" curl -s -o /dev/null -m 2 "http://${IP[$d]}:8080/" && t=ok
    printf '%-14s' "$p/$t"
  done
  echo
done

say "names, as brave-otter sees them (glibc NSS, hosts: files sandnet dns)"
printf 'hosts: files sandnet dns\n' >"$DEMO/nsswitch.conf"
in_guest() {  # a private mount namespace shows the demo nsswitch.conf; the module comes from the build
  ip netns exec "sndemo-$1" unshare -m --propagation private sh -c \
    'mount --bind "$0" /etc/nsswitch.conf && exec "$@"' "$DEMO/nsswitch.conf" \
    env LD_LIBRARY_PATH="$BUILD/nss" SANDNET_HOSTS_TABLE="$DEMO/tables/$1.table" "${@:2}"
}
for _ in $(seq 50); do [ -s "$DEMO/tables/brave-otter.table" ] && break; sleep 0.1; done
for name in clever-fox clever-fox.backend calm-heron lonely-yak; do
  printf '  getent hosts %-20s -> ' "$name"
  in_guest brave-otter getent hosts "$name" | tr -s ' ' || echo "(not found: not a peer)"
done
printf '  curl http://clever-fox:8080/ -> HTTP '
in_guest brave-otter curl -s -o /dev/null -w '%{http_code}\n' -m 3 http://clever-fox:8080/ || echo "failed"

say "names across hosts, as clever-fox (demo-h1) sees calm-heron (demo-h2)"
for _ in $(seq 50); do [ -s "$DEMO/tables/clever-fox.table" ] && break; sleep 0.1; done
printf '  getent hosts %-20s -> ' calm-heron.frontend
in_guest clever-fox getent hosts calm-heron.frontend | tr -s ' ' || echo "(not found)"
printf '  curl http://calm-heron:8080/ (across hosts) -> HTTP '
in_guest clever-fox curl -s -o /dev/null -w '%{http_code}\n' -m 3 http://calm-heron:8080/ || echo "failed"

trap - INT TERM EXIT
cat <<EOT

$(say "the demo is running")
  export BASE=$BASE                   # on the underlay: curl from its namespace, sndemo-ul
  export API_KEY=$API_KEY
  ip netns exec sndemo-ul curl \$BASE/v1/networks -H "X-Api-Key: \$API_KEY"
  ip netns exec sndemo-ul curl \$BASE/v1/networks/backend -H "X-Api-Key: \$API_KEY"
  ip netns exec sndemo-ul curl -X DELETE \$BASE/v1/sandboxes/${ID[clever-fox]}/networks/backend?wait=applied -H "X-Api-Key: \$API_KEY"
  ip netns exec sndemo-brave-otter ping -c1 ${IP[clever-fox]}       # now blocked
  $CTL agent-status --run-dir $DEMO/h1/run
  nsenter --net=/run/netns/sndemo-h1 $CTL dp endpoints --bpffs-root $PINS-h1   # in h1's namespace: tap names; calm-heron is remote
  $API_BIN hosts list --db $DB
Logs: $DEMO/*.log.  Stop and clean up: scripts/demo.sh --stop
EOT
