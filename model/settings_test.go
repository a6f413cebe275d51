package model

import "testing"

func TestVirtPresets(t *testing.T) {
	s := DefaultSettings.Clone()
	p, ok := FindVirtPreset("lxc")
	if !ok {
		t.Fatal("no lxc preset")
	}
	s.ApplyVirt(p)
	if s.Virt != "lxc" || s.CPUVirtFactor != 1 || s.VMMemOverheadBaseBytes != 0 || s.CPUCoresPerKIOPS != 0 {
		t.Errorf("lxc settings %+v", s)
	}
	if err := s.Validate(); err != nil {
		t.Error(err)
	}
	// The default settings are the kvm-virtio preset.
	d := DefaultSettings.Clone()
	v, _ := FindVirtPreset("kvm-virtio")
	d.ApplyVirt(v)
	if d.CPUVirtFactor != DefaultSettings.CPUVirtFactor || d.VMMemOverheadBaseBytes != DefaultSettings.VMMemOverheadBaseBytes ||
		d.HostReserveCores != DefaultSettings.HostReserveCores || d.CPUCoresPerNetGBPerSec != DefaultSettings.CPUCoresPerNetGBPerSec {
		t.Errorf("kvm-virtio preset differs from DefaultSettings")
	}
	s.Virt = "xen"
	if s.Validate() == nil {
		t.Error("unknown preset validated")
	}
}

func TestPercentileOf(t *testing.T) {
	s := DefaultSettings.Clone()
	if s.PercentileOf(DimMem) != 95 {
		t.Error("default percentile")
	}
	s.PercentileByDim = DimValues{"mem": 100}
	if s.PercentileOf(DimMem) != 100 || s.PercentileOf(DimCPU) != 95 {
		t.Error("per-resource percentile")
	}
	c := s.Clone()
	c.PercentileByDim["mem"] = 50
	if s.PercentileByDim["mem"] != 100 {
		t.Error("Clone shares PercentileByDim")
	}
	s.PercentileByDim = DimValues{"gpu": 50}
	if s.Validate() == nil {
		t.Error("unknown resource validated")
	}
}
