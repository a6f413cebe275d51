//go:build !unix

package profile

func cpuSeconds() float64 { return 0 }
