#!/usr/bin/env bash
# Builds the three .debs from a configured CMake build dir:
#   packaging/build-debs.sh [--no-build] BUILD_DIR [OUT_DIR]
# builds only the packaged targets (-j2), runs CPack (DEB), and leaves
# sandnet-{host,guest,api}_VERSION_ARCH.deb in OUT_DIR (default BUILD_DIR/debs).
set -euo pipefail
build=1
if [ "${1:-}" = "--no-build" ]; then build=0; shift; fi
build_dir=$(realpath "${1:?usage: build-debs.sh [--no-build] BUILD_DIR [OUT_DIR]}")
out_dir=$(realpath -m "${2:-$build_dir/debs}")
if [ "$build" = 1 ]; then
  cmake --build "$build_dir" -j2 --target sandnet-agent sandnetctl sandnet-api sandnet-guestd nss_sandnet
fi
staging="$build_dir/_CPack_Packages"
rm -rf "$staging"
mkdir -p "$out_dir"
# cpack writes packages into the current directory.
(cd "$build_dir" && cpack -G DEB --config "$build_dir/CPackConfig.cmake" >"$build_dir/cpack.log" 2>&1) || {
  cat "$build_dir/cpack.log" >&2
  exit 1
}
for pkg in sandnet-host sandnet-guest sandnet-api; do
  deb=$(ls "$build_dir"/${pkg}_*.deb)
  mv -f "$deb" "$out_dir/"
  echo "$out_dir/$(basename "$deb")"
done
