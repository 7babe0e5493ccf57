#!/usr/bin/env bash
# down.sh RUN_DIR: stop exactly the processes up.sh RUN_DIR started.
#
# Each server is found by its pidfile under RUN_DIR/run and is signalled only
# if that pid still runs the expected program (a stale pidfile never kills an
# unrelated process). The throwaway users never existed outside sshd's mount
# namespace, which disappears with sshd. Logs and data stay in RUN_DIR.
set -uo pipefail

if [[ $# -ne 1 ]]; then
	echo "usage: down.sh RUN_DIR" >&2
	exit 2
fi
R=$(realpath -m "$1")
if [[ ! -d $R/run ]]; then
	echo "down.sh: $R/run does not exist; nothing to stop"
	exit 0
fi

# stop NAME PIDFILE EXE: TERM, wait up to 15 s, then KILL.
stop() {
	local name=$1 pidfile=$2 exe=$3 pid
	[[ -s $pidfile ]] || { echo "down.sh: $name: no pidfile"; return 0; }
	pid=$(tr -dc 0-9 <"$pidfile")
	if [[ -z $pid || ! -d /proc/$pid ]] || ! tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "$exe"; then
		echo "down.sh: $name: pid ${pid:-?} not running"
		rm -f "$pidfile"
		return 0
	fi
	kill -TERM "$pid"
	for _ in $(seq 60); do
		[[ -d /proc/$pid ]] || break
		sleep 0.25
	done
	if [[ -d /proc/$pid ]]; then
		echo "down.sh: $name: pid $pid ignored TERM, killing"
		kill -KILL "$pid"
	fi
	rm -f "$pidfile"
	echo "down.sh: $name stopped (pid $pid)"
}

# sshd session processes (an interrupted run.sh) belong to the range too:
# they live in sshd's namespace, children of the listener.
if [[ -s $R/run/sshd.pid ]]; then
	spid=$(tr -dc 0-9 <"$R/run/sshd.pid")
	if [[ -n $spid ]] && tr '\0' ' ' <"/proc/$spid/cmdline" 2>/dev/null | grep -q "$R/ssh/sshd_config"; then
		pkill -TERM -P "$spid" 2>/dev/null
	fi
fi
stop sshd "$R/run/sshd.pid" "$R/ssh/sshd_config"
stop nginx "$R/run/nginx.pid" "nginx: master process"
stop php-fpm "$R/run/php-fpm.pid" "php-fpm: master process ($R/php-fpm.conf)"
stop mariadbd "$R/run/mysql/mariadbd.pid" "mariadbd"
stop rsyslogd "$R/run/rsyslogd.pid" "rsyslogd"
rm -f "$R/run/up.done"
echo "down.sh: range in $R is down (logs kept in $R/logs)"
