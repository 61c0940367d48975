#!/usr/bin/env bash
# Makes a fresh Debian 12 machine ready: packages, bpffs, and a build in ./build.
# Idempotent: a second run only rebuilds what changed.
set -euo pipefail
. "$(dirname "$0")/lib/need_root.sh"
sandnet_need_root "$0" "$@"
cd "$(dirname "$0")/.."

# Every component lists what it needs in scripts/deps/*.txt.
mapfile -t pkgs < <(cat scripts/deps/*.txt | sed 's/#.*//' | awk 'NF' | sort -u)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup.sh: installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf

build_type=${SANDNET_BUILD_TYPE:-RelWithDebInfo}
# Only pass SANDNET_WERROR when asked (CI sets it): otherwise keep what ./build already has, so
# that demo.sh after test.sh does not rebuild everything for a changed flag.
werror=()
[ -n "${SANDNET_WERROR:-}" ] && werror=(-DSANDNET_WERROR="$SANDNET_WERROR")
# Quiet when it works; on failure the whole output, whose "No package 'x' found" or
# "Could NOT find X" lines name what is missing.
mkdir -p build
if ! cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE="$build_type" \
  -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ "${werror[@]}" >build/configure.log 2>&1; then
  cat build/configure.log >&2
  echo "setup.sh: cmake could not configure the build (above). A package missing from scripts/deps/*.txt?" >&2
  exit 1
fi
cmake --build build -j"$(nproc)"
