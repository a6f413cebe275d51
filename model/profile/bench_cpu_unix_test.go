//go:build unix

package profile

import "syscall"

// cpuSeconds returns the user + system CPU time of this process, so that a
// benchmark on a shared machine can report work as well as wall time.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return float64(ru.Utime.Sec+ru.Stime.Sec) + float64(ru.Utime.Usec+ru.Stime.Usec)/1e6
}
