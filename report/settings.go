package report

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"github.com/kvmfit/kvmfit/model"
)

// settingDoc is what the assumptions table says about one setting: what it
// means and where its default comes from (a docs/model.md section, a
// published figure, or "our choice").
type settingDoc struct {
	about, source string
}

// settingDocs documents every field of model.Settings by its JSON name.
// TestSettingDocs fails when a field of model.Settings has no entry here, so
// a new setting cannot reach the report undocumented.
var settingDocs = map[string]settingDoc{
	"step_sec": {"alignment grid step, seconds: samples are resampled onto a UTC grid of this step",
		"MS MAP, VMware Capacity Planner, HP Capacity Advisor: 5-minute data (docs/model.md §1)"},
	"profile": {"how aligned data becomes slots: day = one representative day, week = one representative week from Monday 00:00 UTC, full = the whole timeline",
		"PlateSpin Recon and Oracle EM size on a 24-hour profile (docs/model.md §2)"},
	"percentile": {"sizing percentile taken per slot over the days (weeks) of data, nearest rank",
		"Azure Migrate and MS MAP: P95 (docs/model.md §2)"},
	"percentile_by_resource": {"the sizing percentile actually used for each resource (overrides percentile)",
		"--percentile-for; Kubernetes KRR sizes memory at its max (docs/model.md §2)"},
	"slot_stat": {"per-interval statistic that feeds the percentile: mean or max of each slot's samples",
		"5-minute averages of MAP, Capacity Planner, HP CA; the backtest chooses from evidence (docs/model.md §2)"},
	"comfort_factor": {"multiplies every measured demand before the per-VM memory overhead (1 = none: the ceilings are the headroom)",
		"VMware Capacity Planner buffer 0 %; Azure Migrate's 1.3 is per VM without time alignment (docs/model.md §2)"},
	"ceiling_pct": {"utilisation ceiling per resource, % of capacity after the host reserve: what is packed against",
		"AVS 80 % CPU; memory 90 %, disk and network 70 % our choice (docs/model.md §9)"},
	"virt": {"virtualisation preset the overhead numbers below come from (kvm-virtio, kvm-emulated, lxc); explicit flags override it",
		"docs/model.md §4"},
	"host_reserve_cores": {"cores the host keeps for itself, subtracted before the ceiling",
		"Red Hat OpenShift Virtualization sizing: a node keeps about 2 cores (docs/model.md §9)"},
	"host_reserve_mem_bytes": {"memory the host keeps for itself, subtracted before the ceiling",
		"Red Hat OpenShift Virtualization sizing (docs/model.md §4, §9)"},
	"cpu_virt_factor": {"multiplier on CPU demand for virtualisation overhead",
		"hardware-assisted/paravirtual 5–10 %, full emulation 15–25 % (docs/model.md §4)"},
	"cpu_cores_per_kiops": {"host CPU (reference cores) per 1000 disk IOPS through the virtualisation layer",
		"our order-of-magnitude estimate, to be replaced by a measurement (docs/model.md §4)"},
	"cpu_cores_per_net_gb_per_sec": {"host CPU (reference cores) per GB/s of network traffic through the virtualisation layer",
		"our estimate: vhost-net moves about 10 Gbit/s per core (docs/model.md §4)"},
	"vm_mem_overhead_fraction": {"per-VM memory overhead, fraction of guest RAM",
		"Red Hat OpenShift Virtualization sizing: 0.002 × RAM (docs/model.md §5)"},
	"vm_mem_overhead_base_bytes": {"per-VM memory overhead, fixed part",
		"Red Hat OpenShift Virtualization sizing: 218 MiB (docs/model.md §5)"},
	"vm_mem_overhead_per_vcpu_bytes": {"per-VM memory overhead per vCPU",
		"Red Hat OpenShift Virtualization sizing: 8 MiB per vCPU (docs/model.md §5)"},
	"ksm": {"show the memory kernel same-page merging could save per host; it never changes the packing",
		"off by default: a bonus to show, not an assumption (docs/model.md §5)"},
	"ksm_share_pct": {"share of the memory of guests with a same-OS neighbour on the host that KSM is assumed to merge",
		"commonly reported 20–25 % among same-OS guests; the low end (docs/model.md §5)"},
	"ht_factor": {"throughput of a hyper-threaded core relative to a plain one",
		"PlateSpin Recon: 1.25 (docs/model.md §3)"},
	"reference_core_score": {"CPU score of one reference core: CPU demand is counted in reference cores",
		"kvmfit calibration scale (docs/model.md §3)"},
	"reference_core_mhz": {"MHz of a reference core, for servers without a calibration score (overstates old CPUs: errs towards more demand)",
		"docs/model.md §3"},
	"saturation_cpu_pct": {"CPU busy % (slot mean) at or above which a stretch counts as saturated",
		"our assumption, after HP Capacity Advisor's threshold rules (docs/model.md §6)"},
	"saturation_minutes": {"minimum length of a saturated stretch, minutes",
		"our assumption: a half-hour plateau is saturation, not a spike (docs/model.md §6)"},
	"saturation_days_pct": {"share of a server's days with a saturated stretch that flags it",
		"our assumption (docs/model.md §6)"},
	"saturation_uplift": {"multiplier on a flagged server's CPU demand and right-sized vCPUs: its true demand was never measured",
		"our assumption, of the size of Azure Migrate's comfort 1.3 (docs/model.md §6)"},
	"growth_pct_per_year": {"global demand growth per year, compounded over the horizon",
		"0 % by default; Oracle EM's growth scale 1.1 = 10 % over 12 months (docs/model.md §7)"},
	"horizon_months": {"how far ahead demand is projected (0 = size for today)",
		"docs/model.md §7"},
	"growth_trend": {"also apply each server's own significant upward trend (Theil–Sen slope, Mann–Kendall test) to the horizon",
		"Sen 1968, Theil 1950; Mann 1945, Kendall 1975 (docs/model.md §7)"},
	"growth_cap": {"largest growth factor applied: a short trend extrapolated far is fragile",
		"our choice (docs/model.md §7)"},
	"rightsize_cpu_pct": {"percentile of busy reference cores a right-sized VM's vCPUs cover",
		"Kubernetes KRR: CPU P95 (docs/model.md §11)"},
	"rightsize_cpu_target_pct": {"target utilisation of a right-sized VM's vCPUs at that percentile",
		"our choice: room under the 80 % CPU ceiling (docs/model.md §11)"},
	"rightsize_mem_pct": {"percentile of used memory (interval max) a right-sized VM's memory covers",
		"Kubernetes KRR: memory max (docs/model.md §11)"},
	"rightsize_mem_headroom_pct": {"headroom added to that memory, %, before rounding up to 0.5 GiB",
		"Kubernetes KRR and VPA: + 15 % (docs/model.md §11)"},
	"min_days": {"fewer days of data than this rate a server insufficient",
		"MS MAP: at least 2 days (docs/model.md §1)"},
	"recommended_days": {"fewer days of data than this rate a server short",
		"MS MAP: 7 or more recommended (docs/model.md §1)"},
	"peak_window_minutes": {"width of the time windows that group servers by when their CPU peaks",
		"hourly profiles of PlateSpin and Oracle EM; Verma et al. 2009 (docs/model.md §10)"},
	"energy_price_per_kwh": {"energy price per kWh, for the candidates' cost and the power comparison",
		"kvmfit default (docs/model.md §15)"},
	"years": {"years of energy cost in the candidates' cost",
		"kvmfit default (docs/model.md §15)"},
	"target_core_score": {"single-core CPU score of the target host model (the one asked for, else the fastest candidate): a VM's CPU demand is capped at its vCPUs × this score / reference_core_score × cpu_virt_factor reference cores, plus its I/O CPU, and margins never lift it above; 0 = unknown, no cap",
		"not a choice: kvmfit sets it from the host catalog (cpu_score_per_core), the model default 0 leaves CPU uncapped; one vCPU runs on one host thread and can never use more than one host core, and the fastest model's score sizes no candidate below what a VM could use on it (docs/model.md §21)"},
	"evidence_reserve": {"for a server with data for only part of the fleet's span, reserve that share of the span (1 − its share of it) of its unused entitlement (CPU up to the cap, memory up to its installed size); planned load plus reserves must fit each host's full capacity (raw less the host reserve), the planned load alone its ceiling",
		"on by default, our choice: a server seen for a few days has not shown what the others showed over the whole span, and what it did not show may still come; the reserve keeps room for it within the hardware without lowering the ceilings (docs/model.md §21)"},
	"storage_growth_factor": {"multiplies a server's used storage bytes into what its VM's disks take after the move (thin-provisioned disks hold what is used; the factor is growth over the plan's life); a server whose use is unknown is placed at its disks' full size",
		"our choice: 25 % growth and snapshot room over the plan's life (docs/model.md §8)"},
	"storage_ceiling_pct": {"fill ceiling of a host's local storage or a shared pool's capacity, %: VM disks are packed up to it",
		"our choice: filesystems and thin pools slow down and risk running out when nearly full (docs/model.md §8)"},
	"host_type_requested": {"host model asked for (empty = the candidate that leaves fewest unplaced, then the cheapest)",
		"--host-type (docs/model.md §15)"},
}

