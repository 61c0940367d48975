# Sourced by the package tests and scripts/fresh_root.sh: a minimal Debian 12 root from a cached tarball.
# debootstrap runs once per machine (CI pays it once); later runs unpack the cache (~seconds).
SANDNET_ROOT_CACHE=${SANDNET_ROOT_CACHE:-/var/cache/sandnet-test}
SANDNET_MIRROR=${SANDNET_MIRROR:-http://deb.debian.org/debian}

# make_debian_root DIR EXTRA_PACKAGES(comma-separated, may be empty; virtual names allowed:
# they are installed with apt inside the new root, which resolves them)
make_debian_root() {
	local dir=$1 include=$2
	local key tarball
	key=$(printf 'bookworm minbase %s' "$include" | sha256sum | cut -c1-12)
	tarball="$SANDNET_ROOT_CACHE/bookworm-minbase-$key.tar.gz"
	if [ ! -s "$tarball" ]; then
		mkdir -p "$SANDNET_ROOT_CACHE"
		local build
		build=$(mktemp -d "$SANDNET_ROOT_CACHE/build-XXXXXX")
		chmod 755 "$build"  # mktemp's 0700 would travel in the tarball to every root's "/"
		echo "# debootstrap --variant=minbase bookworm (cached in $tarball)"
		if ! { debootstrap --variant=minbase bookworm "$build" "$SANDNET_MIRROR" &&
			{ [ -z "$include" ] || chroot "$build" apt-get install -y --no-install-recommends ${include//,/ }; }; } \
			>"$build.log" 2>&1; then
			tail -20 "$build.log" >&2
			rm -rf "$build" "$build.log"
			return 1
		fi
		chroot "$build" apt-get clean
		tar -C "$build" -czf "$tarball.tmp" . && mv -f "$tarball.tmp" "$tarball"
		# Roots for other package lists (an older build's Depends) are not needed any more.
		find "$SANDNET_ROOT_CACHE" -maxdepth 1 -name 'bookworm-minbase-*.tar.gz' ! -path "$tarball" -delete
		rm -rf "$build" "$build.log"
	fi
	tar -C "$dir" -xzf "$tarball"
	chmod 755 "$dir"  # "/" of a system: its users (e.g. a package's system user) traverse it
}
