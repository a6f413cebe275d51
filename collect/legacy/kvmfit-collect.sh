#!/bin/sh
# kvmfit-collect.sh - the kvmfit collector for Linux too old for the Go
# runtime (kernels before 3.2: RHEL 5, SLES 10, ...). POSIX sh and awk only;
# reads /proc/stat, /proc/meminfo, /proc/diskstats, /proc/net/dev,
# /proc/uptime and, once a minute, df -kP of the local filesystems, and writes the kvmfit dataset format (docs/format.md): one
# samples-YYYY-MM-DD.csv per UTC day with the mean and max over sub-samples,
# closed days gzipped, and a best-effort inventory.json.
#
# Usage: kvmfit-collect.sh --out DIR [--interval 60] [--sample 5]
#                          [--duration SECONDS] [--id NAME]
# Times are whole seconds; --interval must be a multiple of --sample.
# Stop it with SIGTERM or SIGINT: rows already written are complete; the
# interval in flight is lost. Details: docs/collector.md.

set -u
PATH=/bin:/usr/bin:/sbin:/usr/sbin:$PATH
export PATH
LC_ALL=C
export LC_ALL

out= interval=60 sample=5 duration=0 id=
usage() {
	echo "usage: $0 --out DIR [--interval 60] [--sample 5] [--duration SECONDS] [--id NAME]" >&2
	exit 2
}
while [ $# -gt 0 ]; do
	case $1 in
	--out) out=${2-}; shift 2 || usage ;;
	--interval) interval=${2-}; shift 2 || usage ;;
	--sample) sample=${2-}; shift 2 || usage ;;
	--duration) duration=${2-}; shift 2 || usage ;;
	--id) id=${2-}; shift 2 || usage ;;
	-h|--help) usage ;;
	*) echo "$0: unknown argument $1" >&2; usage ;;
	esac
done
[ -n "$out" ] || usage
for v in "$interval" "$sample" "$duration"; do
	case $v in ''|*[!0-9]*) echo "$0: times are whole seconds" >&2; exit 2 ;; esac
done
if [ "$sample" -lt 1 ] || [ "$interval" -lt 1 ] || [ $((interval % sample)) -ne 0 ]; then
	echo "$0: --interval must be a multiple of --sample (both at least 1)" >&2
	exit 2
fi

host=$(uname -n 2>/dev/null || hostname)
[ -n "$id" ] || id=$(printf '%s' "$host" | sed 's/[^A-Za-z0-9._-]/_/g; s/^\./_/')
dir=$out/$id
umask 027
mkdir -p "$dir" || exit 1

log() { echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) kvmfit-collect.sh: $*" >&2; }

# Whole physical disks: /sys/block/NAME/device exists (2.6 kernels); without
# /sys, names that are not partitions, loop, ram, dm or md devices.
disks=
if [ -r /proc/diskstats ]; then
	for d in $(awk 'NF >= 14 { print $3 }' /proc/diskstats); do
		s=$(printf '%s' "$d" | sed 's,/,!,g')
		if [ -d /sys/block ]; then
			[ -e "/sys/block/$s/device" ] || continue
		else
			case $d in loop*|ram*|zram*|dm-*|md*|sr*|fd*|nbd*) continue ;; esac
			case $d in [shv]d[a-z]*[0-9]|xvd[a-z]*[0-9]|*[0-9]p[0-9]*) continue ;; esac
		fi
		disks="$disks $d"
	done
fi

