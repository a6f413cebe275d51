package profile

import (
	"errors"
	"runtime"
	"sync/atomic"
	"testing"
)

// TestProfileEntriesOrderAndWindow checks that profileEntries hands every
// result to take in input order, never has more than its window of results
// done ahead of take, and reports progress up to the total.
func TestProfileEntriesOrderAndWindow(t *testing.T) {
	const n = 257
	entries := make([]entry, n)
	for k := range entries {
		entries[k].dir = string(rune('a' + k%26))
	}
	window := int64(4 * min(runtime.GOMAXPROCS(0), n))
	var ahead, most atomic.Int64
	work := func(k int) profiled {
		for range k % 7 {
			runtime.Gosched() // uneven work
		}
		a := ahead.Add(1)
		for {
			m := most.Load()
			if a <= m || most.CompareAndSwap(m, a) {
				break
			}
		}
		return profiled{storageWarn: string(rune(k))}
	}
	next := 0
	take := func(e entry, r profiled) error {
		ahead.Add(-1)
		if r.storageWarn != string(rune(next)) || e.dir != entries[next].dir {
			t.Fatalf("take got entry %q, want %d", r.storageWarn, next)
		}
		next++
		return nil
	}
	var last [2]int
	if err := profileEntries(entries, work, take, func(done, total int) { last = [2]int{done, total} }); err != nil {
		t.Fatal(err)
	}
	if next != n || last != [2]int{n, n} {
		t.Errorf("took %d, last progress %v; want %d, [%d %d]", next, last, n, n, n)
	}
	if m := most.Load(); m > window || m < 1 {
		t.Errorf("%d results done ahead of take, want 1 to %d", m, window)
	}
}

// TestProfileEntriesStopsOnError checks that an error from take is
// returned at once and no later entry is taken.
func TestProfileEntriesStopsOnError(t *testing.T) {
	entries := make([]entry, 100)
	bad := errors.New("bad server")
	taken := 0
	err := profileEntries(entries, func(k int) profiled { return profiled{} }, func(entry, profiled) error {
		taken++
		if taken == 37 {
			return bad
		}
		return nil
	}, nil)
	if !errors.Is(err, bad) || taken != 37 {
		t.Errorf("err %v after %d taken, want %v after 37", err, taken, bad)
	}
}
