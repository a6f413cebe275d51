package binpack

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// benchDir is where the published benchmark sets are (../shared/data from
// the repository root).
var benchDir = filepath.Join("..", "..", "shared", "data", "binpacking")

// The search budget per instance of the quality table: the default of
// `kvmfit solve` (2·10⁷ work units) on the classic one-dimensional sets, a
// quarter of it on the larger sets so that the whole table takes minutes.
const (
	qualityWork      = 20_000_000
	qualityWorkLarge = 5_000_000
)

type qualitySet struct {
	dir, format string
	best        string // values.csv column with the best known value
	work        int64
}

var qualitySets = []qualitySet{
	{"falkenauer", "bpp", "ub", qualityWork},
	{"scholl", "bpp", "ub", qualityWork},
	{"schwerin", "bpp", "ub", qualityWork},
	{"waescher", "bpp", "ub", qualityWork},
	{"hard28", "bpp", "ub", qualityWork},
	{"ani_ai", "bpp", "ub", qualityWorkLarge},
	{"vbp_triplet", "vbp", "best_known", qualityWorkLarge},
	{"vbp_panigrahy", "vbp", "best_known", qualityWorkLarge},
	{"vbp_new", "vbp", "best_known", qualityWorkLarge},
	{"tbpp_aydin", "tbpp", "lb_servers", qualityWorkLarge},
	{"tbpp_azure", "tbpp", "", qualityWorkLarge},
}

// BenchmarkQuality solves every development instance of the published
// benchmark sets in ../shared/data/binpacking and prints the quality table:
// per set, the instances where the packer reaches the best known value
// (proven optima for most), the mean gap to it, and the mean gap to the
// packer's own lower bound. Run it with
//
//	go test -run '^$' -bench Quality -benchtime 1x ./binpack/
//
// KVMFIT_QUALITY_SETS=falkenauer,hard28 restricts the sets.
func BenchmarkQuality(b *testing.B) {
	if _, err := os.Stat(benchDir); err != nil {
		if os.Getenv("CI") != "" {
			b.Fatalf("benchmark data missing: %v", err)
		}
		b.Skipf("benchmark data not found at %s", benchDir)
	}
	only := map[string]bool{}
	for _, s := range strings.Split(os.Getenv("KVMFIT_QUALITY_SETS"), ",") {
		if s != "" {
			only[s] = true
		}
	}
	for b.Loop() {
		var lines []string
		lines = append(lines, fmt.Sprintf("%-14s %5s %9s %7s %9s %9s %9s %8s %7s %9s",
			"set", "inst", "at_best", "pct", "bins", "best", "gap_best%", "gap_lb%", "sec", "work"))
		for _, qs := range qualitySets {
			if len(only) > 0 && !only[qs.dir] {
				continue
			}
			row, err := qualityRow(qs)
			if err != nil {
				b.Fatal(err)
			}
			lines = append(lines, row)
		}
		b.Logf("quality table (at_best: instances at the best known value, mostly proven optima; gaps are means per instance):\n%s", strings.Join(lines, "\n"))
	}
}

// readValues reads a benchmark set's values.csv: the index of every
// column by its name, and the rows below the header.
func readValues(dir string) (map[string]int, [][]string, error) {
	f, err := os.Open(filepath.Join(dir, "values.csv"))
	if err != nil {
		return nil, nil, err
	}
	recs, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil {
		return nil, nil, err
	}
	if len(recs) == 0 {
		return nil, nil, fmt.Errorf("%s: values.csv is empty", dir)
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[h] = i
	}
	return col, recs[1:], nil
}

// benchValues is readValues for a test on the set named set: it skips the
// test when the benchmark data is not there, and fails it under CI.
func benchValues(t *testing.T, set string) (dir string, col map[string]int, rows [][]string) {
	t.Helper()
	dir = filepath.Join(benchDir, set)
	col, rows, err := readValues(dir)
	if errors.Is(err, fs.ErrNotExist) && os.Getenv("CI") == "" {
		t.Skipf("benchmark data not found at %s (../shared/data/binpacking from the repository root)", dir)
	}
	if err != nil {
		t.Fatalf("benchmark data: %v", err)
	}
	return dir, col, rows
}

func qualityRow(qs qualitySet) (string, error) {
	dir := filepath.Join(benchDir, qs.dir)
	col, rows, err := readValues(dir)
	if err != nil {
		return "", err
	}
	type res struct {
		bins, lb, best int
		sec            float64
	}
	out := make([]res, len(rows))
	errs := make([]error, len(rows))
	var wg sync.WaitGroup
	next := make(chan int)
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range next {
				r := rows[k]
				data, err := os.ReadFile(filepath.Join(dir, r[col["file"]]))
				if err != nil {
					errs[k] = err
					continue
				}
				var inst *Instance
				switch qs.format {
				case "bpp":
					inst, err = ParseBPP(r[0], data)
				case "vbp":
					inst, err = ParseVBP(r[0], data)
				default:
					inst, err = ParseTBPP(r[0], data)
				}
				if err != nil {
					errs[k] = err
					continue
				}
				start := time.Now()
				sol := Solve(inst, SolveOptions{Work: qs.work, Seed: 1, Deadline: start.Add(30 * time.Second)})
				best := -1
				if qs.best != "" {
					best, _ = strconv.Atoi(r[col[qs.best]])
				}
				out[k] = res{len(sol.Bins), sol.LowerBound, best, time.Since(start).Seconds()}
			}
		}()
	}
	for k := range rows {
		next <- k
	}
	close(next)
	wg.Wait()
	n, atBest, bins, best := 0, 0, 0, 0
	gapBest, gapLB, sec := 0.0, 0.0, 0.0
	for k, r := range out {
		if errs[k] != nil {
			return "", errs[k]
		}
		n++
		bins += r.bins
		sec += r.sec
		gapLB += 100 * float64(r.bins-r.lb) / float64(max(r.lb, 1))
		if r.best > 0 {
			best += r.best
			if r.bins <= r.best {
				atBest++
			}
			gapBest += 100 * float64(r.bins-r.best) / float64(r.best)
		}
	}
	if qs.best == "" {
		return fmt.Sprintf("%-14s %5d %9s %7s %9d %9s %9s %8.2f %7.1f %9d", qs.dir, n, "-", "-", bins, "-", "-", gapLB/float64(n), sec, qs.work), nil
	}
	return fmt.Sprintf("%-14s %5d %9d %6.1f%% %9d %9d %9.2f %8.2f %7.1f %9d", qs.dir, n, atBest, 100*float64(atBest)/float64(n),
		bins, best, gapBest/float64(n), gapLB/float64(n), sec, qs.work), nil
}
