package importer

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kvmfit/kvmfit/model"
)

func TestNmonLinux(t *testing.T) {
	file := filepath.Join(needShared(t, "nmon"), "samples", "linux_150818_1024.nmon.gz")
	out := filepath.Join(t.TempDir(), "out")
	var w warnings
	sum, err := Nmon([]string{file}, out, NmonOptions{Options: w.opts(), Location: time.FixedZone("CEST", 2*3600)})
	checkClean(t, sum, err, w, 1, 47)
	s := oneServer(t, out)
	ser := &s.Series
	// 48 ZZZZ lines, the last without data. F=linux_150818_1024.nmon.gz
	// zcat $F | awk -F, '$1=="CPU_ALL" && $2 ~ /^T/ {n++; s+=100-$6-$5; if(100-$6-$5>m)m=100-$6-$5} END{printf "cpu n=%d mean=%.10f max=%.10f\n", n, s/n, m}'
	// → cpu n=47 mean=28.9787234043 max=54.3000000000
	checkClose(t, "mean cpu", mean(ser.Mean[model.CPUBusyPct]), 28.9787234043)
	checkClose(t, "max cpu", maxOf(ser.Max[model.CPUBusyPct]), 54.3)
	// memtotal $3, memfree $7, cached $12, buffers $15 (MB):
	// zcat $F | awk -F, '$1=="MEM" && $2 ~ /^T/ {n++; u=($3-$7-$12-$15)*1048576; s+=u; if(u>m)m=u; t=$3*1048576} END{printf "mem n=%d mean=%.6f max=%.6f total=%.0f\n", n, s/n, m, t}'
	// → mem n=47 mean=6339532094.093617 max=6589985587.200000 total=8249147392
	checkClose(t, "mean mem used", mean(ser.Mean[model.MemUsedBytes]), 6339532094.093617)
	checkClose(t, "max mem used", maxOf(ser.Max[model.MemUsedBytes]), 6589985587.2)
	// Whole disks are sda ($3) and sdb ($6); partitions, dm-* and loop* are not:
	// zcat $F | awk -F, '$1=="DISKREAD" && $2 ~ /^T/ {n++; s+=($3+$6)*1024} $1=="DISKWRITE" && $2 ~ /^T/ {w+=($3+$6)*1024}
	//   $1=="DISKXFER" && $2 ~ /^T/ {x+=$3+$6} END{printf "disk n=%d rd=%.6f wr=%.6f xfer=%.6f\n", n, s/n, w/n, x/n}'
	// → disk n=47 rd=2171980.255319 wr=2431649.225532 xfer=221.082979
	checkClose(t, "mean disk read", mean(ser.Mean[model.DiskReadBytesPerSec]), 2171980.255319)
	checkClose(t, "mean disk write", mean(ser.Mean[model.DiskWriteBytesPerSec]), 2431649.225532)
	var iops float64
	for i := range ser.Start {
		iops += ser.Mean[model.DiskReadIOPS][i] + ser.Mean[model.DiskWriteIOPS][i]
	}
	checkClose(t, "mean disk iops", iops/float64(ser.Len()), 221.082979)
	// Every interface but lo:
	// zcat $F | awk -F, '$1=="NET" && $2 !~ /^T/ {for(i=3;i<=NF;i++){h[i]=$i}} $1=="NET" && $2 ~ /^T/ {n++; for(i=3;i<=NF;i++){
	//   if(h[i] ~ /^lo-/) continue; if(h[i] ~ /-read-KB\/s$/) rx+=$i*1024; else if(h[i] ~ /-write-KB\/s$/) tx+=$i*1024}} END{printf "net n=%d rx=%.6f tx=%.6f\n", n, rx/n, tx/n}'
	// → net n=47 rx=150353.702128 tx=10011.234043
	checkClose(t, "mean net rx", mean(ser.Mean[model.NetRxBytesPerSec]), 150353.702128)
	checkClose(t, "mean net tx", mean(ser.Mean[model.NetTxBytesPerSec]), 10011.234043)
	// ZZZZ,T0001,10:24:26,18-AUG-2015 at UTC+2; the recording began at
	// AAA,time 10:24.25, so the first snapshot lasts 1 s; then 30 s each.
	first := time.Date(2015, 8, 18, 8, 24, 25, 0, time.UTC).Unix()
	if ser.Start[0] != first || ser.IntervalSec[0] != 1 || ser.IntervalSec[1] != 30 || ser.Start[46] != first+1+45*30 {
		t.Errorf("starts %d.. %d, intervals %d %d", ser.Start[0], ser.Start[46], ser.IntervalSec[0], ser.IntervalSec[1])
	}
	inv := s.Inventory
	if inv.Hostname != "linux" || inv.MemTotalBytes != 8249147392 || inv.Threads != 4 || inv.Cores != 2 || inv.Sockets != 1 ||
		inv.CPUModel != "Intel(R) Core(TM) i5-2520M CPU @ 2.50GHz" || !strings.HasPrefix(inv.OS, "Linux 4.1.3") || inv.OSFamily != "linux" {
		t.Errorf("inventory %+v", inv)
	}
	var disks []string
	for _, d := range inv.Disks {
		disks = append(disks, d.Name)
	}
	if strings.Join(disks, " ") != "sda sdb" {
		t.Errorf("disks %q", disks)
	}
	for _, n := range inv.NICs {
		if n.Name == "lo" {
			t.Error("lo is a NIC")
		}
	}
}

