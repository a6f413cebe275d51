package report

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kvmfit/kvmfit/report/browsertest"
)

// TestChromiumLarge opens the report of 5,000 servers on 100 hosts in
// Chromium, checks that every chart draws with no console error, and logs
// the page size, the time to write it and the time to load and render it.
// It skips under -short and without Chromium (unless CI is set).
func TestChromiumLarge(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a browser on a 5,000-server report")
	}
	in := largeInput(5000, 100, slots)
	path := filepath.Join(t.TempDir(), "large-5000.html")
	start := time.Now()
	if err := WriteFile(path, in); err != nil {
		t.Fatal(err)
	}
	write := time.Since(start)
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	// No screenshot: the full page is about 100,000 pixels tall.
	res := browsertest.Check(t, path, "")
	// The summary, the sensitivity sweep, two fleet overlap charts, the
	// heat map and two per host.
	if want := 5 + 2*100; res.Charts != want {
		t.Errorf("%d charts drew, want %d", res.Charts, want)
	}
	t.Logf("5000 servers / 100 hosts: html_bytes=%d write_ms=%d load_ms=%d render_ms=%d",
		fi.Size(), write.Milliseconds(), res.Load.Milliseconds(), res.Render.Milliseconds())
}

// tableProbeJS drives the server table like a reader and reports what
// showed after each step.
const tableProbeJS = `(async function () {
  var wait = function (ms) { return new Promise(function (r) { setTimeout(r, ms); }); };
  var rows = function () { return Array.from(document.querySelectorAll("#server-table tbody tr")).filter(function (r) { return !r.hidden; }); };
  var col = function (c) { return rows().map(function (r) { return r.cells[c].textContent; }); };
  var txt = function (id) { return document.getElementById(id).textContent; };
  var heads = document.querySelectorAll("#server-table thead th button.sort");
  var filter = document.getElementById("server-filter");
  var type = async function (v) { filter.value = v; filter.dispatchEvent(new Event("input")); await wait(300); };
  var out = { tools: !document.getElementById("server-tools").hidden, buttons: heads.length };
  out.initial = { ids: col(0), count: txt("server-count"), page: txt("server-page"), prevDisabled: document.getElementById("server-prev").disabled };
  document.getElementById("server-next").click();
  out.next = { ids: col(0), page: txt("server-page") };
  heads[5].click();
  out.cpuAsc = { cpu: col(5), page: txt("server-page"), sort: heads[5].parentNode.getAttribute("aria-sort") };
  heads[5].click();
  out.cpuDesc = { cpu: col(5), sort: heads[5].parentNode.getAttribute("aria-sort") };
  heads[4].click();
  out.confAsc = col(4).slice(0, 3);
  heads[17].click(); heads[17].click();
  out.memDesc = col(17).slice(0, 3);
  heads[12].click(); heads[12].click();
  out.diskDesc = col(12).slice(0, 3);
  heads[0].click(); heads[0].click();
  out.idDesc = col(0).slice(0, 3);
  await type("SRV-00123");
  out.filterOne = { ids: col(0), count: txt("server-count"), page: txt("server-page") };
  await type("unplaced");
  out.filterUnplaced = col(0);
  await type("srv-0012 corp");
  out.filterWords = col(0);
  await type("no such server");
  out.filterNone = { n: rows().length, count: txt("server-count"), page: txt("server-page") };
  document.querySelector("a[href='#server-0200']").click();
  await wait(100);
  out.reveal = { visible: !document.getElementById("server-0200").hidden, filter: filter.value, page: txt("server-page") };
  await type("");
  document.getElementById("servers").scrollIntoView();
  return JSON.stringify(out);
})()`