// packSettingDocs documents the packer's settings (model.PackSettings).
var packSettingDocs = map[string]settingDoc{
	"ha_level":         {"k of N+k: every set of k hosts is failed in turn and its servers re-placed; spares are added until all hold", "PRODUCT.md: N+1 proven, not guessed (docs/packing.md, N+k)"},
	"work_budget":      {"deterministic search budget of the packer, work units", "docs/packing.md (deterministic budget)"},
	"time_limit_sec":   {"wall-clock safety cap of the search (0 = none); if it stops the search the plan may differ between machines", "docs/packing.md (safety deadline)"},
	"rack_unit_price":  {"cost of one rack unit over the plan's years, added to each candidate's cost", "--rack-unit-price, default 0 (docs/packing.md, cost)"},
	"constraints_file": {"constraints file used (anti-affinity, pins, limits)", "docs/constraints.md"},
	"constraints":      {"the constraints applied", "docs/constraints.md"},
	"existing_file":    {"existing-fleet file used: its hosts are filled first and cost no capex", "docs/packing.md (fixed fleet)"},
	"no_new_hosts":     {"only existing hosts may be used; what does not fit is unplaced", "docs/packing.md (fixed fleet)"},
	"mix":              {"a mix of host models was evaluated as a candidate", "docs/packing.md (the mix)"},
}

