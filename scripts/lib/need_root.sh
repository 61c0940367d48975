# Sourced by the README's scripts, which need root (packages, bpffs, network namespaces).
# Root runs on. Anyone else is re-run through sudo when the machine has it (a minimal Debian
# logged in as root has none), keeping the SANDNET_* settings; otherwise told what to type.
#   sandnet_need_root "$0" "$@"
sandnet_need_root() {
	[ "$(id -u)" -eq 0 ] && return 0
	local script
	script=$(realpath "$1")
	shift
	if command -v sudo >/dev/null 2>&1; then
		local -a keep
		mapfile -t keep < <(env | grep -E '^(SANDNET_[A-Z0-9_]*|CI)=' || true)
		echo "$(basename "$script"): needs root; re-running with sudo" >&2
		exec sudo -- env "${keep[@]}" "$script" "$@"
	fi
	echo "$(basename "$script"): needs root (packages, bpffs, network namespaces) and this machine has no sudo." >&2
	echo "Run it as root, e.g.: su -c '$script $*'" >&2
	exit 1
}
