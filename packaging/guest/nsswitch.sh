# Shared by postinst and postrm (inlined at build time): the `hosts:` line edit, done the
# way libnss-myhostname / dh-nss do it: idempotent, only the hosts: line, comments kept.
NSSWITCH="${DPKG_ROOT:-}/etc/nsswitch.conf"

sandnet_nss_add() {
	[ -f "$NSSWITCH" ] || return 0
	grep -qE '^hosts:[^#]*[[:space:]]sandnet([[:space:]]|#|$)' "$NSSWITCH" && return 0
	if grep -qE '^hosts:[^#]*[[:space:]]files([[:space:]]|#|$)' "$NSSWITCH"; then
		# Right after `files` (so /etc/hosts still wins), which puts it before `dns`.
		sed -E -i -e '/^hosts:/ s/^([^#]*[[:space:]]files)([[:space:]]|#|$)/\1 sandnet\2/' "$NSSWITCH"
	elif grep -qE '^hosts:[^#]*[[:space:]]dns([[:space:]]|#|$)' "$NSSWITCH"; then
		sed -E -i -e '/^hosts:/ s/^([^#]*[[:space:]])dns([[:space:]]|#|$)/\1sandnet dns\2/' "$NSSWITCH"
	else
		sed -E -i -e '/^hosts:/ s/^(hosts:[^#]*[^#[:space:]])/\1 sandnet/' "$NSSWITCH"
	fi
}

sandnet_nss_remove() {
	[ -f "$NSSWITCH" ] || return 0
	sed -E -i -e '/^hosts:/ s/[[:space:]]+sandnet([[:space:]]+\[[^]]*\])?([[:space:]]|#|$)/\2/' "$NSSWITCH"
}
