package remotewrite

import (
	"math"
	"sort"
	"strconv"
	"time"

	"github.com/kvmfit/kvmfit/model"
	"google.golang.org/protobuf/encoding/protowire"
)

// Label is one label of a series.
type Label struct{ Name, Value string }

// Point is one sample of a series.
type Point struct {
	Value float64
	Time  time.Time
}

// Series is one time series of a WriteRequest.
type Series struct {
	Labels []Label // sorted by name, __name__ included
	Points []Point
}

// MetricName returns the series name of the mean (max=false) or the max of m.
func MetricName(m model.Metric, max bool) string {
	if max {
		return "kvmfit_" + m.String() + "_max"
	}
	return "kvmfit_" + m.String() + "_mean"
}

// InfoMetric is the name of the series carrying the inventory.
const InfoMetric = "kvmfit_info"

// Identity are the labels of every series of one server.
type Identity struct {
	Instance, Hostname, MachineID string
}

func (id Identity) labels(name string, extra ...Label) []Label {
	ls := []Label{{"__name__", name}, {"instance", id.Instance}}
	if id.Hostname != "" {
		ls = append(ls, Label{"hostname", id.Hostname})
	}
	if id.MachineID != "" {
		ls = append(ls, Label{"machine_id", id.MachineID})
	}
	ls = append(ls, extra...)
	sort.Slice(ls, func(i, j int) bool { return ls[i].Name < ls[j].Name })
	return ls
}

// RowSeries returns the series of row x: the mean and max of each metric
// it holds, stamped at the end of the row, and the info series.
func RowSeries(id Identity, inv model.Inventory, x model.Sample) []Series {
	end := x.Start.Add(x.Interval)
	var out []Series
	for m := model.Metric(0); m < model.NumMetrics; m++ {
		for _, isMax := range []bool{false, true} {
			v := x.Mean[m]
			if isMax {
				v = x.Max[m]
			}
			if math.IsNaN(v) || math.IsInf(v, 0) {
				continue
			}
			out = append(out, Series{Labels: id.labels(MetricName(m, isMax)), Points: []Point{{v, end}}})
		}
	}
	out = append(out, Series{Labels: id.labels(InfoMetric, InventoryLabels(inv)...), Points: []Point{{1, end}}})
	for _, f := range inv.Filesystems {
		fl := []Label{{"mountpoint", f.Mount}, {"device", f.Device}, {"fstype", f.FSType}}
		out = append(out,
			Series{Labels: id.labels(FSSizeMetric, fl...), Points: []Point{{float64(f.SizeBytes), end}}},
			Series{Labels: id.labels(FSUsedMetric, fl...), Points: []Point{{float64(f.UsedBytes), end}}})
	}
	return out
}

// The series of the inventory's filesystems, labelled mountpoint, device
// and fstype (node_exporter's names).
const (
	FSSizeMetric = "kvmfit_filesystem_size_bytes"
	FSUsedMetric = "kvmfit_filesystem_used_bytes"
)

// InventoryFromLabels is the inverse of InventoryLabels and Identity: the
// inventory fields of a kvmfit_info series' labels (unknown labels and
// values that do not parse are left out).
func InventoryFromLabels(ls map[string]string) model.Inventory {
	atoi := func(k string) int { n, _ := strconv.Atoi(ls[k]); return max(n, 0) }
	atof := func(k string) float64 {
		v, err := strconv.ParseFloat(ls[k], 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
			return 0
		}
		return v
	}
	mem, _ := strconv.ParseInt(ls["mem_total_bytes"], 10, 64)
	vm, _ := strconv.ParseBool(ls["is_vm"])
	return model.Inventory{
		Hostname: ls["hostname"], MachineID: ls["machine_id"],
		OS: ls["os"], OSFamily: ls["os_family"], CPUModel: ls["cpu_model"],
		Sockets: atoi("sockets"), Cores: atoi("cores"), Threads: atoi("threads"),
		CPUMHz: atof("cpu_mhz"), CPUScorePerCore: atof("cpu_score_per_core"), CPUScoreAllCores: atof("cpu_score_all_cores"),
		MemTotalBytes: max(mem, 0), IsVM: vm, Hypervisor: ls["hypervisor"], TimeZone: ls["time_zone"],
	}
}

// InventoryLabels are the inventory's scalar fields as labels (empty ones
// left out). Disks, filesystems and NICs stay in the local inventory.json.
func InventoryLabels(inv model.Inventory) []Label {
	var ls []Label
	add := func(k, v string) {
		if v != "" && v != "0" {
			ls = append(ls, Label{k, v})
		}
	}
	f := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	add("os", inv.OS)
	add("os_family", inv.OSFamily)
	add("cpu_model", inv.CPUModel)
	add("sockets", strconv.Itoa(inv.Sockets))
	add("cores", strconv.Itoa(inv.Cores))
	add("threads", strconv.Itoa(inv.Threads))
	add("cpu_mhz", f(inv.CPUMHz))
	add("cpu_score_per_core", f(inv.CPUScorePerCore))
	add("cpu_score_all_cores", f(inv.CPUScoreAllCores))
	add("mem_total_bytes", strconv.FormatInt(inv.MemTotalBytes, 10))
	add("is_vm", strconv.FormatBool(inv.IsVM))
	add("hypervisor", inv.Hypervisor)
	add("time_zone", inv.TimeZone)
	return ls
}

// Encode appends the WriteRequest protobuf of series to b (uncompressed):
//
//	WriteRequest { repeated TimeSeries timeseries = 1; }
//	TimeSeries   { repeated Label labels = 1; repeated Sample samples = 2; }
//	Label        { string name = 1; string value = 2; }
//	Sample       { double value = 1; int64 timestamp = 2; } // ms
//
// Encoded requests concatenate into one request (a repeated field).
func Encode(b []byte, series []Series) []byte {
	var ts, tmp []byte
	for _, s := range series {
		ts = ts[:0]
		for _, l := range s.Labels {
			tmp = tmp[:0]
			tmp = protowire.AppendTag(tmp, 1, protowire.BytesType)
			tmp = protowire.AppendString(tmp, l.Name)
			tmp = protowire.AppendTag(tmp, 2, protowire.BytesType)
			tmp = protowire.AppendString(tmp, l.Value)
			ts = protowire.AppendTag(ts, 1, protowire.BytesType)
			ts = protowire.AppendBytes(ts, tmp)
		}
		for _, p := range s.Points {
			tmp = tmp[:0]
			tmp = protowire.AppendTag(tmp, 1, protowire.Fixed64Type)
			tmp = protowire.AppendFixed64(tmp, math.Float64bits(p.Value))
			tmp = protowire.AppendTag(tmp, 2, protowire.VarintType)
			tmp = protowire.AppendVarint(tmp, uint64(p.Time.UnixMilli()))
			ts = protowire.AppendTag(ts, 2, protowire.BytesType)
			ts = protowire.AppendBytes(ts, tmp)
		}
		b = protowire.AppendTag(b, 1, protowire.BytesType)
		b = protowire.AppendBytes(b, ts)
	}
	return b
}
