#!/usr/bin/env bash
# The shipped bash completion: verbs, options, and names read from the API through sandnetctl
# (a stand-in `sandnetctl` on PATH prints a network table, as `sandnetctl network ls` does).
set -euo pipefail
completion=$1
stub=$(mktemp -d)
trap 'rm -rf "$stub"' EXIT
cat >"$stub/sandnetctl" <<'STUB'
#!/bin/sh
[ "$1 $2" = "network ls" ] && printf 'NETWORK ID   NAME       MEMBERS   CREATED\nnet-1        backend    2         x\nnet-2        frontend   0         x\n'
[ "$1 $2" = "sandbox ls" ] && printf 'SANDBOX ID   NAME   STATUS   IP   NETWORKS\nsb_1   brave-otter   running   10.42.0.2   backend\n'
exit 0
STUB
chmod +x "$stub/sandnetctl"
PATH="$stub:$PATH"
. "$completion"
complete_words() {  # complete_words WORD... : completes the last word
	COMP_WORDS=("$@")
	COMP_CWORD=$(($# - 1))
	COMPREPLY=()
	_sandnetctl
	echo "${COMPREPLY[*]}"
}
expect() {
	local want=$1; shift
	local got
	got=$(complete_words "$@")
	if [ "$got" != "$want" ]; then echo "FAIL: '$*' completed to '$got', expected '$want'" >&2; exit 1; fi
	echo "ok   '$*' -> '$got'"
}
expect "network" sandnetctl netw
expect "ls" sandnetctl network l
expect "create connect" sandnetctl network c
expect "backend" sandnetctl network inspect ba
expect "frontend" sandnetctl network connect fr
expect "brave-otter" sandnetctl network connect backend br
expect "brave-otter" sandnetctl sandbox rm b
expect "table json" sandnetctl network ls -o ""
expect "--network" sandnetctl sandbox create x --netw
expect "endpoints" sandnetctl dp end
