package profile

import "github.com/kvmfit/kvmfit/model"

// NormaliseCPU computes the server's CPU capacity in reference cores.
// Without a calibration score the score is MHz / ReferenceCoreMHz ×
// ReferenceCoreScore, which overstates old CPUs (their work per MHz is lower)
// and so errs on the side of more demand. See docs/model.md.
func NormaliseCPU(inv model.Inventory, s model.Settings) (model.CPUNorm, []string) {
	var warn []string
	n := model.CPUNorm{Cores: inv.Cores}
	if n.Cores <= 0 {
		n.Cores = inv.Threads
	}
	if n.Cores <= 0 {
		n.Cores = 1
		warn = append(warn, "core count unknown: assumed 1")
	}
	n.HT = inv.Threads > inv.Cores && inv.Cores > 0
	switch {
	case inv.CPUScorePerCore > 0:
		n.ScorePerCore, n.Method = inv.CPUScorePerCore, "calibration"
	case inv.CPUMHz > 0:
		n.ScorePerCore, n.Method = inv.CPUMHz/s.ReferenceCoreMHz*s.ReferenceCoreScore, "mhz"
	default:
		n.ScorePerCore, n.Method = s.ReferenceCoreScore, "assumed"
		warn = append(warn, "no CPU score or MHz: each core counted as one reference core")
	}
	ht := 1.0
	if n.HT {
		ht = s.HTFactor
	}
	n.CoresRef = float64(n.Cores) * ht * n.ScorePerCore / s.ReferenceCoreScore
	return n, warn
}

// VMMemOverheadBytes is the memory a KVM guest costs its host beyond the
// guest's own RAM: fraction × guest RAM + base + per vCPU (Red Hat OpenShift
// Virtualization sizing: 0.002 × RAM + 218 MiB + 8 MiB per vCPU).
func VMMemOverheadBytes(guestRAMBytes float64, vcpus int, s model.Settings) float64 {
	return s.VMMemOverheadFraction*guestRAMBytes + s.VMMemOverheadBaseBytes + float64(vcpus)*s.VMMemOverheadPerVCPUBytes
}
