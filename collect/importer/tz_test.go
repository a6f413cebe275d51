package importer

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kvmfit/kvmfit/model"
)

// spans lists each sample as "START+SECONDS" (UTC).
func spans(s *model.Server) string {
	var out []string
	for i := range s.Series.Len() {
		out = append(out, fmt.Sprintf("%s+%d", time.Unix(s.Series.Start[i], 0).UTC().Format("15:04"), s.Series.IntervalSec[i]))
	}
	return strings.Join(out, " ")
}

func berlin(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skipf("no time zone database: %v", err)
	}
	return loc
}

// nmonAt is an nmon recording of host berlin1 on date (DD-MON-YYYY), 5
// minutes apart, started at aaa ("HH:MM.SS") with snapshots at the given
// local times.
func nmonAt(date, aaa string, clocks ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "AAA,host,berlin1\nAAA,date,%s\nAAA,time,%s\nAAA,interval,300\nAAA,cpus,4\nCPU_ALL,CPU Total berlin1,User%%,Sys%%,Wait%%,Idle%%,Steal%%,Busy,CPUs\n", date, aaa)
	for i, c := range clocks {
		fmt.Fprintf(&b, "ZZZZ,T%04d,%s,%s\nCPU_ALL,T%04d,1,1,0,%d,0,,4\n", i+1, c, date, i+1, 90-i)
	}
	return b.String()
}

// Local times are read in the --tz zone across the daylight-saving
// changes (Europe/Berlin: 29 March 2026 02:00 CET → 03:00 CEST, 25 October
// 2026 03:00 CEST → 02:00 CET), and without --tz they are read as UTC with
// a warning naming the file and an inventory that says it was assumed.
func TestNmonTimeZone(t *testing.T) {
	loc := berlin(t)
	for _, c := range []struct {
		name, file string
		loc        *time.Location
		want       string
		tz         string
		assumed    bool
	}{
		// 01:45 CET = 00:45 UTC; 03:00 CEST = 01:00 UTC: all 5 minutes.
		{"spring", nmonAt("29-MAR-2026", "01:45.00", "01:50:00", "01:55:00", "03:00:00", "03:05:00"), loc,
			"00:45+300 00:50+300 00:55+300 01:00+300", "Europe/Berlin", false},
		// 02:45 and 02:50 CEST = 00:45, 00:50 UTC; then 02:00 CET = 01:00 UTC.
		{"autumn", nmonAt("25-OCT-2026", "02:45.00", "02:50:00", "02:55:00", "02:00:00", "02:05:00"), loc,
			"00:45+300 00:50+300 00:55+300 01:00+300", "Europe/Berlin", false},
		// Read as UTC, the hour skipped in spring is a 65-minute sample.
		{"assumed", nmonAt("29-MAR-2026", "01:45.00", "01:50:00", "01:55:00", "03:00:00", "03:05:00"), nil,
			"01:45+300 01:50+300 01:55+3900 03:00+300", "UTC", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			files := writeFiles(t, dir, "berlin1.nmon", c.file)
			out := filepath.Join(dir, "out")
			var w warnings
			if _, err := Nmon(files, out, NmonOptions{Options: w.opts(), Location: c.loc}); err != nil {
				t.Fatal(err)
			}
			s := oneServer(t, out)
			if got := spans(s); got != c.want {
				t.Errorf("samples %s, want %s", got, c.want)
			}
			if s.Inventory.TimeZone != c.tz || s.Inventory.TimeZoneAssumed != c.assumed {
				t.Errorf("time zone %q assumed %v, want %q %v", s.Inventory.TimeZone, s.Inventory.TimeZoneAssumed, c.tz, c.assumed)
			}
			if c.assumed {
				w.find(t, files[0]+": the times of nmon ZZZZ lines are local, without a zone, and --tz was not given: read as UTC, an assumption")
			} else if len(w) > 0 {
				t.Errorf("warnings %q", w)
			}
		})
	}
}

func TestSarTextTimeZone(t *testing.T) {
	loc := berlin(t)
	sar := func(date string, clocks ...string) string {
		s := "Linux 3.10.0 (berlin1) \t" + date + " \t_x86_64_\t(4 CPU)\n\n" + clocks[0] + " CPU %user %nice %system %iowait %steal %idle\n"
		for _, c := range clocks[1:] {
			s += c + " all 1 0 1 0 0 90\n"
		}
		return s
	}
	for _, c := range []struct {
		name, file string
		loc        *time.Location
		want       string
		assumed    bool
	}{
		{"spring", sar("03/29/26", "01:45:00", "01:50:00", "01:55:00", "03:00:00", "03:05:00"), loc, "00:45+300 00:50+300 00:55+300 01:00+300", false},
		// The clock going back from 02:55 to 02:00 is the repeated hour,
		// not a new day.
		{"autumn", sar("10/25/26", "02:45:00", "02:50:00", "02:55:00", "02:00:00", "02:05:00"), loc, "00:45+300 00:50+300 00:55+300 01:00+300", false},
		{"assumed", sar("03/29/26", "01:45:00", "01:50:00", "01:55:00", "03:00:00", "03:05:00"), nil, "01:45+300 01:50+300 01:55+3900 03:00+300", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			files := writeFiles(t, dir, "sar.txt", c.file)
			out := filepath.Join(dir, "out")
			var w warnings
			if _, err := Sar(files, out, SarOptions{Options: w.opts(), Location: c.loc}); err != nil {
				t.Fatal(err)
			}
			s := oneServer(t, out)
			if got := spans(s); got != c.want {
				t.Errorf("samples %s, want %s", got, c.want)
			}
			wantTZ := "Europe/Berlin"
			if c.assumed {
				wantTZ = "UTC"
				w.find(t, files[0]+": the times of sar -A text are local, without a zone, and --tz was not given: read as UTC, an assumption")
			}
			if s.Inventory.TimeZone != wantTZ || s.Inventory.TimeZoneAssumed != c.assumed {
				t.Errorf("time zone %q assumed %v, want %q %v", s.Inventory.TimeZone, s.Inventory.TimeZoneAssumed, wantTZ, c.assumed)
			}
		})
	}
}

