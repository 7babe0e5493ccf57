#!/usr/bin/env bash
# setup.sh installs the programs the kizuki attack range needs, and nothing else.
#
# Idempotent: a package already installed is skipped; only the missing ones are
# passed to apt-get. It installs packages only: it does not enable, start or
# configure any system service (up.sh runs private instances under its own
# RUN_DIR). On Debian a fresh install may try to start the packaged daemons;
# where /usr/sbin/policy-rc.d denies it (containers) they stay stopped, and
# without one setup.sh refuses to install unless KIZUKI_RANGE_ALLOW_SERVICES=1,
# so that it never silently leaves a system nginx/mariadb/sshd listening.
set -euo pipefail

if [[ $(id -u) -ne 0 ]]; then
	echo "setup.sh: must run as root (apt-get install)" >&2
	exit 1
fi
if ! command -v apt-get >/dev/null; then
	echo "setup.sh: needs a Debian/Ubuntu system with apt-get" >&2
	exit 1
fi

# Servers, clients and the attack tools the scenarios use. wfuzz/ffuf are
# optional (run.sh does not need them) and installed only when apt has them.
required=(
	nginx php-fpm php-mysql mariadb-server mariadb-client
	openssh-server openssh-client sshpass sudo rsyslog curl jq
	sqlmap hydra nmap gobuster whatweb
)
optional=(ffuf)

missing=()
for p in "${required[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing+=("$p")
	fi
done
optmissing=()
for p in "${optional[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		optmissing+=("$p")
	fi
done

if [[ ${#missing[@]} -eq 0 && ${#optmissing[@]} -eq 0 ]]; then
	echo "setup.sh: everything already installed"
	exit 0
fi

if [[ ${#missing[@]} -gt 0 && ! -x /usr/sbin/policy-rc.d && ${KIZUKI_RANGE_ALLOW_SERVICES:-0} != 1 ]]; then
	cat >&2 <<MSG
setup.sh: this host has no /usr/sbin/policy-rc.d, so installing
${missing[*]} may start and enable system services (nginx, mariadb, ssh...).
Install them yourself and disable those services, or rerun with
KIZUKI_RANGE_ALLOW_SERVICES=1 to accept that.
MSG
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive
# The package lists may be absent on a fresh machine; refresh them once.
if [[ -z $(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' -print -quit 2>/dev/null) ]]; then
	apt-get update
fi

if [[ ${#missing[@]} -gt 0 ]]; then
	echo "setup.sh: installing: ${missing[*]}"
	apt-get install -y --no-install-recommends "${missing[@]}"
fi
installed_opt=()
for p in "${optmissing[@]}"; do
	if apt-cache show "$p" >/dev/null 2>&1 && apt-get install -y --no-install-recommends "$p"; then
		installed_opt+=("$p")
	else
		echo "setup.sh: optional $p not available, skipped"
	fi
done
echo "setup.sh: installed: ${missing[*]} ${installed_opt[*]}"
