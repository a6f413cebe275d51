package importer

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/kvmfit/kvmfit/collect/remotewrite"
	"github.com/kvmfit/kvmfit/model"
)

// The VictoriaMetrics export path of the kvmfit rows.
//
// A range query makes the server evaluate each step and write every
// answer as JSON, most of VictoriaMetrics' CPU in an import (it writes
// the points of a range query through a locked buffer, one small write at
// a time). When the server is VictoriaMetrics and the rows of a batch are
// no denser than one per step (the collector pushed them at the plan's
// step or coarser), its /api/v1/export of the raw rows carries no more
// points than the range queries would, and costs the server far less:
// the importer then computes, for each step, the avg_over_time (or
// max_over_time) of each series over (t − step, t] and the largest per
// instance, as the range query would, to the same float64. Prometheus,
// Thanos and Mimir have no such endpoint and keep the range queries; so
// do node_exporter series, whose rates the server must compute.

// probeExport reports whether the API answers VictoriaMetrics'
// /api/v1/export: asked for the kvmfit_info series of inst, an instance
// the API listed, over the range, it must return them as JSON lines. Any
// other answer (Prometheus' 404, a proxy's page, an empty 200) is not
// VictoriaMetrics, and the range queries are used.
func (pi *promImport) probeExport(inst string) (bool, error) {
	ctx, cancel := context.WithTimeout(pi.ctx, pi.opts.Timeout)
	defer cancel()
	sel := `instance=` + strconv.Quote(inst)
	if pi.opts.Selector != "" {
		sel = pi.opts.Selector + "," + sel
	}
	form := url.Values{"match[]": {remotewrite.InfoMetric + `{` + sel + `}`}, "start": {promTime(pi.opts.Start)}, "end": {promTime(pi.opts.End)}}
	var d promDecoder
	resp, body, err := pi.post(ctx, "/api/v1/export", form, &d.body)
	if err != nil {
		return false, pi.errf("ask whether the server is VictoriaMetrics (/api/v1/export)", err)
	}
	if resp.StatusCode != http.StatusOK {
		return false, nil
	}
	found := false
	err = d.exportLines(body, "instance", func(lv, _ []byte, pts []promPoint) { found = found || (string(lv) == inst && len(pts) > 0) })
	return err == nil && found, nil
}

// post sends form to path of the API and reads the answer into buf
// (reused from one request to the next).
func (pi *promImport) post(ctx context.Context, path string, form url.Values, buf *bytes.Buffer) (*http.Response, []byte, error) {
	u := pi.client.URL(path, nil)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), strings.NewReader(form.Encode()))
	if err != nil {
		return nil, nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := pi.http.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	buf.Reset()
	if _, err := buf.ReadFrom(resp.Body); err != nil {
		return nil, nil, err
	}
	return resp, buf.Bytes(), nil
}

// sparseRows reports whether no series of the batch (label matchers sel)
// has more kvmfit rows in the range than the range has steps (the export
// is exact however dense the rows: this only weighs its cost).
func (pi *promImport) sparseRows(sel string, steps int64) (bool, error) {
	_, ctx, cancel, rng := pi.infoQuery(nil)
	defer cancel()
	vec, err := pi.queryVector(ctx, `max(count_over_time(`+remotewrite.InfoMetric+`{`+sel+`}[`+rng+`]))`)
	if err != nil {
		return false, err
	}
	for _, s := range vec {
		// The range reaches one step before the start.
		if !(float64(s.Value) <= float64(steps+1)) {
			return false, nil
		}
	}
	return true, nil
}