// TestChromiumServerTable sorts, filters and pages the server table of a
// 250-server plan in Chromium.
func TestChromiumServerTable(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a browser")
	}
	path := filepath.Join(t.TempDir(), "table.html")
	if err := WriteFile(path, largeInput(250, 5, slots)); err != nil {
		t.Fatal(err)
	}
	out := browsertest.Eval(t, path, tableProbeJS, artifact(t, "server-table.png"))
	var got struct {
		Tools   bool
		Buttons int
		Initial struct {
			IDs          []string
			Count, Page  string
			PrevDisabled bool
		}
		Next struct {
			IDs  []string
			Page string
		}
		CPUAsc struct {
			CPU        []string
			Page, Sort string
		}
		CPUDesc struct {
			CPU  []string
			Sort string
		}
		ConfAsc   []string
		MemDesc   []string
		DiskDesc  []string
		IDDesc    []string
		FilterOne struct {
			IDs         []string
			Count, Page string
		}
		FilterUnplaced []string
		FilterWords    []string
		FilterNone     struct {
			N           int
			Count, Page string
		}
		Reveal struct {
			Visible      bool
			Filter, Page string
		}
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	check := func(ok bool, format string, args ...any) {
		t.Helper()
		if !ok {
			t.Errorf(format, args...)
		}
	}
	check(got.Tools && got.Buttons == 24, "tools shown %v, %d sort buttons, want 24", got.Tools, got.Buttons)
	// Confidence sorts by its data-sort key (stars, then days), not its text.
	check(len(got.ConfAsc) == 3 && strings.HasPrefix(got.ConfAsc[0], "★★☆☆☆"), "confidence ascending: %q", got.ConfAsc)
	check(len(got.MemDesc) == 3 && strings.HasSuffix(got.MemDesc[0], "→ 32.0"), "right-sized memory descending: %q", got.MemDesc)
	// Disks after sort as numbers, thousands separators and all.
	check(strings.Join(got.DiskDesc, " ") == "2,800 2,800 2,800", "disks after descending: %q", got.DiskDesc)
	check(len(got.Initial.IDs) == 100 && got.Initial.IDs[0] == "srv-00000" && got.Initial.Count == "250 servers" &&
		got.Initial.Page == "page 1 of 3" && got.Initial.PrevDisabled, "initial: %+v", got.Initial)
	check(len(got.Next.IDs) == 100 && got.Next.IDs[0] == "srv-00100" && got.Next.Page == "page 2 of 3", "next: %v", got.Next.Page)
	asc := numbersOf(got.CPUAsc.CPU)
	check(sort.Float64sAreSorted(asc) && got.CPUAsc.Sort == "ascending" && got.CPUAsc.Page == "page 1 of 3", "cpu ascending: %v %s %s", asc, got.CPUAsc.Sort, got.CPUAsc.Page)
	desc := numbersOf(got.CPUDesc.CPU)
	check(len(desc) == 100 && desc[0] >= desc[len(desc)-1] && sort.SliceIsSorted(desc, func(i, j int) bool { return desc[i] > desc[j] }) &&
		got.CPUDesc.Sort == "descending", "cpu descending: %v", desc)
	check(strings.Join(got.IDDesc, ",") == "srv-00249,srv-00248,srv-00247", "id descending: %v", got.IDDesc)
	check(len(got.FilterOne.IDs) == 1 && got.FilterOne.IDs[0] == "srv-00123" && got.FilterOne.Count == "1 of 250 servers match" &&
		got.FilterOne.Page == "page 1 of 1", "filter one: %+v", got.FilterOne)
	check(strings.Join(got.FilterUnplaced, ",") == "srv-00249,srv-00199,srv-00149,srv-00099,srv-00049", "filter unplaced: %v", got.FilterUnplaced)
	check(len(got.FilterWords) == 10, "filter two words: %v", got.FilterWords)
	check(got.FilterNone.N == 0 && got.FilterNone.Count == "0 of 250 servers match", "filter none: %+v", got.FilterNone)
	check(got.Reveal.Visible && got.Reveal.Filter == "", "a link to a filtered-out row did not reveal it: %+v", got.Reveal)
}

func numbersOf(s []string) []float64 {
	out := make([]float64, 0, len(s))
	for _, x := range s {
		v, err := strconv.ParseFloat(strings.ReplaceAll(x, ",", ""), 64)
		if err == nil {
			out = append(out, v)
		}
	}
	return out
}