// legacyServerWatts is the power draw assumed for each legacy server when
// the plan carries no measured or inventory figure. It is our assumption,
// shown in the assumptions table: a two-socket 1U/2U server of 2008–2016
// under the light load typical of office servers draws well above its
// idle floor (about 100–200 W) and well below its nameplate (400–750 W).
const legacyServerWatts = model.DefaultLegacyServerWatts

// settingRow is one line of an assumptions table.
type settingRow struct {
	Key, Value, About, Source string
}

// settingRows lists every field of s by its JSON name, in declaration order.
func settingRows(s model.Settings) []settingRow {
	return structRows(reflect.ValueOf(s), settingDocs)
}

// structRows lists every JSON field of the struct v, documented from docs.
func structRows(v reflect.Value, docs map[string]settingDoc) []settingRow {
	t := v.Type()
	var rows []settingRow
	for i := 0; i < t.NumField(); i++ {
		name, ok := jsonName(t.Field(i))
		if !ok {
			continue
		}
		d := docs[name]
		rows = append(rows, settingRow{Key: name, Value: fmtSetting(name, v.Field(i)), About: d.about, Source: d.source})
	}
	return rows
}

// jsonFieldNames returns the JSON names of the exported fields of struct type t.
func jsonFieldNames(t reflect.Type) []string {
	var out []string
	for i := 0; i < t.NumField(); i++ {
		if name, ok := jsonName(t.Field(i)); ok {
			out = append(out, name)
		}
	}
	return out
}

func fmtSetting(name string, v reflect.Value) string {
	switch v.Kind() {
	case reflect.String:
		if v.String() == "" {
			return "—"
		}
		return v.String()
	case reflect.Float32, reflect.Float64:
		f := v.Float()
		s := strconv.FormatFloat(f, 'g', -1, 64)
		if math.Abs(f) < 1e15 {
			s = strconv.FormatFloat(f, 'f', -1, 64) // 8589934592, not 8.589934592e+09
		}
		if strings.HasSuffix(name, "_bytes") {
			s += " (" + fmtBytes(f) + ")"
		}
		return s
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(v.Int(), 10)
	case reflect.Bool:
		return strconv.FormatBool(v.Bool())
	case reflect.Map:
		keys := make([]string, 0, v.Len())
		vals := map[string]string{}
		for _, k := range v.MapKeys() {
			ks := fmt.Sprint(k.Interface())
			keys = append(keys, ks)
			vals[ks] = fmt.Sprint(v.MapIndex(k).Interface())
		}
		sort.Strings(keys)
		var parts []string
		for _, k := range keys {
			parts = append(parts, k+" "+vals[k])
		}
		if len(parts) == 0 {
			return "—"
		}
		return strings.Join(parts, ", ")
	case reflect.Interface, reflect.Pointer, reflect.Slice:
		if v.IsNil() {
			return "—"
		}
		if b, err := json.Marshal(v.Interface()); err == nil {
			return string(b)
		}
	}
	return fmt.Sprint(v.Interface())
}

func fmtBytes(b float64) string {
	switch {
	case math.Abs(b) >= model.GiB:
		return strconv.FormatFloat(b/model.GiB, 'g', 4, 64) + " GiB"
	case math.Abs(b) >= model.MiB:
		return strconv.FormatFloat(b/model.MiB, 'g', 4, 64) + " MiB"
	}
	return strconv.FormatFloat(b, 'g', -1, 64) + " B"
}

// jsonName returns the name encoding/json gives field f, and false for a
// field it leaves out (unexported, or tagged "-").
func jsonName(f reflect.StructField) (string, bool) {
	if !f.IsExported() {
		return "", false
	}
	name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	switch name {
	case "-":
		return "", false
	case "":
		return f.Name, true
	}
	return name, true
}