# Local filesystems, as the Go collector picks them (docs/collector.md):
# /proc/mounts without network, memory and pseudo filesystems, container
# layers and images, one mount per device (the shortest). Lines "MOUNT TYPE
# DEVICE", sorted. Mount points or devices with characters other than
# letters, digits and /._+@:,=- (blanks, quotes, globs) are left out: they
# are passed to df through the shell.
fslist=$(awk '
$3 ~ /^(nfs|nfs4|cifs|smbfs|smb3|ncpfs|afs|9p|ceph|glusterfs|lustre|gpfs|davfs|autofs|binfmt_misc|bpf|cgroup|cgroup2|configfs|debugfs|devpts|devtmpfs|efivarfs|fusectl|hugetlbfs|mqueue|nsfs|proc|procfs|pstore|ramfs|rpc_pipefs|securityfs|selinuxfs|sysfs|tmpfs|tracefs|usbfs|rootfs|none|shm|overlay|aufs|squashfs|erofs|iso9660|udf)$/ || $3 ~ /^fuse\./ { next }
$2 == "/dev" || $2 == "/proc" || $2 == "/sys" { next }
$2 ~ /^\/(dev|proc|sys|run\/credentials|var\/lib\/docker|var\/lib\/containers\/storage|var\/lib\/kubelet\/pods|snap)\// { next }
$1 !~ /^[A-Za-z0-9\/._+@:,=-]+$/ || $2 !~ /^[A-Za-z0-9\/._+@:,=-]+$/ { next }
{
	if (!($1 in m) || length($2) < length(m[$1]) || (length($2) == length(m[$1]) && $2 < m[$1])) { m[$1] = $2; t[$1] = $3 }
}
END { for (d in m) print m[d], t[d], d }' /proc/mounts 2>/dev/null | sort)
fsmounts=$(printf '%s\n' "$fslist" | awk 'NF == 3 { printf "%s%s", sep, $1; sep = " " }')

# Fractional sleep where available.
frac=0
sleep 0.01 2>/dev/null && frac=1

json() { printf '%s' "$1" | sed 's/\\/\\\\/g; s/"/\\"/g'; }

# Best-effort inventory (rewritten at every start).
inventory() {
	model=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null)
	mhz=$(awk -F': *' '/^cpu MHz/ { print $2; exit }' /proc/cpuinfo 2>/dev/null)
	threads=$(grep -c '^processor' /proc/cpuinfo 2>/dev/null)
	cores=$(awk -F': *' '/^physical id/ { p = $2 } /^cpu cores/ { c[p] = $2 } END { for (k in c) n += c[k]; print n + 0 }' /proc/cpuinfo 2>/dev/null)
	sockets=$(awk -F': *' '/^physical id/ { s[$2] = 1 } END { for (k in s) n++; print n + 0 }' /proc/cpuinfo 2>/dev/null)
	[ "${cores:-0}" -gt 0 ] || cores=$threads
	vm=false
	grep -q '^flags.* hypervisor' /proc/cpuinfo 2>/dev/null && vm=true
	mem=$(awk '/^MemTotal:/ { printf "%.0f", $2 * 1024 }' /proc/meminfo)
	mid=
	for f in /etc/machine-id /var/lib/dbus/machine-id; do
		[ -r "$f" ] && mid=$(tr -d ' \n' < "$f") && [ -n "$mid" ] && [ "$mid" != uninitialized ] && break
		mid=
	done
	[ -n "$mid" ] && mid="linux-machine-id:$mid"
	dj= sep=
	for d in $disks; do
		s=$(printf '%s' "$d" | sed 's,/,!,g')
		size=0
		[ -r "/sys/block/$s/size" ] && size=$(awk '{ printf "%.0f", $1 * 512 }' "/sys/block/$s/size")
		dj="$dj$sep{\"name\": \"$(json "$d")\", \"size_bytes\": ${size:-0}}"
		sep=", "
	done
	fj=
	if [ -n "$fsmounts" ]; then
		# df -kP: device, 1024-blocks, used, available, capacity, mount.
		fj=$({ printf '%s\n' "$fslist"; echo --; df -kP $fsmounts 2>/dev/null; } | awk '
		$0 == "--" { body = 1; next }
		!body { ty[$1] = $2; dv[$1] = $3; next }
		NF >= 6 && ($NF in ty) && $2 ~ /^[0-9]+$/ && $3 ~ /^[0-9]+$/ && $2 > 0 && !seen[$NF]++ {
			printf "%s{\"mount\": \"%s\", \"device\": \"%s\", \"fs_type\": \"%s\", \"size_bytes\": %.0f, \"used_bytes\": %.0f}", sep, $NF, dv[$NF], ty[$NF], $2 * 1024, $3 * 1024
			sep = ", "
		}')
	fi
	nj= sep=
	for n in $(awk -F: 'NR > 2 { gsub(/ /, "", $1); if ($1 != "lo") print $1 }' /proc/net/dev); do
		nj="$nj$sep{\"name\": \"$(json "$n")\"}"
		sep=", "
	done
	tmp="$dir/.inventory.json.tmp$$"
	cat > "$tmp" <<EOJ
{
  "format_version": 1,
  "hostname": "$(json "$host")",
  "machine_id": "$(json "$mid")",
  "os": "$(json "$(uname -sr)")",
  "os_family": "linux",
  "cpu_model": "$(json "$model")",
  "sockets": ${sockets:-0},
  "cores": ${cores:-0},
  "threads": ${threads:-0},
  "cpu_mhz": ${mhz:-0},
  "mem_total_bytes": ${mem:-0},
  "disks": [$dj],
  "filesystems": [$fj],
  "nics": [$nj],
  "is_vm": $vm,
  "source": "kvmfit-collect.sh",
  "updated_at": "$(date -u +%Y-%m-%dT%H:%M:%SZ)",
  "notes": ["legacy shell collector: no CPU calibration"]
}
EOJ
	chmod 640 "$tmp" && mv -f "$tmp" "$dir/inventory.json"
}
inventory || log "inventory.json not written"

# Resume: drop a torn last line (a crash during a write), gzip plain files
# of days other than today (a .gz beside its .csv is an interrupted gzip).
today=$(date -u +%Y-%m-%d)
for f in "$dir"/samples-*.csv; do
	[ -f "$f" ] || continue
	if [ -n "$(tail -c 1 "$f")" ]; then
		sed '$d' "$f" > "$f.tmp" && cat "$f.tmp" > "$f" && rm -f "$f.tmp"
		log "$f: cut a torn last line"
	fi
	[ -s "$f" ] || { rm -f "$f"; continue; }
	case $f in *"samples-$today.csv") continue ;; esac
	rm -f "$f.gz"
	gzip -9 "$f" && chmod 640 "$f.gz"
