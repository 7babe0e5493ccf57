#!/usr/bin/env bash
# up.sh RUN_DIR: start the kizuki attack range's private servers.
#
# Starts, all bound to 127.0.0.1 and with every file under RUN_DIR:
#   rsyslogd  unix socket RUN_DIR/run/log.sock -> logs/auth.log, logs/syslog
#   mariadbd  127.0.0.1:23306 + RUN_DIR/run/mysql/mysql.sock, datadir RUN_DIR/mysql,
#             general and slow (long_query_time=0) logs in logs/mysql/
#   php-fpm   unix socket RUN_DIR/run/php-fpm.sock, pool user www-data
#   nginx     127.0.0.1:28080, logs/nginx/access.log (combined) and error.log,
#             realip trusting X-Forwarded-For from 127.0.0.1 only
#   sshd      127.0.0.1:22222 in a private mount namespace (see lib/sshd-ns.sh)
# It never edits /etc, never creates host users and never touches system
# services. down.sh RUN_DIR stops exactly these processes (pidfiles in RUN_DIR/run).
set -euo pipefail

if [[ $# -ne 1 ]]; then
	echo "usage: up.sh RUN_DIR" >&2
	exit 2
fi
if [[ $(id -u) -ne 0 ]]; then
	echo "up.sh: must run as root (private sshd, mount namespace)" >&2
	exit 1
fi
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
R=$(realpath -m "$1")
case $R in
/ | /dev* | /run* | /var/log* | /etc* | /proc* | /sys*)
	echo "up.sh: refusing RUN_DIR $R (must not be under /dev, /run, /var/log, /etc)" >&2
	exit 1
	;;
esac
if [[ -e $R/run/up.done ]]; then
	echo "up.sh: $R is already up (run down.sh first)" >&2
	exit 1
fi

export TZ=UTC LC_ALL=C
# Ports are overridable; run.sh and down.sh read them back from RUN_DIR/ports.env.
WEB_PORT=${KZ_RANGE_WEB_PORT:-28080}
SSH_PORT=${KZ_RANGE_SSH_PORT:-22222}
DB_PORT=${KZ_RANGE_DB_PORT:-23306}

for p in $WEB_PORT $SSH_PORT $DB_PORT; do
	if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
		echo "up.sh: 127.0.0.1:$p is already in use; is another range up?" >&2
		exit 1
	fi
done
for b in nginx /usr/sbin/php-fpm8.2 mariadbd mariadb-install-db mariadb /usr/sbin/sshd rsyslogd unshare openssl ssh-keygen; do
	command -v "$b" >/dev/null || { echo "up.sh: $b missing; run setup.sh" >&2; exit 1; }
done

mkdir -p "$R"
# The web and database servers run as www-data / mysql and must reach their
# files: the run directory (and its parents) must be traversable.
chmod 0755 "$R"
mkdir -p "$R"/{logs/nginx,logs/mysql,logs/php,logs/varlog,run/tmp,run/mysql,run/rsyslog,nginx,ssh,ns/etc/pam.d,sessions,home}
if ! runuser -u www-data -- test -x "$R/run"; then
	echo "up.sh: www-data cannot reach $R; make its parent directories world-traversable (chmod o+x)" >&2
	exit 1
fi
chmod 1777 "$R/run/tmp"
printf 'WEB_PORT=%d\nSSH_PORT=%d\nDB_PORT=%d\n' "$WEB_PORT" "$SSH_PORT" "$DB_PORT" >"$R/ports.env"
chown mysql:mysql "$R/run/mysql" "$R/logs/mysql"
chown www-data:www-data "$R/sessions" "$R/logs/php"

# The application is copied so that uploads (web shells) land in the run.
rm -rf "$R/www"
cp -r "$HERE/app/www" "$R/www"
chown -R root:root "$R/www"
chown www-data:www-data "$R/www/uploads"

log() { printf 'up.sh: %s\n' "$*"; }
# A half-started range is stopped again: nothing is left listening on failure.
cleanup() {
	if [[ ! -e $R/run/up.done ]]; then
		echo "up.sh: failed; stopping what was started" >&2
		"$HERE/down.sh" "$R" >&2 || true
	fi
}
trap cleanup EXIT

# --- rsyslogd -------------------------------------------------------------
cat >"$R/rsyslog.conf" <<CONF
# Private rsyslogd of the kizuki range: no /dev/log, no kernel log, no network.
global(workDirectory="$R/run/rsyslog" localHostName="shop-web01")
module(load="imuxsock" SysSock.Use="off")
input(type="imuxsock" Socket="$R/run/log.sock" CreatePath="on" RateLimit.Interval="0")
auth,authpriv.*          action(type="omfile" file="$R/logs/auth.log" template="RSYSLOG_TraditionalFileFormat")
*.*;auth,authpriv.none   action(type="omfile" file="$R/logs/syslog" template="RSYSLOG_TraditionalFileFormat")
CONF
rsyslogd -f "$R/rsyslog.conf" -i "$R/run/rsyslogd.pid"
log "rsyslogd started"

# --- mariadbd -------------------------------------------------------------
MYSOCK=$R/run/mysql/mysql.sock
myargs=(--no-defaults --datadir="$R/mysql" --user=mysql)
if [[ ! -d $R/mysql/mysql ]]; then
	mariadb-install-db "${myargs[@]}" --auth-root-authentication-method=socket \
		--skip-test-db >"$R/logs/mysql/install.log" 2>&1 ||
		{ echo "up.sh: mariadb-install-db failed, see $R/logs/mysql/install.log" >&2; exit 1; }
fi
setsid mariadbd "${myargs[@]}" --socket="$MYSOCK" --port=$DB_PORT --bind-address=127.0.0.1 \
	--pid-file="$R/run/mysql/mariadbd.pid" --log-error="$R/logs/mysql/error.log" \
	--tmpdir="$R/run/tmp" --skip-name-resolve --skip-log-bin \
	--innodb-buffer-pool-size=32M --innodb-log-file-size=16M --innodb-use-native-aio=0 \
	--general-log=0 --general-log-file="$R/logs/mysql/general.log" \
	--slow-query-log=0 --slow-query-log-file="$R/logs/mysql/slow.log" \
	--long-query-time=0 --log-slow-verbosity=query_plan \
	</dev/null >/dev/null 2>&1 &
for i in $(seq 60); do
	mariadb-admin --no-defaults --socket="$MYSOCK" -uroot ping >/dev/null 2>&1 && break
	sleep 0.5
	[[ $i -eq 60 ]] && { echo "up.sh: mariadbd did not start, see $R/logs/mysql/error.log" >&2; exit 1; }
done
mariadb --no-defaults --socket="$MYSOCK" -uroot <"$HERE/app/seed.sql"
members=$(mariadb --no-defaults --socket="$MYSOCK" -uroot -N -e 'SELECT COUNT(*) FROM kizuki_shop.members')
# Logging starts after the seed so the logs hold only what happens on the range.
mariadb --no-defaults --socket="$MYSOCK" -uroot -e "SET GLOBAL general_log=1; SET GLOBAL slow_query_log=1;"
log "mariadbd started on 127.0.0.1:$DB_PORT (kizuki_shop seeded: $members members)"

# --- php-fpm --------------------------------------------------------------
cat >"$R/php-fpm.conf" <<CONF
[global]
pid = $R/run/php-fpm.pid
error_log = $R/logs/php/php-fpm.log
daemonize = yes

[shop]
user = www-data
group = www-data
listen = $R/run/php-fpm.sock
listen.owner = www-data
listen.group = www-data
listen.mode = 0660
pm = static
pm.max_children = 3
catch_workers_output = yes
env[PATH] = /usr/local/bin:/usr/bin:/bin
env[TZ] = UTC
env[KZ_DB_PORT] = $DB_PORT
php_admin_value[session.save_path] = $R/sessions
php_admin_value[upload_tmp_dir] = $R/run/tmp
php_admin_value[sys_temp_dir] = $R/run/tmp
php_admin_value[error_log] = $R/logs/php/php-error.log
php_admin_flag[log_errors] = on
php_admin_flag[display_errors] = off
php_admin_value[date.timezone] = UTC
CONF
/usr/sbin/php-fpm8.2 --fpm-config "$R/php-fpm.conf" --prefix "$R"
log "php-fpm started"

# --- nginx ----------------------------------------------------------------
cat >"$R/nginx.conf" <<CONF
user www-data;
worker_processes 1;
pid $R/run/nginx.pid;
error_log $R/logs/nginx/error.log warn;
events { worker_connections 128; }
http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    client_body_temp_path $R/nginx/client_body;
    proxy_temp_path $R/nginx/proxy;
    fastcgi_temp_path $R/nginx/fastcgi;
    uwsgi_temp_path $R/nginx/uwsgi;
    scgi_temp_path $R/nginx/scgi;
    access_log $R/logs/nginx/access.log combined;
    client_max_body_size 2m;
    # Simulated clients carry their address in X-Forwarded-For; only the
    # loopback proxy (run.sh) is trusted to set it.
    set_real_ip_from 127.0.0.1;
    real_ip_header X-Forwarded-For;
    server {
        listen 127.0.0.1:$WEB_PORT;
        server_name shop.example.jp;
        root $R/www;
        index index.php;
        # VULNERABLE ON PURPOSE: any .php, including in /uploads/, is executed.
        location ~ \.php\$ {
            try_files \$uri =404;
            include /etc/nginx/fastcgi_params;
            fastcgi_param SCRIPT_FILENAME \$document_root\$fastcgi_script_name;
            fastcgi_pass unix:$R/run/php-fpm.sock;
        }
    }
}
CONF
nginx -c "$R/nginx.conf" -p "$R/nginx/" -e "$R/logs/nginx/error.log"
log "nginx started on 127.0.0.1:$WEB_PORT"