// aixNmon is a hand-made AIX nmon file: MEM in AIX layout, MEMNEW, two
// snapshots.
const aixNmon = `AAA,progname,topas_nmon
AAA,AIX,7.2.5.0
AAA,host,aixbox
AAA,interval,60
AAA,cpus,8,4
AAA,time,09:59:00
AAA,date,01-FEB-2024
CPU_ALL,CPU Total aixbox,User%,Sys%,Wait%,Idle%,Busy,PhysicalCPUs
MEM,Memory aixbox,Real Free %,Virtual free %,Real free(MB),Virtual free(MB),Real total(MB),Virtual total(MB)
MEMNEW,Memory New aixbox,Process%,FScache%,System%,Free%,Pinned%,User%
DISKREAD,Disk Read KB/s aixbox,hdisk0,hdisk1
DISKWRITE,Disk Write KB/s aixbox,hdisk0,hdisk1
DISKXFER,Disk transfers per second aixbox,hdisk0,hdisk1
NET,Network I/O aixbox,en0-read-KB/s,lo0-read-KB/s,en0-write-KB/s,lo0-write-KB/s
ZZZZ,T0001,10:00:00,01-FEB-2024
CPU_ALL,T0001,10.0,5.0,5.0,80.0,,4
MEM,T0001,25.0,50.0,4096.0,2048.0,16384.0,4096.0
MEMNEW,T0001,30.0,40.0,5.0,25.0,10.0,30.0
DISKREAD,T0001,100.0,0.0
DISKWRITE,T0001,300.0,0.0
DISKXFER,T0001,8.0,0.0
NET,T0001,10.0,99.0,20.0,99.0
ZZZZ,T0002,10:01:00,01-FEB-2024
CPU_ALL,T0002,50.0,10.0,0.0,40.0,,4
MEM,T0002,25.0,50.0,4096.0,2048.0,16384.0,4096.0
DISKREAD,T0002,0.0,0.0
DISKWRITE,T0002,0.0,0.0
DISKXFER,T0002,2.0,0.0
`

func TestNmonAIX(t *testing.T) {
	dir := t.TempDir()
	files := writeFiles(t, dir, "aixbox_240201_0959.nmon", aixNmon)
	out := filepath.Join(dir, "out")
	if _, err := Nmon(files, out, NmonOptions{}); err != nil {
		t.Fatal(err)
	}
	s := oneServer(t, out)
	const mb = 1 << 20
	// T0001: 60 s from AAA time 09:59:00; busy 100-80-5; used = 16384 MB ×
	// (30+5)%; IOPS 8 split 1:3 by KB read:written. T0002 has no MEMNEW:
	// used = total - Real free; no NET section: no network.
	checkSamples(t, s, []sampleWant{
		{"2024-02-01T09:59:00Z", 60, 15, 16384 * 0.35 * mb, 16384 * mb, 100 * 1024, 300 * 1024, 2, 6, 10 * 1024, 20 * 1024},
		{"2024-02-01T10:00:00Z", 60, 60, (16384 - 4096) * mb, 16384 * mb, 0, 0, 1, 1, nan, nan},
	})
	inv := s.Inventory
	if inv.OSFamily != "aix" || inv.OS != "AIX 7.2.5.0" || inv.Threads != 8 || len(inv.NICs) != 1 || inv.NICs[0].Name != "en0" {
		t.Errorf("inventory %+v", inv)
	}
}

func TestNmonMalformed(t *testing.T) {
	good := strings.Replace(aixNmon, "aixbox", "other", -1)
	checkMalformed(t, []malformed{
		{"bad number", strings.Replace(aixNmon, "CPU_ALL,T0002,50.0,10.0,0.0,40.0", "CPU_ALL,T0002,50.0,10.0,0.0,abc", 1), ":24:", "CPU_ALL Idle%", `"abc" in snapshot T0002 is not a number`},
		{"bad time", strings.Replace(aixNmon, "ZZZZ,T0002,10:01:00", "ZZZZ,T0002,25:01:00", 1), ":23:", "ZZZZ", "not a time"},
		{"sorted", strings.Replace(aixNmon, "ZZZZ,T0001,10:00:00,01-FEB-2024\n", "", 1), ":15:", "CPU_ALL", "before its ZZZZ line"},
		{"no AAA", "CPU_ALL,T0001,1,2,3,4\n", ":1:", "AAA", "not an nmon file"},
	}, "good.nmon", good, "bad file.nmon", func(files []string, out string) error {
		_, err := Nmon(files, out, NmonOptions{})
		return err
	})
}

