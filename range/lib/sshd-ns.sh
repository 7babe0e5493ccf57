#!/usr/bin/env bash
# sshd-ns.sh R: run inside a private mount namespace (unshare --mount, started
# by up.sh) and exec the range's sshd there.
#
# Why a namespace: sshd, PAM and sudo log only through syslog(3), which always
# writes to /dev/log, and they read the users from /etc/passwd and /etc/shadow.
# Here, and only for the processes of this namespace, /dev is a fresh tmpfs
# whose "log" points at the range's private rsyslogd socket, /etc/passwd,
# shadow, group, sudoers and pam.d/sshd are the range's copies that add the
# throwaway users, /run is a tmpfs and /var/log is RUN_DIR/logs/varlog (so
# wtmp/btmp/lastlog land in the run, not in the host's). Nothing outside the
# namespace sees any of it, and it vanishes with its last process.
set -euo pipefail
R=$1

# Keep the host's /dev reachable to bind the few device nodes sshd needs.
mkdir -p "$R/ns/olddev"
mount --rbind /dev "$R/ns/olddev"
mount -t tmpfs -o mode=0755,size=1m kzrange-dev /dev
for n in null zero full random urandom tty; do
	touch "/dev/$n"
	mount --bind "$R/ns/olddev/$n" "/dev/$n"
done
mkdir -p /dev/pts /dev/shm
mount --rbind "$R/ns/olddev/pts" /dev/pts
mount -t tmpfs -o mode=1777,size=1m kzrange-shm /dev/shm
ln -s pts/ptmx /dev/ptmx
ln -s /proc/self/fd /dev/fd
ln -s /proc/self/fd/0 /dev/stdin
ln -s /proc/self/fd/1 /dev/stdout
ln -s /proc/self/fd/2 /dev/stderr
ln -s "$R/run/log.sock" /dev/log
umount -l "$R/ns/olddev"

mount -t tmpfs -o mode=0755,size=4m kzrange-run /run
mkdir -m 0755 /run/sshd
mount --bind "$R/logs/varlog" /var/log

for f in passwd shadow group sudoers pam.d/sshd; do
	mount --bind "$R/ns/etc/$f" "/etc/$f"
done

/usr/sbin/sshd -t -f "$R/ssh/sshd_config"
exec /usr/sbin/sshd -f "$R/ssh/sshd_config"