// sadf -d output carries UTC: no zone to assume, no warning.
func TestSadfNoTimeZone(t *testing.T) {
	dir := t.TempDir()
	files := writeFiles(t, dir, "d.csv", "# hostname;interval;timestamp;CPU;%user;%nice;%system;%iowait;%steal;%idle\nh;60;2024-02-01 10:01:00 UTC;-1;1;0;1;0;0;98\n")
	var w warnings
	if _, err := Sar(files, filepath.Join(dir, "out"), SarOptions{Options: w.opts()}); err != nil {
		t.Fatal(err)
	}
	if len(w) > 0 {
		t.Errorf("warnings %q", w)
	}
	if inv := oneServer(t, filepath.Join(dir, "out")).Inventory; inv.TimeZone != "" || inv.TimeZoneAssumed {
		t.Errorf("time zone %q assumed %v, want none", inv.TimeZone, inv.TimeZoneAssumed)
	}
}

// perfmon: the header's fixed offset without --tz (a daylight-saving change
// inside the log is missed), the zone's rules with it.
func TestPerfmonTimeZone(t *testing.T) {
	loc := berlin(t)
	log := `"(PDH-CSV 4.0) (W. Europe Standard Time)(-60)","\\WEB01\Processor(_Total)\% Processor Time"` + "\n" +
		`"03/29/2026 01:50:00.000","10"` + "\n" + `"03/29/2026 01:55:00.000","20"` + "\n" + `"03/29/2026 03:00:00.000","30"` + "\n"
	for _, c := range []struct {
		name     string
		loc      *time.Location
		want, tz string
	}{
		{"header", nil, "00:45+300 00:50+300 00:55+3900", "UTC+01:00"},
		{"tz", loc, "00:45+300 00:50+300 00:55+300", "Europe/Berlin"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			files := writeFiles(t, dir, "web01.csv", log)
			out := filepath.Join(dir, "out")
			if _, err := Perfmon(files, out, PerfmonOptions{Location: c.loc}); err != nil {
				t.Fatal(err)
			}
			s := oneServer(t, out)
			if got := spans(s); got != c.want {
				t.Errorf("samples %s, want %s", got, c.want)
			}
			if s.Inventory.TimeZone != c.tz || s.Inventory.TimeZoneAssumed {
				t.Errorf("time zone %q assumed %v, want %q given", s.Inventory.TimeZone, s.Inventory.TimeZoneAssumed, c.tz)
			}
		})
	}
	// A --tz that disagrees with the header is said.
	dir := t.TempDir()
	files := writeFiles(t, dir, "web01.csv", log)
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skip(err)
	}
	var w warnings
	if _, err := Perfmon(files, filepath.Join(dir, "out"), PerfmonOptions{Options: w.opts(), Location: ny}); err != nil {
		t.Fatal(err)
	}
	w.find(t, files[0]+":2: the log header gives UTC+01:00 (W. Europe Standard Time) but --tz America/New_York is UTC-04:00 at 03/29/2026 01:50:00.000")
}

// A CSV mapping's layout without a zone: assumed UTC with a warning, or read
// in the zone SetTimezone gives (the --tz flag).
func TestCSVTimeZone(t *testing.T) {
	berlin(t)
	csv := "time,cpu\n2026-03-29 01:55,10\n2026-03-29 03:00,20\n"
	for _, c := range []struct {
		name, tz string
		want     string
		assumed  bool
	}{
		{"assumed", "", "01:55+300 03:00+300", true},
		{"tz", "Europe/Berlin", "00:55+300 01:00+300", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			files := writeFiles(t, dir, "web01.csv", csv)
			m := &CSVMapping{Interval: "5m", Metrics: []CSVMetric{{Column: "cpu", Metric: "cpu_busy_pct", Unit: "percent"}}}
			m.Timestamp.Column, m.Timestamp.Format = "time", "2006-01-02 15:04"
			if err := m.check(); err != nil {
				t.Fatal(err)
			}
			if c.tz != "" {
				if err := m.SetTimezone(c.tz); err != nil {
					t.Fatal(err)
				}
			}
			out := filepath.Join(dir, "out")
			var w warnings
			if _, err := CSV(files, out, m, w.opts()); err != nil {
				t.Fatal(err)
			}
			s := oneServer(t, out)
			if got := spans(s); got != c.want {
				t.Errorf("samples %s, want %s", got, c.want)
			}
			wantTZ := c.tz
			if c.assumed {
				wantTZ = "UTC"
				w.find(t, files[0]+`: the times of the timestamp format "2006-01-02 15:04" are local, without a zone, and --tz was not given`)
			}
			if s.Inventory.TimeZone != wantTZ || s.Inventory.TimeZoneAssumed != c.assumed {
				t.Errorf("time zone %q assumed %v, want %q %v", s.Inventory.TimeZone, s.Inventory.TimeZoneAssumed, wantTZ, c.assumed)
			}
		})
	}
	m := &CSVMapping{}
	m.Timestamp.Timezone = "Europe/Paris"
	if err := m.SetTimezone("Europe/Berlin"); err == nil || !strings.Contains(err.Error(), "timestamp.timezone is Europe/Paris, not Europe/Berlin") {
		t.Errorf("conflicting zones: %v", err)
	}
}
