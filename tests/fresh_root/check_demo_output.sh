#!/usr/bin/env bash
# Checks what scripts/demo.sh printed (on stdin) against what its topology must give:
# backend = {brave-otter, clever-fox}, frontend = {clever-fox, calm-heron}, lonely-yak alone;
# brave-otter and clever-fox on host demo-h1, calm-heron and lonely-yak on demo-h2.
# Every ordered pair's ping/TCP cell, brave-otter's name lookups, and curl by name.
set -uo pipefail
out=$(sed 's/\x1b\[[0-9;]*m//g')
fails=0
fail() { echo "demo output: $*" >&2; fails=$((fails + 1)); }

names=(brave-otter clever-fox calm-heron lonely-yak)
peers=" brave-otter:clever-fox clever-fox:brave-otter clever-fox:calm-heron calm-heron:clever-fox "
for s in "${names[@]}"; do
	row=$(grep -E "^$s[[:space:]]+(-|ok|no)" <<<"$out" | tail -1)
	[ -n "$row" ] || { fail "no matrix row for $s"; continue; }
	read -r -a cells <<<"${row#"$s"}"
	[ "${#cells[@]}" = 4 ] || { fail "row $s has ${#cells[@]} cells: $row"; continue; }
	for i in "${!names[@]}"; do
		d=${names[$i]}
		if [ "$s" = "$d" ]; then want=-; elif [[ $peers == *" $s:$d "* ]]; then want=ok/ok; else want=no/no; fi
		[ "${cells[$i]}" = "$want" ] || fail "$s -> $d is ${cells[$i]}, want $want"
	done
done

lookup() { grep -E "getent hosts $1[[:space:]]+->" <<<"$out" | sed 's/.*-> *//'; }
[[ $(lookup clever-fox) =~ ^10\.[0-9.]+\ clever-fox ]] || fail "clever-fox resolved to '$(lookup clever-fox)'"
[[ $(lookup clever-fox.backend) =~ ^10\.[0-9.]+\ clever-fox ]] || fail "clever-fox.backend resolved to '$(lookup clever-fox.backend)'"
for n in calm-heron lonely-yak; do
	[[ $(lookup "$n") == "(not found"* ]] || fail "$n (not a peer of brave-otter) resolved to '$(lookup "$n")'"
done
grep -q 'curl http://clever-fox:8080/ -> HTTP 200' <<<"$out" || fail "curl http://clever-fox:8080/ did not answer 200"
# Across hosts: clever-fox (demo-h1) and calm-heron (demo-h2) share frontend.
[[ $(lookup calm-heron.frontend) =~ ^10\.[0-9.]+\ calm-heron ]] || fail "calm-heron.frontend resolved to '$(lookup calm-heron.frontend)' across hosts"
grep -q 'curl http://calm-heron:8080/ (across hosts) -> HTTP 200' <<<"$out" || fail "curl http://calm-heron:8080/ across hosts did not answer 200"
grep -q 'calm-heron runs on demo-h2' <<<"$out" || fail "the demo did not place calm-heron on the second host"
grep -q 'the demo is running' <<<"$out" || fail "the demo did not reach its end"

if [ "$fails" -gt 0 ]; then
	echo "demo output: $fails check(s) failed" >&2
	exit 1
fi
echo "demo output: matrix across two hosts (16 cells), 5 name lookups and curl by name (same host and across hosts) as expected"
