package collect

import (
	"context"
	"fmt"
	"strings"

	"github.com/shirou/gopsutil/v3/net"
)

// readNet reads the byte counters of every interface but loopback.
func readNet(ctx context.Context, x *Snapshot) error {
	cs, err := net.IOCountersWithContext(ctx, true)
	if err != nil {
		return fmt.Errorf("read network counters: %w", err)
	}
	x.NICs = make(map[string]NICCounters, len(cs))
	for _, c := range cs {
		if isLoopback(c.Name) {
			continue
		}
		x.NICs[c.Name] = NICCounters{RxBytes: c.BytesRecv, TxBytes: c.BytesSent}
	}
	return nil
}

// isLoopback reports whether an interface name is the loopback interface
// ("lo" on Linux, "Loopback Pseudo-Interface 1" on Windows).
func isLoopback(name string) bool {
	return name == "lo" || strings.HasPrefix(strings.ToLower(name), "loopback")
}