# --- sshd -----------------------------------------------------------------
# Throwaway users exist only inside sshd's namespace (lib/sshd-ns.sh):
# kzops has a weak password in the guessing wordlist and sudo rights;
# kzadmin is the benign administrator.
OPS_PW=summer2024
ADMIN_PW='Kz-admin-6b1f-range'
cp /etc/passwd /etc/shadow /etc/group "$R/ns/etc/"
mkdir -p "$R/home/kzops" "$R/home/kzadmin"
{
	echo "kzops:x:4201:4201:range operator:$R/home/kzops:/bin/bash"
	echo "kzadmin:x:4202:4202:range admin:$R/home/kzadmin:/bin/bash"
} >>"$R/ns/etc/passwd"
{
	echo "kzops:$(openssl passwd -6 -salt kzrangeops "$OPS_PW"):19700:0:99999:7:::"
	echo "kzadmin:$(openssl passwd -6 -salt kzrangeadm "$ADMIN_PW"):19700:0:99999:7:::"
} >>"$R/ns/etc/shadow"
printf 'kzops:x:4201:\nkzadmin:x:4202:\n' >>"$R/ns/etc/group"
chmod 0640 "$R/ns/etc/shadow"
chown 4201:4201 "$R/home/kzops"
chown 4202:4202 "$R/home/kzadmin"
cat >"$R/ns/etc/sudoers" <<CONF
Defaults env_reset
Defaults secure_path="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
Defaults !lecture
root  ALL=(ALL:ALL) ALL
kzops ALL=(ALL:ALL) ALL
CONF
chmod 0440 "$R/ns/etc/sudoers"
# A container has no audit login uid to set: pam_loginuid must not veto sessions.
sed 's/^session\s\+required\s\+pam_loginuid.so/session optional pam_loginuid.so/' /etc/pam.d/sshd >"$R/ns/etc/pam.d/sshd"
: >"$R/logs/varlog/wtmp"; : >"$R/logs/varlog/btmp"; : >"$R/logs/varlog/lastlog"
chmod 0600 "$R/logs/varlog/btmp"
[[ -f $R/ssh/ssh_host_ed25519_key ]] || ssh-keygen -q -t ed25519 -N '' -f "$R/ssh/ssh_host_ed25519_key"
[[ -f $R/ssh/ssh_host_rsa_key ]] || ssh-keygen -q -t rsa -b 2048 -N '' -f "$R/ssh/ssh_host_rsa_key"
cat >"$R/ssh/sshd_config" <<CONF
Port $SSH_PORT
ListenAddress 127.0.0.1
HostKey $R/ssh/ssh_host_ed25519_key
HostKey $R/ssh/ssh_host_rsa_key
PidFile $R/run/sshd.pid
SyslogFacility AUTH
LogLevel INFO
UsePAM yes
PasswordAuthentication yes
KbdInteractiveAuthentication no
PubkeyAuthentication no
PermitRootLogin no
# Only the throwaway users can ever log in through the range.
AllowUsers kzops kzadmin
MaxAuthTries 6
MaxStartups 10:30:60
LoginGraceTime 30
UseDNS no
PrintMotd no
X11Forwarding no
AllowTcpForwarding no
CONF
unshare --mount --propagation private -- "$HERE/lib/sshd-ns.sh" "$R"
# sshd writes its pidfile once listening (a TCP probe would log a bogus connection).
for i in $(seq 40); do
	[[ -s $R/run/sshd.pid ]] && break
	sleep 0.25
	[[ $i -eq 40 ]] && { echo "up.sh: sshd did not start" >&2; exit 1; }
done
log "sshd started on 127.0.0.1:$SSH_PORT"

for i in $(seq 40); do
	curl -s -o /dev/null "http://127.0.0.1:$WEB_PORT/robots.txt" && break
	sleep 0.25
	[[ $i -eq 40 ]] && { echo "up.sh: nginx not answering" >&2; exit 1; }
done
# The readiness probe above is not range traffic: start from empty web logs.
: >"$R/logs/nginx/access.log"
date -u +%Y-%m-%dT%H:%M:%SZ >"$R/run/up.done"
log "range is up in $R"
