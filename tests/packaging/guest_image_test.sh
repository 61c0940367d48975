#!/usr/bin/env bash
# Guest image integration: a minimal Debian 12 root, sandnet-guest installed with dpkg inside
# it (chroot), the nsswitch.conf edit, a name resolved by getent from a table installed by the
# packaged sandnet-guestd, then purge: the hosts line is back and the package's files gone.
#   guest_image_test.sh SANDNET_GUEST_DEB MAKE_HOSTS_TABLE_BIN
# Exit 77 (skipped) when not root or debootstrap is missing.
set -euo pipefail
deb=$(realpath "$1")
make_table=$(realpath "$2")
here=$(dirname "$(realpath "$0")")
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit 77; }
command -v debootstrap >/dev/null || { echo "SKIP: debootstrap not installed"; exit 77; }
. "$here/../../scripts/lib/debian_root.sh"

root=$(mktemp -d /tmp/sandnet-guest-root-XXXXXX)
proc_mounted=0
cleanup() {
	# Only the mount this test made; lazy so a stuck process cannot keep the tree.
	if [ "$proc_mounted" = 1 ]; then umount -l "$root/proc" || true; fi
	if ! mountpoint -q "$root/proc" 2>/dev/null; then rm -rf --one-file-system "$root"; fi
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# The package's run-time dependencies go into the cached root too, so no run downloads them.
depends=$(dpkg-deb -f "$deb" Depends | tr ',' '\n' | sed -E 's/\(.*\)//; s/\|.*//; s/[[:space:]]//g' | grep -v '^$' | sort | paste -sd, -)
make_debian_root "$root" "$depends"
mount -t proc proc "$root/proc"
proc_mounted=1
in_root() { chroot "$root" "$@"; }

cp "$root/etc/nsswitch.conf" "$root/tmp/nsswitch.before"
cp "$deb" "$root/tmp/sandnet-guest.deb"
in_root dpkg -i /tmp/sandnet-guest.deb >/dev/null
in_root dpkg -i /tmp/sandnet-guest.deb >/dev/null  # reinstall: the edit stays single
hosts_line=$(grep '^hosts:' "$root/etc/nsswitch.conf")
echo "# after install: $hosts_line"
[ "$(grep -o '[[:space:]]sandnet\b' <<<"$hosts_line" | wc -l)" = 1 ] || fail "sandnet not exactly once: $hosts_line"
grep -qE '^hosts:.*[[:space:]]files sandnet([[:space:]].*)?[[:space:]]dns' <<<"$hosts_line" \
	|| fail "sandnet not between files and dns: $hosts_line"
[ -f "$root/usr/lib/x86_64-linux-gnu/libnss_sandnet.so.2" ] || fail "module not in the multiarch dir"
in_root dpkg -L sandnet-guest >"$root/tmp/files"

# A table installed by the packaged guestd, resolved by glibc through the packaged module.
"$make_table" "$root/tmp/table.bin" brave-otter=10.42.0.5 brave-otter.backend=10.42.0.5 clever-fox=10.42.0.6
in_root /usr/sbin/sandnet-guestd --once --from-file /tmp/table.bin --log-level warn
got=$(in_root getent hosts brave-otter) || fail "getent hosts brave-otter found nothing"
echo "# getent hosts brave-otter: $got"
[ "$(awk '{print $1}' <<<"$got")" = 10.42.0.5 ] || fail "brave-otter resolved to: $got"
got=$(in_root getent ahostsv4 clever-fox | awk 'NR==1 {print $1}')
[ "$got" = 10.42.0.6 ] || fail "clever-fox resolved to: $got"
got=$(in_root getent hosts 10.42.0.5) || fail "reverse lookup of 10.42.0.5 failed"
[ "$(awk '{print $2}' <<<"$got")" = brave-otter ] || fail "10.42.0.5 reverse: $got"
if in_root getent hosts no-such-peer >/dev/null; then fail "an unknown name resolved"; fi

# Purge: the hosts line as before, no file of the package left.
in_root dpkg --purge sandnet-guest >/dev/null
cmp -s "$root/etc/nsswitch.conf" "$root/tmp/nsswitch.before" || {
	diff "$root/tmp/nsswitch.before" "$root/etc/nsswitch.conf" >&2 || true
	fail "nsswitch.conf differs after purge"
}
left=""
while read -r path; do
	[ -n "$path" ] || continue
	if [ -e "$root$path" ] && [ ! -d "$root$path" ]; then left+=" $path"; fi
done <"$root/tmp/files"
[ -z "$left" ] || fail "left after purge:$left"
[ ! -e "$root/run/sandnet" ] || fail "/run/sandnet left after purge"
[ ! -e "$root/usr/share/doc/sandnet-guest" ] || fail "doc dir left after purge"
echo "# guest image test OK"
