#!/usr/bin/env bash
# Installs the Debian packages kizuki's tests use, when they are missing.
# Tests that need a package skip with a clear message when it is absent, so a
# machine without apt still runs everything else.
set -u
pkgs=(${KIZUKI_TEST_PACKAGES:-chromium})
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if ! command -v apt-get >/dev/null; then
	echo "deps: apt-get not found; tests needing ${missing[*]} will skip" >&2
	exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null 2>&1 || true
if ! $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; then
	echo "deps: could not install ${missing[*]}; tests needing them will skip" >&2
fi
exit 0
