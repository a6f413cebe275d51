// Package report writes a kvmfit plan as one self-contained HTML page.
//
// The page shows, in order:
//
//   - the summary: a one-paragraph decision (what to buy, hosts for the
//     load and HA spares apart, the lower bound, how much data the plan
//     stands on per server against min_days and recommended_days (a guess,
//     in bold red, a first estimate or enough), every problem of the input
//     data in the model's words (plan.json input_issues; in bold red when
//     it makes the figures wrong), what virtualisation
//     costs (plan.json overhead.summary), whether the VM disks fit their
//     storage (in bold red when not), whether N+k was proven,
//     the sum-of-peaks and per-VM P95 × 1.3 baselines, the overload
//     predicted for the month ahead, the servers with an evidence reserve,
//     cost part by part (in bold red when some candidate's cost leaves out
//     what others include: candidates[].cost_excludes, or the chosen
//     model's new storage pool has no price), power before and after with
//     how many servers' watts were a default, and last how many risks the
//     Risks section lists and of which kinds: both read one list,
//     risklist.go riskItems), key
//     figures (among them the hosts virtualisation costs and the storage
//     used today and placed after) and a bar chart against
//     the baselines and the lower bound, and a paragraph on the CPU cap and
//     the evidence reserve (server_details[].analysis.entitlement). The
//     savings compare the hosts the load needs (hosts_without_ha) with the
//     baselines' hosts, which carry no spares either, and are computed
//     from the two counts shown beside them;
//   - the fleet's peak overlap: stacked demand over the profile against the
//     sum of peaks, the model's coincidence factor per resource
//     (plan.json fleet), a heat map of when the fleet is busy (hour of day,
//     or hour of week for the week and full profiles) and the groups of
//     servers that peak together (fleet.peak_groups);
//   - the host models compared: what each price covers (the catalog's
//     description, price_includes and price_excludes), whether the VM
//     disks fit, the cost split into hardware, energy, rack space,
//     licences and storage pool, and a † with a footnote on every cost
//     not comparable with the others (candidates[].cost_excludes); how the
//     packing was found, and the sensitivity sweep (plan.json sensitivity: hosts and lower bound per
//     percentile, CPU and memory ceiling and vCPU:pCPU limit, the plan's
//     own value marked) as a chart and a table;
//   - what virtualisation costs (plan.json overhead): its summary
//     sentence, the per-VM overhead (CPU factor, I/O CPU, per-VM memory)
//     and the host reserve in reference cores and GiB with their share of
//     the raw capacity, for the fleet and per host (spares marked), and
//     the fleet packed under each preset and none, the plan's own marked;
//     the virtualisation layer's own disk IOPS and bytes/s are not
//     modelled and the page says so;
//   - storage today and after (plan.json storage): provisioned, used and
//     placed bytes, the servers by where their used bytes came from (those
//     with no figure at all flagged, here and under the risks), and either
//     every host's local storage (hosts[].storage_bytes against
//     storage_capacity_bytes) or what the shared pool must provide
//     (capacity, IOPS, bytes/s; fits or not; existing, priced or not);
//   - the placement: how the load was levelled over the hosts after the
//     search (plan.json placement: objective, moves, highest planned peak
//     utilisation before and after) and a table of every host's planned
//     peak utilisation per resource (hosts[].peak_util_pct);
//   - every host: its peak utilisation per resource and the binding one and
//     when, the coincidence factor, CPU correlation and KSM saving of its
//     servers (hosts[].analysis), its VMs right-sized, and stacked charts of
//     its servers' CPU and memory (and the binding resource when it is
//     another) against usable and raw capacity;
//   - the risks: the list of every risk below (the summary's count); the
//     input data's problems with the servers concerned linked; a note
//     when minutes over 100 % of capacity are predicted;
//     the predicted risk (plan.json risk: host-minutes a month over the
//     ceiling and over capacity with their range, the method, the note and
//     the rolling origins); unplaced servers with reason and constraint,
//     the N+k failure scenarios (OK or stranded servers), the hosts planned
//     above their ceiling, CPU-saturated
//     servers, low-confidence data, storage latency, the servers without a
//     storage figure, the backtest
//     (Input.Backtest, or a note that none was run; its predicted risk
//     beside the replay of kvmfit's plan, both per 30 days) and the
//     warnings grouped by kind;
//   - the assumptions: every setting with its value, meaning and source
//     (settings.go; a test fails when a model.Settings field has none), the
//     packer's settings and the report's own assumptions (the legacy
//     servers' watts);
//   - a sortable, filterable, paginated table of all servers with data
//     confidence, storage (provisioned, used, after the move and where the
//     used figure came from; for a plan with storage figures),
//     saturation, growth, right-sized size, vCPUs, CPU cap, evidence
//     reserve and peak group;
//   - a glossary: one meaning each for vCPU (a guest's virtual CPU; a
//     server's vCPUs today are its logical CPUs), core (physical), thread
//     (logical CPU), reference core (the capacity unit), hosts for the
//     load, spare, lower bound, sum of peaks, coincidence, ceiling,
//     overhead, right-sized and risk, used the same way in every table.
//
// report renders model.Plan and the model.Demand that was packed; the only
// arithmetic it does is to sum servers' demand per slot for the charts, the
// heat map and the overlap ratio where the plan has no fleet analysis, to
// sum the servers' evidence reserves for the summary, to scale a
// backtest's replay to 30 days beside its prediction, to give a host's
// local storage as % full (storage_bytes / storage_capacity_bytes), and
// to derive the
// hosts' power from an older plan without plan.json power
// (views.go: powerOf) (folding the smallest servers into one "others" series:
// beyond 30 on a host chart, 15 on the fleet charts) and to downsample
// series longer than 600 slots with LTTB (lttb.go).
//
// # Large fleets
//
// A chart is initialised only when its container comes near the viewport
// (IntersectionObserver), so a plan of 5,000 servers on 100 hosts (204
// charts) opens without drawing them all; the server table shows 100 rows a
// page; a host with more than 30 VMs shows its VM table folded.
// BenchmarkWrite and TestChromiumLarge measure that size.
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
// Every string from the data (server IDs, hostnames, host types, warnings,
// the input issues' messages,
// catalog descriptions and price notes, the overhead's and storage's
// methods and notes) is
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
// "chart-heatmap", "chart-host-001-cpu", …), options are
// encoded with sorted keys and no time is written, so the same input gives the
// same bytes.
package report