done

log "collecting into $dir every ${sample}s (rows of ${interval}s)"
exec awk -v dir="$dir" -v iv="$interval" -v smp="$sample" -v dur="$duration" \
	-v disks="$disks" -v frac="$frac" -v fsmounts="$fsmounts" '
function fmt(v,   s) {
	s = sprintf("%.6f", v)
	sub(/0+$/, "", s); sub(/\.$/, "", s)
	return s
}
# civil date of a Unix day number (H. Hinnant, chrono-compatible algorithms).
function ymd(days,   z, era, doe, yoe, y, doy, mp, d, m) {
	z = days + 719468
	era = int(z / 146097)
	doe = z - era * 146097
	yoe = int((doe - int(doe / 1460) + int(doe / 36524) - int(doe / 146096)) / 365)
	y = yoe + era * 400
	doy = doe - (365 * yoe + int(yoe / 4) - int(yoe / 100))
	mp = int((5 * doy + 2) / 153)
	d = doy - int((153 * mp + 2) / 5) + 1
	m = mp < 10 ? mp + 3 : mp - 9
	if (m <= 2) y++
	return sprintf("%04d-%02d-%02d", y, m, d)
}
function stamp(t,   s) {
	s = t % 86400
	return ymd(int(t / 86400)) "T" sprintf("%02d:%02d:%02dZ", int(s / 3600), int(s % 3600 / 60), s % 60)
}
function wallnow(   cmd, t) {
	cmd = "date +%s.%N 2>/dev/null"
	cmd | getline t; close(cmd)
	if (t !~ /^[0-9]+(\.[0-9]+)?$/) { cmd = "date +%s"; cmd | getline t; close(cmd) }
	return t + 0
}
# uptime returns the seconds since boot of /proc/uptime (10 ms steps).
function uptime(   f, line, a) {
	f = "/proc/uptime"; getline line < f; close(f); split(line, a, " ")
	return a[1] + 0
}
# anchor ties the wall clock (date, nanoseconds where available) to the
# uptime. date runs in a child process: uptime is read as soon as it has
# answered, so the anchor lags by the child exiting, not by its start (nor
# by the sync that follows each row, which can take seconds under load).
function anchor() {
	wall0 = wallnow(); up0 = uptime()
}
function read(   f, line, a, n, i, name, ok) {
	S["up"] = uptime()
	f = "/proc/stat"
	while ((getline line < f) > 0) {
		n = split(line, a, " ")
		if (a[1] == "cpu") {
			S["idle"] = a[5] + (n >= 6 ? a[6] : 0)
			S["total"] = 0
			for (i = 2; i <= n && i <= 9; i++) S["total"] += a[i]
			break
		}
	}
	close(f)
	f = "/proc/meminfo"; delete M
	while ((getline line < f) > 0) { split(line, a, " "); sub(/:$/, "", a[1]); M[a[1]] = a[2] * 1024 }
	close(f)
	S["memtotal"] = M["MemTotal"]
	if ("MemAvailable" in M) S["memused"] = M["MemTotal"] - M["MemAvailable"]
	else S["memused"] = M["MemTotal"] - M["MemFree"] - M["Buffers"] - M["Cached"]
	S["rb"] = S["wb"] = S["ro"] = S["wo"] = 0
	f = "/proc/diskstats"
	while ((getline line < f) > 0) {
		n = split(line, a, " ")
		if (n >= 14 && (" " disks " ") ~ (" " a[3] " ")) {
			S["ro"] += a[4]; S["rb"] += a[6] * 512; S["wo"] += a[8]; S["wb"] += a[10] * 512
		}
	}
	close(f)
	S["rx"] = S["tx"] = 0
	f = "/proc/net/dev"
	while ((getline line < f) > 0) {
		if (line !~ /:/) continue
		sub(/:/, " ", line); n = split(line, a, " ")
		if (a[1] == "lo") continue
		S["rx"] += a[2]; S["tx"] += a[10]
	}
	close(f)
	fsread()
}
# fsread sets S["fsused"] to the used bytes of the local filesystems
# (df -kP, the Used column), read at most once a minute of uptime: they
# change slowly and df is a fork; -1 when df gave nothing.
function fsread(   cmd, line, a, n, sum) {
	if (fsmounts == "") { S["fsused"] = -1; return }
	if (fsat != "" && S["up"] - fsat < 60 && S["up"] >= fsat) return
	fsat = S["up"]; sum = 0; n = 0
	cmd = "df -kP " fsmounts " 2>/dev/null"
	while ((cmd | getline line) > 0) {
		if (split(line, a, " ") >= 6 && a[3] ~ /^[0-9]+$/) { sum += a[3] * 1024; n++ }
	}
	close(cmd)
	S["fsused"] = n > 0 ? sum : -1
}
# delta of a summed counter; -1 on a reset. A 32-bit wrap is counted across.
function delta(p, c,   d) {
	d = c - p
	if (d >= 0) return d
	if (p < 4294967296 && d + 4294967296 < 2147483648) return d + 4294967296
	return -1
}
function reset_iv(   k) {
	for (k in A) delete A[k]
}
function sub_sample(   dt, k, d, r, db, dtot) {
	dt = S["up"] - P["up"]
	if (dt > 0) {
		dtot = S["total"] - P["total"]; db = dtot - (S["idle"] - P["idle"])
		if (dtot > 0) {
			if (db < 0) db = 0
			if (db > dtot) db = dtot
			A["cb"] += db; A["ct"] += dtot; r = 100 * db / dtot
			if (r > A["cmax"]) A["cmax"] = r
		}
		split("rb wb ro wo", g1, " "); split("rx tx", g2, " ")
		addgroup(g1, 4, dt); addgroup(g2, 2, dt)
	}
	A["mu"] += S["memused"]; A["mt"] += S["memtotal"]; A["mn"]++
	if (S["memused"] > A["mumax"]) A["mumax"] = S["memused"]
	if (S["memtotal"] > A["mtmax"]) A["mtmax"] = S["memtotal"]
	if (S["fsused"] >= 0) {
		A["fu"] += S["fsused"]; A["fn"]++
		if (S["fsused"] > A["fumax"]) A["fumax"] = S["fsused"]
	}
	for (k in S) P[k] = S[k]
}
# adds a group of counters (disk or network) over dt seconds; a reset of
# any counter leaves the whole group out of this sub-sample.
function addgroup(g, n, dt,   i, k, r, ok) {
	ok = 1
	for (i = 1; i <= n; i++) { D[g[i]] = delta(P[g[i]], S[g[i]]); if (D[g[i]] < 0) ok = 0 }
	if (!ok) return
	for (i = 1; i <= n; i++) {
		k = g[i]; A[k] += D[k]; A[k "dt"] += dt; r = D[k] / dt
		if (r > A[k "max"]) A[k "max"] = r
	}
}
# writes the row in flight as ending at endwall (rounded to a second); it
# starts where the previous row ended, so a late wake-up on a loaded
# machine neither shifts nor stretches rows.
function emit(endwall,   len, start, day, file, line, k, i, ks, mean) {
	endwall = int(endwall + 0.5)
	start = ivstart; ivstart = endwall
	if (start < lastEnd) start = lastEnd
	len = endwall - start
	if (len < 1 || A["mn"] < 1) { reset_iv(); return }
	lastEnd = endwall
	day = ymd(int(start / 86400))
	file = dir "/samples-" day ".csv"
	if (day != curday) {
		if (curday != "") {
			close(curfile)
			system("gzip -9 \"" curfile "\" && chmod 640 \"" curfile ".gz\"")
		}
		curday = day; curfile = file
		if ((getline line < file) <= 0) newfile = 1; else newfile = 0
		close(file)
		# a day begun by an older version of this script has no
		# fs_used_bytes columns: its rows go on without them.
		fscols = newfile || line ~ /,fs_used_bytes_mean,/
		if (newfile) {
			printf "timestamp,interval_sec,cpu_busy_pct_mean,cpu_busy_pct_max,mem_used_bytes_mean,mem_used_bytes_max,mem_total_bytes_mean,mem_total_bytes_max,disk_read_bytes_per_sec_mean,disk_read_bytes_per_sec_max,disk_write_bytes_per_sec_mean,disk_write_bytes_per_sec_max,disk_read_iops_mean,disk_read_iops_max,disk_write_iops_mean,disk_write_iops_max,net_rx_bytes_per_sec_mean,net_rx_bytes_per_sec_max,net_tx_bytes_per_sec_mean,net_tx_bytes_per_sec_max,fs_used_bytes_mean,fs_used_bytes_max\n" >> file
		}
	}
	line = stamp(start) "," len
	if (A["ct"] > 0) { mean = 100 * A["cb"] / A["ct"]; line = line "," fmt(mean) "," fmt(A["cmax"] > mean ? A["cmax"] : mean) }
	else line = line ",,"
	line = line "," fmt(A["mu"] / A["mn"]) "," fmt(A["mumax"]) "," fmt(A["mt"] / A["mn"]) "," fmt(A["mtmax"])
	ks = "rb wb ro wo rx tx"; split(ks, kk, " ")
	for (i = 1; i <= 6; i++) {
		k = kk[i]
		if (A[k "dt"] > 0) { mean = A[k] / A[k "dt"]; line = line "," fmt(mean) "," fmt(A[k "max"] > mean ? A[k "max"] : mean) }
		else line = line ",,"
	}
	if (fscols) {
		if (A["fn"] > 0) line = line "," fmt(A["fu"] / A["fn"]) "," fmt(A["fumax"])
		else line = line ",,"
	}
	print line >> file
	fflush(file)
	system("sync")
	reset_iv()
}
BEGIN {
	read(); for (k in S) P[k] = S[k]
	upStart = S["up"]; anchor()
	ivstart = int(wall0 + (S["up"] - up0) + 0.5); lastEnd = 0; last = 0
	for (;;) {
		# now, not the time of the last reading: the sync after a row can
		# take a while, and sleeping from the reading would make the next
		# one late by that much.
		u = uptime(); wall = wall0 + (u - up0)
		tick = (int(wall / smp) + 1) * smp
		# /proc/uptime counts in 10 ms steps and each row re-anchors the
		# estimate to date: a reading at a tick can seem to come a few
		# milliseconds before it. Never aim at a tick already read (that
		# took a second reading milliseconds later, a sub-sample too short
		# to measure); a step back of the clock by more than a sample is
		# followed as before.
		if (tick <= last && last - wall < smp) tick = last + smp
		final = 0
		if (dur > 0 && u + (tick - wall) >= upStart + dur) { tick = wall + (upStart + dur - u); final = 1 }
		d = tick - wall
		if (d > 0) {
			if (frac) system(sprintf("sleep %.3f", d)); else system(sprintf("sleep %d", int(d + 0.999)))
		}
		read()
		sub_sample()
		wall = wall0 + (S["up"] - up0)
		if (final) { emit(wall); exit 0 }
		last = tick
		if (tick % iv == 0) {
			emit(tick)
			# re-anchor the wall clock once per row (clock steps, drift)
			anchor()
		}
	}
}'
