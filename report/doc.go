// Package report writes a kvmfit plan as one self-contained HTML page.
//
// The page shows the plan summary against the sum-of-peaks baseline and the
// lower bound, opened by a one-paragraph decision (what to buy, the lower
// bound, the sum-of-peaks baseline, cost and rack units of the chosen
// model); the fleet's peak overlap (the stacked demand of all servers over
// the profiled day against the sum of their peaks, with the ratio peak of
// the sum / sum of the peaks); the host models compared; every host with its
// servers, its peak utilisation per dimension and a stacked chart of its
// servers' demand against the host's usable and raw capacity; the servers
// that could not be placed, the warnings, every setting the plan assumed and
// a sortable, filterable, paginated table of all servers.
//
// report renders model.Plan and the model.Demand that was packed; the only
// arithmetic it does is to sum servers' demand per slot for the charts and
// the overlap ratio (folding the smallest servers into one "others" series:
// beyond 30 on a host chart, 15 on the fleet charts) and to downsample
// series longer than 600 slots with LTTB (lttb.go).
//
// # Large fleets
//
// A chart is initialised only when its container comes near the viewport
// (IntersectionObserver), so a plan of 5,000 servers on 100 hosts (203
// charts) opens without drawing them all; the server table shows 100 rows a
// page. BenchmarkWrite and TestChromiumLarge measure that size.
//
// # Offline and self-contained
//
// Charts are built with go-echarts (its option types only) and drawn by
// Apache ECharts 5.4.3, the version go-echarts v2.6.7 targets. echarts.min.js
// is vendored in assets/ (see assets/VERSIONS and the licence files next to
// it), embedded with go:embed and inlined into the page, so the page loads
// nothing: it carries a Content-Security-Policy that allows only its own three
// inline scripts (ECharts, the chart setup and the server table; by hash),
// no inline event handlers and no network access at all.
//
// # Escaping
//
// Every string from the data (server IDs, hostnames, host types, warnings) is
// escaped by html/template in the page. go-echarts' own script template is not
// used: it writes the chart options with HTML escaping turned off
// (json.Encoder.SetEscapeHTML(false), inserted via safeJS) and strips the
// marker "__f__" from the whole option text, so a server called
// "</script>…" or "__f__…__f__" could inject script. report instead takes the
// option object from the chart's JSON method and encodes it with
// encoding/json, which escapes <, > and & as \u003c, \u003e and \u0026.
//
// # Determinism
//
// Chart IDs are fixed ("chart-summary", "chart-overlap-cpu",
// "chart-host-001-cpu", …), options are
// encoded with sorted keys and no time is written, so the same input gives the
// same bytes.
package report
