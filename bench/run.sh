#!/usr/bin/env bash
# bench/run.sh — what `make bench` runs: kizuki against the tools people use
# today, on the same generated files, in the same run.
#
# It builds kizuki and the bench programs, generates (once; cached in
# bench/data/, which git ignores) a combined access log of BENCH_SIZE (default
# 1GB) with BENCH_ATTACK (default 0.001) attack lines, plus BENCH_AUX_SIZE
# (default 200MB) each of auth.log, syslog and a MariaDB general log, then
# measures wall time, CPU time (user+sys) and peak RSS with /usr/bin/time -v:
#
#   kizuki end to end (rule pack + OWASP CRS), with --paranoia 0, parse only
#   (an empty --rules-only folder and --paranoia 0), and a 1-line file
#   (start-up); the bare Go floor (bench/floor, one core); cat; GNU grep with
#   a 20-way -E alternation; GoAccess, lnav (headless) and fail2ban-regex
#   (sshd filter) when installed. Slow peers and the CRS run get a prefix of
#   the input (GOACCESS_CAP, FAIL2BAN_CAP, CRS_CAP) and their rate is
#   extrapolated: the table says so in its note column. Then DETECTION_RUNS
#   (default 5) alternating parse-only and end-to-end runs give the cost of
#   detection (issue 3) as medians, which the load moves far less than one
#   run of each. When ../shared is beside the repo, bench/crsreach counts the
#   distinct requests of its real Apache log that still reach Coraza (BENCH_REAL_ACCESS).
#
# It prints a table and writes the same as JSON to
# bench/results/<UTC date>-<commit>.json with the machine's description.
# BENCH_INSTALL=0 skips installing missing peers with apt-get.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
DATA=${BENCH_DATA:-$ROOT/bench/data}
SIZE=${BENCH_SIZE:-1GB}
AUX=${BENCH_AUX_SIZE:-200MB}
ATTACK=${BENCH_ATTACK:-0.001}
AUTH_ATTACK=${BENCH_AUTH_ATTACK:-0.01} # an internet-facing sshd sees guessing all day
SEED=${BENCH_SEED:-1}
GOACCESS_CAP=${GOACCESS_CAP:-200MB}
FAIL2BAN_CAP=${FAIL2BAN_CAP:-50MB}
LNAV_CAP=${LNAV_CAP:-$SIZE}
CRS_CAP=${CRS_CAP:-$SIZE} # a prefix (e.g. 50MB) if Coraza is slow again
RESULTS=$ROOT/bench/results
mkdir -p "$DATA/bin" "$RESULTS" "$DATA/empty-rules" "$DATA/home"

log() { printf '== %s\n' "$*" >&2; }

