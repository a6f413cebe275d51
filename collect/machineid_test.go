package collect

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/shirou/gopsutil/v3/common"
	"github.com/shirou/gopsutil/v3/host"
)

// The machine ID names its kind, so that the merge of an import never
// compares a Linux machine ID with a hardware UUID; on Linux it is
// /etc/machine-id, whatever gopsutil's host ID is.
func TestMachineID(t *testing.T) {
	etc := t.TempDir()
	if err := os.WriteFile(filepath.Join(etc, "machine-id"), []byte("0123456789abcdef0123456789abcdef\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx := context.WithValue(context.Background(), common.EnvKey, common.EnvMap{common.HostEtcEnvKey: etc})
	hi := &host.InfoStat{HostID: "4C4C4544-0042-3510-8051-B7C04F4E3732"}
	for _, c := range []struct {
		goos string
		hi   *host.InfoStat
		want string
	}{
		{"linux", hi, "linux-machine-id:0123456789abcdef0123456789abcdef"},
		{"windows", hi, "windows-machine-guid:4c4c4544-0042-3510-8051-b7c04f4e3732"},
		{"darwin", hi, "host-id:4c4c4544-0042-3510-8051-b7c04f4e3732"},
		{"windows", nil, ""},
		{"freebsd", &host.InfoStat{}, ""},
	} {
		if got := machineID(ctx, c.goos, c.hi); got != c.want {
			t.Errorf("%s: %q, want %q", c.goos, got, c.want)
		}
	}
	// "uninitialized" (first boot, systemd) is not an ID (the D-Bus copy,
	// if this system has one, may be taken instead).
	if err := os.WriteFile(filepath.Join(etc, "machine-id"), []byte("uninitialized\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := machineID(ctx, "linux", hi); got == "linux-machine-id:uninitialized" {
		t.Errorf("uninitialized taken as an ID: %q", got)
	}
}