// exportRange fills column qi of chunk c with what range query q would
// return, from the raw points of q.raw exported by VictoriaMetrics: per
// series, the mean (max) of its points in each step's (t − step, t]; per
// instance, the largest of its series' (max by (instance)); then what
// fill does to a range query's points.
func (pi *promImport) exportRange(d *promDecoder, q promQuery, qi int, c *promChunk) error {
	o := pi.opts
	ctx, cancel := context.WithTimeout(pi.ctx, o.Timeout)
	defer cancel()
	// Sample k holds the points in (Start + k·step, Start + (k+1)·step].
	from := o.Start.Add(time.Duration(c.first) * o.Step)
	form := url.Values{"match[]": {q.raw}, "start": {promTime(from)}, "end": {promTime(from.Add(time.Duration(c.n) * o.Step))}}
	resp, body, err := pi.post(ctx, "/api/v1/export", form, &d.body)
	if err != nil {
		return pi.errf("export "+q.raw, err)
	}
	if resp.StatusCode/100 != 2 {
		return pi.errf("export "+q.raw, fmt.Errorf("%s: %s", resp.Status, strings.TrimSpace(string(body[:min(len(body), 256)]))))
	}
	fromNs, step, n := from.UnixNano(), int64(o.Step), c.n
	// Series i's sums (maxima) and counts are sum[i*n:], cnt[i*n:]; a
	// series split over several lines is found again by its labels.
	x := &d.export
	clear(x.series)
	if x.series == nil {
		x.series = map[string]int{}
	}
	x.rows, x.sum, x.cnt = x.rows[:0], x.sum[:0], x.cnt[:0]
	err = d.exportLines(body, "instance", func(inst, metric []byte, pts []promPoint) {
		r, ok := c.row[string(inst)]
		if !ok {
			return
		}
		i, ok := x.series[string(metric)]
		if !ok {
			i = len(x.rows)
			x.series[string(metric)] = i
			x.rows = append(x.rows, r)
			x.sum = append(x.sum, make([]float64, n)...)
			x.cnt = append(x.cnt, make([]int32, n)...)
		}
		sum, cnt := x.sum[i*n:(i+1)*n], x.cnt[i*n:(i+1)*n]
		for _, p := range pts {
			dt := p.ms*int64(time.Millisecond) - fromNs
			if dt <= 0 || math.IsNaN(p.v) {
				// Before the chunk; NaN is a staleness marker, which
				// the rollups leave out.
				continue
			}
			k := (dt - 1) / step
			if k >= int64(n) {
				continue
			}
			switch {
			case cnt[k] == 0:
				sum[k] = p.v
			case q.isMax:
				if p.v > sum[k] {
					sum[k] = p.v
				}
			default:
				sum[k] += p.v
			}
			cnt[k]++
		}
	})
	if err != nil {
		return pi.errf("export "+q.raw, fmt.Errorf("decode the response: %w", err))
	}
	// The largest per instance, into the instance's column (NaN until
	// then: only this query writes it), then fill's clamping.
	for i, r := range x.rows {
		col := c.col(r, qi)
		sum, cnt := x.sum[i*n:(i+1)*n], x.cnt[i*n:(i+1)*n]
		for k, m := range cnt {
			if m == 0 {
				continue
			}
			v := sum[k]
			if !q.isMax {
				v /= float64(m)
			}
			if math.IsNaN(col[k]) || v > col[k] {
				col[k] = v
			}
		}
	}
	for _, r := range x.rows {
		col := c.col(r, qi)
		for k, v := range col {
			col[k] = math.NaN()
			putValue(col, int64(k), q.metric, v)
		}
	}
	return nil
}

// promExportScratch is the reused memory of exportRange.
type promExportScratch struct {
	series map[string]int
	rows   []int
	sum    []float64
	cnt    []int32
}

// putValue puts v, a value of metric m, at col[k] as fill does: NaN and
// infinities left out, values below 0 as 0, CPU above 100 % as 100.
func putValue(col []float64, k int64, m model.Metric, v float64) {
	if k < 0 || k >= int64(len(col)) || math.IsNaN(v) || math.IsInf(v, 0) {
		return
	}
	v = math.Max(v, 0)
	if m == model.CPUBusyPct {
		v = math.Min(v, 100)
	}
	col[k] = v
}
