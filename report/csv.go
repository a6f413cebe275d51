package report

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/kvmfit/kvmfit/model"
)

// The CSV exports open cleanly in a spreadsheet: UTF-8 with a byte order
// mark (so Excel does not guess a legacy code page), one header row, numbers
// with a '.' decimal point, and every text cell that a spreadsheet would
// read as a formula (=, +, -, @, tab, carriage return first) prefixed with
// a single quote (OWASP's CSV injection advice).

const utf8BOM = "\ufeff"

// AssignmentsHeader is the header of assignments.csv.
var AssignmentsHeader = []string{"server", "hostname", "host", "host_type", "dataset", "source"}

// ServersHeader is the header of servers.csv.
var ServersHeader = []string{
	"id", "hostname", "source", "dataset", "coverage_pct", "cpu_cores_ref",
	"peak_cpu_ref_cores", "peak_mem_bytes", "peak_disk_iops", "peak_disk_bytes_per_sec", "peak_net_bytes_per_sec",
	"confidence_stars", "confidence_present_pct", "confidence_days", "confidence_rating",
	"cpu_saturated", "saturation_uplift",
	"growth_cpu_factor", "growth_mem_factor", "cpu_trend_pct_per_year", "mem_trend_pct_per_year", "cpu_trend", "mem_trend",
	"current_cores", "current_vcpus", "rightsize_vcpus", "current_mem_bytes", "rightsize_mem_bytes",
	"vcpus", "cpu_cap_cores_ref", "slots_capped", "evidence_weight", "reserve_cpu_cores_ref", "reserve_mem_bytes",
	"os_family", "peak_group", "peak_window", "watts", "watts_source",
	"storage_provisioned_bytes", "storage_used_bytes", "storage_demand_bytes", "storage_source",
	"host", "unplaced_reason", "unplaced_constraint", "warnings",
}

// WriteAssignmentsCSV writes one row per placed server: which host it goes
// on. Rows are in plan.Assignments order (sorted by server).
func WriteAssignmentsCSV(w io.Writer, p *model.Plan) error {
	detail := indexBy(p.ServerDetails, func(s model.PlanServer) string { return s.ID })
	return writeCSV(w, AssignmentsHeader, func(emit func([]string) error) error {
		for _, a := range p.Assignments {
			d := detail[a.Server]
			if err := emit([]string{text(a.Server), text(d.Hostname), text(a.Host), text(p.HostType), text(d.Dataset), text(d.Source)}); err != nil {
				return err
			}
		}
		return nil
	})
}

// WriteServersCSV writes one row per input server, in plan.ServerDetails
// order: its data, peak demand per resource, what the model found (data
// confidence, CPU saturation, growth applied and trends, right-sized vCPUs
// and memory against today's, the entitlement (vCPUs, CPU cap, evidence
// reserve), OS family, peak group; plan.json server_details[].analysis), the watts counted before the move (from its
// inventory or the default) and where it went or why not.
func WriteServersCSV(w io.Writer, p *model.Plan) error {
	why := indexBy(p.Unplaced, func(u model.Unplaced) string { return u.Server })
	return writeCSV(w, ServersHeader, func(emit func([]string) error) error {
		for _, s := range p.ServerDetails {
			row := []string{
				text(s.ID), text(s.Hostname), text(s.Source), text(s.Dataset),
				num(s.CoveragePct), num(s.CPUCoresRef),
				num(s.PeakDemand[model.DimCPU.String()]), num(s.PeakDemand[model.DimMem.String()]),
				num(s.PeakDemand[model.DimDiskIOPS.String()]), num(s.PeakDemand[model.DimDiskBytes.String()]),
				num(s.PeakDemand[model.DimNetBytes.String()]),
			}
			a := s.Analysis
			row = append(row,
				strconv.Itoa(a.Confidence.Stars), num(a.Confidence.PresentPct), num(a.Confidence.Days), text(a.Confidence.Rating),
				strconv.FormatBool(a.Saturation.Flagged), num(nonZero(a.Saturation.UpliftApplied, 1)),
				num(nonZero(a.Growth.CPUFactor, 1)), num(nonZero(a.Growth.MemFactor, 1)), trendCell(a.Growth.CPUTrend, a.Growth.CPUTrendPctPerYear), trendCell(a.Growth.MemTrend, a.Growth.MemTrendPctPerYear), text(a.Growth.CPUTrend), text(a.Growth.MemTrend),
				strconv.Itoa(a.Rightsize.CurrentCores), strconv.Itoa(currentVCPUs(s)), strconv.Itoa(a.Rightsize.VCPUs),
				strconv.FormatInt(a.Rightsize.CurrentMemBytes, 10), strconv.FormatInt(a.Rightsize.MemBytes, 10),
				strconv.Itoa(a.Entitlement.VCPUs), num(a.Entitlement.CPUCapCoresRef), strconv.Itoa(a.Entitlement.SlotsCapped),
				num(a.Entitlement.EvidenceWeight), num(a.Entitlement.ReserveCPUCoresRef), num(a.Entitlement.ReserveMemBytes),
				text(a.OSFamily), strconv.Itoa(a.PeakGroup), text(peakWindow(a.PeakGroup, p.Fleet.PeakGroups)),
				num(s.Watts), text(s.WattsSource),
				num(s.Storage.ProvisionedBytes), num(s.Storage.UsedBytes), num(s.Storage.DemandBytes), text(s.Storage.Source),
				text(s.Host), text(why[s.ID].Reason), text(why[s.ID].Constraint), text(strings.Join(s.Warnings, "; ")),
			)
			if err := emit(row); err != nil {
				return err
			}
		}
		return nil
	})
}

// indexBy maps key(x) to x for every x of xs; of two with the same key, the
// later wins.
func indexBy[T any](xs []T, key func(T) string) map[string]T {
	m := make(map[string]T, len(xs))
	for _, x := range xs {
		m[key(x)] = x
	}
	return m
}

func writeCSV(w io.Writer, header []string, rows func(emit func([]string) error) error) error {
	var buf bytes.Buffer
	buf.WriteString(utf8BOM)
	cw := csv.NewWriter(&buf)
	cw.UseCRLF = true // RFC 4180; what spreadsheets write themselves
	if err := cw.Write(header); err != nil {
		return err
	}
	if err := rows(cw.Write); err != nil {
		return err
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("report: csv: %w", err)
	}
	_, err := w.Write(buf.Bytes())
	return err
}

// text defuses a cell that a spreadsheet would evaluate as a formula.
func text(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

func num(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
