package realtimetest

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"time"
)

// SteadyWrites writes 1 MiB and fsyncs every 25 ms (up to 40 MB/s, over
// the same 256 MiB of path) until stop is closed, then removes path. The
// small steps keep what the disk counters move within a few milliseconds
// (the uncertainty of a trace's read) small.
func SteadyWrites(path string, stop <-chan struct{}) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer os.Remove(path)
	defer f.Close()
	buf := bytes.Repeat([]byte("kvmfit-load\n"), 1<<20/12+1)[:1<<20]
	tick := time.NewTicker(25 * time.Millisecond)
	defer tick.Stop()
	for off := int64(0); ; off = (off + int64(len(buf))) % (256 << 20) {
		select {
		case <-stop:
			return nil
		case <-tick.C:
		}
		if _, err := f.WriteAt(buf, off); err != nil {
			return err
		}
		if err := f.Sync(); err != nil {
			return err
		}
	}
}

// SteadyNet sends a steady 2 MB/s of UDP out of a veth interface whose peer
// lives in a network namespace made for the purpose (root only; the
// traffic never leaves this machine). It returns a stop function, or nil
// when the namespace cannot be made (logged through logf).
func SteadyNet(logf func(format string, args ...any)) (stop func()) {
	ns := fmt.Sprintf("kvmfit-rt-%d", os.Getpid())
	run := func(args ...string) error { return exec.Command("ip", args...).Run() }
	cleanup := func() {
		run("link", "del", "kvs0")
		run("netns", "del", ns)
	}
	for _, args := range [][]string{
		{"netns", "add", ns},
		{"link", "add", "kvs0", "type", "veth", "peer", "name", "kvs1"},
		{"link", "set", "kvs1", "netns", ns},
		{"addr", "add", "10.203.77.1/30", "dev", "kvs0"},
		{"link", "set", "kvs0", "up"},
		{"-n", ns, "addr", "add", "10.203.77.2/30", "dev", "kvs1"},
		{"-n", ns, "link", "set", "kvs1", "up"},
	} {
		if err := run(args...); err != nil {
			logf("no test network namespace (ip %v: %v): the network is compared without driven traffic", args, err)
			cleanup()
			return nil
		}
	}
	conn, err := net.Dial("udp4", "10.203.77.2:9")
	if err != nil {
		logf("udp: %v", err)
		cleanup()
		return nil
	}
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		buf := make([]byte, 1000)
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
			}
			for range 20 { // 20 kB per 10 ms
				conn.Write(buf)
			}
		}
	}()
	return func() {
		close(done)
		<-finished
		conn.Close()
		cleanup()
	}
}