# ---- tools ---------------------------------------------------------------
apt_install() {
	[[ ${BENCH_INSTALL:-1} == 1 ]] || return 0
	command -v apt-get >/dev/null || return 0
	log "installing $* (apt-get; failure tolerated)"
	{ apt-get install -y --no-install-recommends "$@" || { apt-get update && apt-get install -y --no-install-recommends "$@"; }; } >"$DATA/apt.log" 2>&1 || log "apt-get failed: see $DATA/apt.log"
}
[[ -x /usr/bin/time ]] || apt_install time
[[ -x /usr/bin/time ]] || { echo "bench: /usr/bin/time (GNU time) is needed" >&2; exit 1; }
missing=()
command -v goaccess >/dev/null || missing+=(goaccess)
command -v lnav >/dev/null || missing+=(lnav)
command -v fail2ban-regex >/dev/null || missing+=(fail2ban)
((${#missing[@]} == 0)) || apt_install "${missing[@]}"

make -s build # also under `make bench`: cheap when up to date, and bin/ is shared
go build -o "$DATA/bin/gen" ./bench/gen
go build -o "$DATA/bin/floor" ./bench/floor
go build -o "$DATA/bin/prof" ./bench/prof
KIZUKI=$ROOT/bin/kizuki

# ---- inputs --------------------------------------------------------------
# The generator's version is part of the name: a changed generator
# regenerates. A smaller size with the same seed is an exact prefix.
GENV=$(git log -1 --format=%h -- bench/gen 2>/dev/null || echo dev)
gen() { # kind size attack -> path
	local f="$DATA/$1-$2-a$3-s$SEED-$GENV.log"
	if [[ ! -s $f || ! -s $f.meta.json ]]; then
		log "generating $f"
		"$DATA/bin/gen" -kind "$1" -size "$2" -attack "$3" -seed "$SEED" -out "$f"
	fi
	echo "$f"
}
meta() { sed -n "s/.*\"$2\": *\([0-9]*\).*/\1/p" "$1.meta.json"; }

ACCESS=$(gen access "$SIZE" "$ATTACK")
AUTH=$(gen auth "$AUX" "$AUTH_ATTACK")
SYSLOG=$(gen syslog "$AUX" "$ATTACK")
GENERAL=$(gen mysql-general "$AUX" "$ATTACK")
ACCESS_GA=$(gen access "$GOACCESS_CAP" "$ATTACK")
ACCESS_LNAV=$(gen access "$LNAV_CAP" "$ATTACK")
ACCESS_CRS=$(gen access "$CRS_CAP" "$ATTACK")
AUTH_F2B=$(gen auth "$FAIL2BAN_CAP" "$AUTH_ATTACK")
ONE=$DATA/one-line.log
head -n 1 "$ACCESS" >"$ONE"

# ---- measuring -----------------------------------------------------------
ROWS=$DATA/rows.tsv
: >"$ROWS"
TIMEF=$DATA/time.txt
# measure NAME INPUT NOTE CMD... : runs CMD under /usr/bin/time -v and adds a row.
measure() {
	local name=$1 input=$2 note=$3
	shift 3
	log "$name: $*"
	local rc=0
	/usr/bin/time -v -o "$TIMEF" "$@" >"$DATA/out-$name.txt" 2>&1 || rc=$?
	local wall user sys rss
	wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,a,":"); s=0; for(i=1;i<=n;i++) s=s*60+a[i]; print s}' "$TIMEF")
	user=$(awk -F': ' '/User time/ {print $2}' "$TIMEF")
	sys=$(awk -F': ' '/System time/ {print $2}' "$TIMEF")
	rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$TIMEF")
	local bytes lines
	bytes=$(meta "$input" bytes 2>/dev/null || true)
	lines=$(meta "$input" lines 2>/dev/null || true)
	[[ -n $bytes ]] || bytes=$(stat -c %s "$input")
	[[ -n $lines ]] || lines=$(wc -l <"$input")
	# grep answers 1 for "no line matched": not a failure.
	if [[ $rc != 0 && ! ($name == grep && $rc == 1) ]]; then note="$note; exit status $rc"; fi
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$(basename "$input")" "$bytes" "$lines" \
		"$wall" "$user" "$sys" "$rss" "$note" >>"$ROWS"
}
case_dir() { echo "$DATA/case-$1"; }
kz() { # name input note [flags...]
	local name=$1 input=$2 note=$3
	shift 3
	measure "$name" "$input" "$note" "$KIZUKI" scan "$input" --out "$(case_dir "$name")" --force -q --fail-on none "$@"
}

# Warm the page cache so that the first tool does not pay for the disk.
cat "$ACCESS" "$AUTH" "$SYSLOG" "$GENERAL" >/dev/null

measure cat "$ACCESS" "reference: read only" cat "$ACCESS"
measure floor "$ACCESS" "bare Go bufio + combined field cut, 1 core" "$DATA/bin/floor" "$ACCESS"
GREP_RE='union.*select|/etc/passwd|\.\./|<script|sqlmap|nikto|nuclei|\.php\?cmd=|base64_decode|eval\(|/wp-login|/\.env|/\.git/|select.*from|sleep\(|benchmark\(|information_schema|cmd\.exe|/bin/sh|wget http'
measure grep "$ACCESS" "GNU grep -c -i -E, 20 alternatives" env LC_ALL=C grep -c -i -E "$GREP_RE" "$ACCESS"
kz kizuki-parse "$ACCESS" "parse only: empty --rules-only, --paranoia 0" --paranoia 0 --rules-only "$DATA/empty-rules"
kz kizuki-p0 "$ACCESS" "rule pack, CRS off (--paranoia 0)" --paranoia 0
crs_note="rule pack + CRS PL1 (end to end)"
[[ $ACCESS_CRS == "$ACCESS" ]] || crs_note="$crs_note; on a $CRS_CAP prefix, rate extrapolated"
kz kizuki-e2e "$ACCESS_CRS" "$crs_note"
kz kizuki-1line "$ONE" "start-up: 1-line file, rule pack + CRS"
kz kizuki-auth "$AUTH" "auth.log, rule pack"
kz kizuki-syslog "$SYSLOG" "syslog, rule pack"
kz kizuki-mysql "$GENERAL" "MariaDB general log, rule pack (decoded in order)"

if command -v goaccess >/dev/null; then
	measure goaccess "$ACCESS_GA" "GoAccess $(goaccess --version 2>/dev/null | sed -n 's/^GoAccess - \([0-9.]*[0-9]\).*/\1/p'), JSON report; $GOACCESS_CAP prefix, rate extrapolated" \
		goaccess "$ACCESS_GA" --log-format=COMBINED --no-global-config --no-progress -o "$DATA/goaccess.json"
fi
if command -v lnav >/dev/null; then
	measure lnav "$ACCESS_LNAV" "lnav $(lnav -V 2>/dev/null | awk '{print $2}') headless, SQL count over access_log" \
		env HOME="$DATA/home" lnav -n -c ';SELECT count(*) FROM access_log' "$ACCESS_LNAV"
fi
if command -v fail2ban-regex >/dev/null && [[ -f /etc/fail2ban/filter.d/sshd.conf ]]; then
	measure fail2ban "$AUTH_F2B" "fail2ban-regex sshd filter; $FAIL2BAN_CAP prefix, rate extrapolated" \
		fail2ban-regex "$AUTH_F2B" /etc/fail2ban/filter.d/sshd.conf
fi

# The CRS counters (what reached Coraza) are not in the CLI's output: the
# profiling harness runs the same scan and prints them, with a CPU profile.
log "CRS counters and CPU profile (bench/prof) on $(basename "$ACCESS_CRS")"
"$DATA/bin/prof" -cpuprofile "$DATA/cpu-e2e.prof" "$ACCESS_CRS" >"$DATA/prof-e2e.json" 2>"$DATA/prof-e2e.err" || log "prof failed: see $DATA/prof-e2e.err"

# How many distinct requests of real traffic still reach Coraza (the CRS
# prefilter's precision; the generated log says little about it): crsreach
# over the real Apache log of ../shared, when it is there.
REAL_ACCESS=${BENCH_REAL_ACCESS:-$ROOT/../shared/data/apache-real/access.log}
REAL=null
if [[ -f $REAL_ACCESS ]]; then
	log "CRS reach on real traffic (bench/crsreach -verdicts) on $REAL_ACCESS"
	go build -o "$DATA/bin/crsreach" ./bench/crsreach
	if "$DATA/bin/crsreach" -verdicts "$REAL_ACCESS" >"$DATA/crsreach-real.txt" 2>&1; then
		REAL=$(awk -v f="$(basename "$(dirname "$REAL_ACCESS")")/$(basename "$REAL_ACCESS")" '
			NR == 1 { for (i = 1; i <= NF; i++) { if ($i == "web") w = $(i - 1); if ($i == "pass") p = $(i - 2); if ($i == "of" && $(i + 1) == "those") d = $(i - 2) } }
			NR == 2 { for (i = 1; i <= NF; i++) { if ($i == "are") a = $(i - 1); if ($i == "benign") b = $(i - 1) } }
			END { if (w > 0) printf "{\"input\": \"%s\", \"requests\": %d, \"passed\": %d, \"distinct\": %d, \"attacks\": %d, \"benign\": %d}", f, w, p, d, a, b; else print "null" }' "$DATA/crsreach-real.txt")
	else
		log "crsreach failed: see $DATA/crsreach-real.txt"
	fi
else
	log "no real access log at $REAL_ACCESS: CRS reach on real traffic not measured"
fi

# Issue 3's ratio from single runs moves with the neighbours' load (end to
# end suffers more than parsing); alternating runs and their medians are the
# figure to quote. DETECTION_RUNS=0 skips them.
DET_RUNS=${DETECTION_RUNS:-5}
DET=$DATA/detection.tsv
: >"$DET"
timed() { # label cmd... : appends "label wall cpu" to $DET
	local label=$1
	shift
	/usr/bin/time -f "$label %e %U %S" -o "$TIMEF" "$@" >/dev/null 2>&1 || true
	awk '{print $1, $2, $3 + $4}' "$TIMEF" >>"$DET"
}
for ((i = 1; i <= DET_RUNS; i++)); do
	log "cost of detection: alternating run $i of $DET_RUNS"
	timed parse "$KIZUKI" scan "$ACCESS_CRS" --out "$(case_dir det-parse)" --force -q --fail-on none --paranoia 0 --rules-only "$DATA/empty-rules"
	timed e2e "$KIZUKI" scan "$ACCESS_CRS" --out "$(case_dir det-e2e)" --force -q --fail-on none
done
median() { # label column
	awk -v l="$1" -v c="$2" '$1 == l {print $c}' "$DET" | sort -g |
		awk '{a[NR] = $1} END {if (NR == 0) print 0; else if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2}'
}
DET_PW=$(median parse 2) DET_PC=$(median parse 3) DET_EW=$(median e2e 2) DET_EC=$(median e2e 3)

# ---- table and JSON ------------------------------------------------------
COMMIT=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
DIRTY=$(git diff --quiet HEAD -- 2>/dev/null && echo false || echo true)
STAMP=$(date -u +%Y-%m-%dT%H%M%SZ)
OUT=$RESULTS/${STAMP%T*}-$COMMIT.json
NPROC=$(nproc)
MODEL=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
MEMKB=$(awk '/MemTotal/ {print $2}' /proc/meminfo)
LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
PROF=$(cat "$DATA/prof-e2e.json" 2>/dev/null | tail -1)
[[ $PROF == \{* ]] || PROF=null

awk -F'\t' -v out="$OUT" -v commit="$COMMIT" -v dirty="$DIRTY" -v stamp="$STAMP" -v nproc="$NPROC" \
	-v model="$MODEL" -v memkb="$MEMKB" -v loadavg="$LOAD" -v prof="$PROF" -v real="$REAL" -v size="$SIZE" -v attack="$ATTACK" \
	-v detn="$DET_RUNS" -v detpw="$DET_PW" -v detpc="$DET_PC" -v detew="$DET_EW" -v detec="$DET_EC" '
function esc(s) { gsub(/\\/, "\\\\", s); gsub(/"/, "\\\"", s); return s }
# cmp: how many times faster row a is than row b (MB/s), when both ran.
function cmp(label, a, b) {
	if (!(a in idx) || !(b in idx) || mbs[idx[b]] <= 0) return
	nc++; clabel[nc] = label; cval[nc] = mbs[idx[a]] / mbs[idx[b]]
}
# cmpcpu: the same with MB per CPU-second, which the neighbours disturb less.
function cmpcpu(label, a, b) {
	if (!(a in idx) || !(b in idx) || mbcpu[idx[b]] <= 0) return
	nc++; clabel[nc] = label; cval[nc] = mbcpu[idx[a]] / mbcpu[idx[b]]
}
{
	n++; name[n]=$1; file[n]=$2; bytes[n]=$3; lines[n]=$4; wall[n]=$5; cpu[n]=$6+$7; rss[n]=$8/1024; note[n]=$9
	mbs[n] = wall[n] > 0 ? bytes[n]/1e6/wall[n] : 0
	lps[n] = wall[n] > 0 ? lines[n]/wall[n] : 0
	mbcpu[n] = cpu[n] > 0 ? bytes[n]/1e6/cpu[n] : 0
	idx[$1] = n
}
END {
	cmp("kizuki end to end (CRS) vs GoAccess", "kizuki-e2e", "goaccess")
	cmp("kizuki rule pack, CRS off vs GoAccess", "kizuki-p0", "goaccess")
	cmp("kizuki end to end (CRS) vs lnav", "kizuki-e2e", "lnav")
	cmp("kizuki rule pack, CRS off vs lnav", "kizuki-p0", "lnav")
	cmp("kizuki parse only vs lnav", "kizuki-parse", "lnav")
	cmp("kizuki parse only vs GNU grep", "kizuki-parse", "grep")
	cmp("kizuki parse only vs bare Go floor (wall)", "kizuki-parse", "floor")
	cmp("kizuki auth.log vs fail2ban-regex", "kizuki-auth", "fail2ban")
	cmp("kizuki end to end (CRS) vs CRS off", "kizuki-e2e", "kizuki-p0")
	# Issue 3: the rule pack plus CRS may cost at most 2x the time of parsing.
	cmp("cost of detection: parse only vs end to end", "kizuki-parse", "kizuki-e2e")
	cmpcpu("same, CPU seconds", "kizuki-parse", "kizuki-e2e")
	if (detn > 0 && detpw > 0 && detpc > 0) {
		nc++; clabel[nc] = "same, medians of " detn " alternating runs (wall)"; cval[nc] = detew / detpw
		nc++; clabel[nc] = "same, medians of " detn " alternating runs (CPU)"; cval[nc] = detec / detpc
	}

	printf "\n%-14s %-40s %8s %9s %8s %8s %7s %8s %9s %10s  %s\n", "tool", "input", "MB", "lines", "wall s", "CPU s", "RSS MB", "MB/s", "MB/CPU-s", "lines/s", "note"
	for (i = 1; i <= n; i++)
		printf "%-14s %-40s %8.1f %9d %8.2f %8.2f %7.1f %8.1f %9.1f %10.0f  %s\n", name[i], file[i], bytes[i]/1e6, lines[i], wall[i], cpu[i], rss[i], mbs[i], mbcpu[i], lps[i], note[i]
	printf "\nratios (MB/s; above 1: the first is faster)\n"
	for (i = 1; i <= nc; i++) printf "  %-46s %8.2f\n", clabel[i], cval[i]
	printf "\nmachine: %s CPUs, %s, %.1f GB RAM, load average at the end %s (shared machine: one run, noisy)\n", nproc, model, memkb/1048576, loadavg
	if (detn > 0) printf "cost of detection, medians of %d alternating runs: parse only %.2f s / %.2f CPU-s, end to end %.2f s / %.2f CPU-s\n", detn, detpw, detpc, detew, detec
	if (prof != "null") printf "CRS (bench/prof, same scan): %s\n", prof
	if (real != "null") printf "CRS on real traffic (bench/crsreach -verdicts): %s\n", real

	printf "{\n  \"date\": \"%s\",\n  \"commit\": \"%s\",\n  \"dirty\": %s,\n", stamp, commit, dirty > out
	printf "  \"machine\": {\"nproc\": %d, \"model\": \"%s\", \"mem_kb\": %d, \"loadavg_end\": \"%s\"},\n", nproc, esc(model), memkb, loadavg > out
	printf "  \"inputs\": {\"access_size\": \"%s\", \"attack\": %s},\n", size, attack > out
	printf "  \"crs\": %s,\n  \"crs_real\": %s,\n  \"runs\": [\n", prof, real > out
	for (i = 1; i <= n; i++) {
		printf "    {\"tool\": \"%s\", \"input\": \"%s\", \"bytes\": %d, \"lines\": %d, \"wall_s\": %.3f, \"cpu_s\": %.2f, \"peak_rss_mb\": %.1f, \"mb_per_s\": %.2f, \"mb_per_cpu_s\": %.2f, \"lines_per_s\": %.0f, \"note\": \"%s\"}%s\n", \
			name[i], esc(file[i]), bytes[i], lines[i], wall[i], cpu[i], rss[i], mbs[i], mbcpu[i], lps[i], esc(note[i]), i < n ? "," : "" > out
	}
	printf "  ],\n  \"ratios\": [\n" > out
	for (i = 1; i <= nc; i++) printf "    {\"what\": \"%s\", \"ratio\": %.3f}%s\n", esc(clabel[i]), cval[i], i < nc ? "," : "" > out
	printf "  ]\n}\n" > out
}' "$ROWS"
echo
echo "results: $OUT"
echo "profile: go tool pprof -top $DATA/bin/prof $DATA/cpu-e2e.prof"