// TestNmonLinuxStorage checks storage from the Linux sample: df -m of the
// configuration section gives the sizes of /, /boot, /home and /disk2 (the
// local ones of JFSFILE: /dev, /run and /tmp are devtmpfs and tmpfs), and
// JFSFILE their %Used ($5, $7, $8, $9) in every snapshot:
//
//	zcat $F | awk -F, '$1=="JFSFILE" && $2 ~ /^T/ {n++; u=(50269*$5+477*$7+61340*$8+112546*$9)/100*1048576; s+=u; if(u>m)m=u}
//	  END{printf "fs n=%d mean=%.6f max=%.6f\n", n, s/n, m}'
//	→ fs n=47 mean=187214331212.386047 max=187731014582.272034
//
// The last snapshot has / at 79.2 %, /boot 45.9, /home 77.4, /disk2 81.2;
// /proc/partitions gives sda 125034840 KiB and sdb 117220824 KiB.
func TestNmonLinuxStorage(t *testing.T) {
	file := filepath.Join(needShared(t, "nmon"), "samples", "linux_150818_1024.nmon.gz")
	out := filepath.Join(t.TempDir(), "out")
	if _, err := Nmon([]string{file}, out, NmonOptions{}); err != nil {
		t.Fatal(err)
	}
	s := oneServer(t, out)
	ser := &s.Series
	checkClose(t, "mean fs used", mean(ser.Mean[model.FSUsedBytes]), 187214331212.386047)
	checkClose(t, "max fs used", maxOf(ser.Max[model.FSUsedBytes]), 187731014582.272034)
	used := func(mib, pct float64) int64 { return int64(mib * mib1 * pct / 100) }
	checkFilesystems(t, s.Inventory, []model.Filesystem{
		{Mount: "/", Device: "/dev/mapper/fedora_dhcp--9--212--1--217-root", FSType: "ext4", SizeBytes: 50269 * mib1, UsedBytes: used(50269, 79.2)},
		{Mount: "/boot", Device: "/dev/sda1", FSType: "ext4", SizeBytes: 477 * mib1, UsedBytes: used(477, 45.9)},
		{Mount: "/disk2", Device: "/dev/dm-6", FSType: "ext4", SizeBytes: 112546 * mib1, UsedBytes: used(112546, 81.2)},
		{Mount: "/home", Device: "/dev/mapper/fedora_dhcp--9--212--1--217-home", FSType: "ext4", SizeBytes: 61340 * mib1, UsedBytes: used(61340, 77.4)},
	})
	if d := s.Inventory.Disks; len(d) != 2 || d[0].SizeBytes != 125034840*1024 || d[1].SizeBytes != 117220824*1024 {
		t.Errorf("disks %+v", d)
	}
	if hasNote(s.Inventory, noStorageNote) {
		t.Errorf("notes %q", s.Inventory.Notes)
	}
}

const mib1 = 1 << 20

// TestNmonAIXStorage adds to the AIX file what AIX nmon records of storage:
// the disk list with sizes in GB (BBBB) and JFSFILE percentages, but no
// filesystem sizes: the filesystems are listed without sizes, fs_used_bytes
// is not recorded, and a note says so. /proc is not a local filesystem.
func TestNmonAIXStorage(t *testing.T) {
	data := strings.Replace(aixNmon, "AAA,date,01-FEB-2024\n", "AAA,date,01-FEB-2024\nBBBB,0000,name,size(GB),disc attach type\nBBBB,0001,hdisk0,68.25,SAS Disk Drive\nBBBB,0002,hdisk1,136.5,SAS Disk Drive\n", 1)
	data = strings.Replace(data, "ZZZZ,T0001", "JFSFILE,JFS Filespace %Used aixbox,/,/home,/proc\nZZZZ,T0001", 1)
	data = strings.Replace(data, "NET,T0001,10.0,99.0,20.0,99.0\n", "NET,T0001,10.0,99.0,20.0,99.0\nJFSFILE,T0001,50.0,20.5,0.0\n", 1)
	dir := t.TempDir()
	files := writeFiles(t, dir, "aixbox.nmon", data)
	out := filepath.Join(dir, "out")
	if _, err := Nmon(files, out, NmonOptions{}); err != nil {
		t.Fatal(err)
	}
	s := oneServer(t, out)
	checkFSUsed(t, s, []float64{nan, nan})
	checkFilesystems(t, s.Inventory, []model.Filesystem{{Mount: "/"}, {Mount: "/home"}})
	if d := s.Inventory.Disks; len(d) != 2 || d[0].SizeBytes != 68.25*(1<<30) || d[1].SizeBytes != 136.5*(1<<30) {
		t.Errorf("disks %+v", d)
	}
	if !slices.ContainsFunc(s.Inventory.Notes, func(n string) bool { return strings.HasPrefix(n, "nmon gives filesystem percentages only") }) {
		t.Errorf("notes %q", s.Inventory.Notes)
	}
}
