#!/usr/bin/env bash
# Runs the README's two commands the way a new user would: in a clean Debian 12 root
# (debootstrap --variant=minbase bookworm) that has nothing but the base system, with this
# checkout copied in. A package missing from scripts/deps/*.txt fails here.
#   scripts/fresh_root.sh [--keep] [--no-demo] [--no-tests] [-- ARGS for scripts/test.sh]
# Phases: 1. the first command, scripts/demo.sh, its output checked by
# tests/fresh_root/check_demo_output.sh, then scripts/demo.sh --stop; 2. the second command,
# scripts/test.sh. Only the unpacked base root is cached between runs
# (SANDNET_FRESH_ROOT_CACHE, default /var/cache/sandnet-fresh-root), never what is installed
# into it. The root lives in SANDNET_FRESH_ROOT_DIR (default: a new /var/tmp/sandnet-fresh-*)
# and is removed at the end unless --keep.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/.." && pwd)
. "$here/lib/need_root.sh"
sandnet_need_root "$0" "$@"

keep=0 demo=1 tests=1
while [ $# -gt 0 ]; do
	case "$1" in
	--keep) keep=1 ;;
	--no-demo) demo=0 ;;
	--no-tests) tests=0 ;;
	--) shift; break ;;
	*) echo "usage: $0 [--keep] [--no-demo] [--no-tests] [-- ARGS for scripts/test.sh]" >&2; exit 2 ;;
	esac
	shift
done

say() { printf '\n\033[1m[fresh-root %s] %s\033[0m\n' "$(date +%T)" "$*"; }
die() { echo "fresh_root.sh: $*" >&2; exit 1; }
command -v debootstrap >/dev/null || die "debootstrap is missing on this machine (apt-get install debootstrap)"

root=${SANDNET_FRESH_ROOT_DIR:-$(mktemp -d /var/tmp/sandnet-fresh-XXXXXX)}
mkdir -p "$root"
root=$(realpath "$root")
[ -z "$(ls -A "$root")" ] || die "$root is not empty"
log_dir=$root.logs
mkdir -p "$log_dir"

# Ends what still runs inside the root (only processes of this run can live there), then undoes
# the mounts, deepest first; the tree is removed only once nothing is mounted below it.
cleanup() {
	local rc=$? pid
	for pid in $(ls /proc | grep -E '^[0-9]+$'); do
		[ "$(readlink "/proc/$pid/root" 2>/dev/null)" = "$root" ] && kill -9 "$pid" 2>/dev/null
	done
	sleep 0.5
	umount -R "$root" 2>/dev/null || umount -R -l "$root" 2>/dev/null || true
	if [ "$keep" = 0 ] && ! findmnt -rn -o TARGET | grep -q "^$root"; then
		rm -rf --one-file-system "$root"
	fi
	[ "$rc" = 0 ] || echo "fresh_root.sh: FAILED (rc $rc); logs in $log_dir" >&2
	exit "$rc"
}
trap cleanup EXIT

t0=$(date +%s)
say "base root: debootstrap --variant=minbase bookworm (cached unpacked base only)"
SANDNET_ROOT_CACHE=${SANDNET_FRESH_ROOT_CACHE:-/var/cache/sandnet-fresh-root}
. "$here/lib/debian_root.sh"
make_debian_root "$root" ""
# The machine's own package sources and resolver, as a new machine of this kind would have them.
cp /etc/resolv.conf "$root/etc/resolv.conf"
if compgen -G "/etc/apt/sources.list.d/*.sources" >/dev/null || [ -s /etc/apt/sources.list ]; then
	rm -f "$root/etc/apt/sources.list"
	[ -s /etc/apt/sources.list ] && cp /etc/apt/sources.list "$root/etc/apt/"
	for f in /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list; do
		[ -f "$f" ] && cp "$f" "$root/etc/apt/sources.list.d/"
	done
fi

say "copying the checkout into /src/sandnet"
mkdir -p "$root/src/sandnet"
if git -C "$src" rev-parse --git-dir >/dev/null 2>&1; then
	# Tracked files and untracked ones git does not ignore: never a build directory.
	(cd "$src" && git ls-files -z -co --exclude-standard | tar --null -T - -cf -) | tar -C "$root/src/sandnet" -xf -
else
	tar -C "$src" --exclude='./build' --exclude='./build-*' -cf - . | tar -C "$root/src/sandnet" -xf -
fi

# bind the root onto itself (ip netns exec runs mount --make-rslave /), then a booted
# machine's file systems: proc, sys with bpffs, an rbind of /dev, an empty /run.
mount --bind "$root" "$root"
mount --make-private "$root"
mount -t proc proc "$root/proc"
mount -t sysfs sysfs "$root/sys"
mount -t bpf bpf "$root/sys/fs/bpf"
mount --rbind /dev "$root/dev"
mount --make-rslave "$root/dev"
mount -t tmpfs -o mode=755 tmpfs "$root/run"
mkdir -p "$root/run/netns"

in_root() {  # CMD...: as root in the new root, with a login-like environment and none of ours
	chroot "$root" /usr/bin/env -i HOME=/root LANG=C.UTF-8 TERM=dumb \
		PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		CI="${CI:-}" SANDNET_WERROR="${SANDNET_WERROR:-}" "$@"
}
t1=$(date +%s)

if [ "$demo" = 1 ]; then
	say "the README's first command: scripts/demo.sh"
	in_root bash -c 'cd /src/sandnet && scripts/demo.sh' 2>&1 | tee "$log_dir/demo.log" ||
		die "scripts/demo.sh failed in the fresh root (log: $log_dir/demo.log)"
	"$src/tests/fresh_root/check_demo_output.sh" <"$log_dir/demo.log"
	in_root bash -c 'cd /src/sandnet && scripts/demo.sh --stop'
	left=$(in_root ip netns list | grep -c '^sndemo-' || true)
	[ "$left" = 0 ] || die "scripts/demo.sh --stop left $left namespaces"
fi
t2=$(date +%s)

if [ "$tests" = 1 ]; then
	say "the README's second command: scripts/test.sh $*"
	in_root bash -c 'cd /src/sandnet && exec scripts/test.sh "$@"' test.sh "$@" 2>&1 | tee "$log_dir/test.log" ||
		die "scripts/test.sh failed in the fresh root (log: $log_dir/test.log)"
fi
t3=$(date +%s)
say "done: base root $((t1 - t0)) s, demo (install + build + run) $((t2 - t1)) s, tests $((t3 - t2)) s, total $((t3 - t0)) s"
