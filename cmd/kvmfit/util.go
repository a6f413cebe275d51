package main

import (
	"math"
	"os"
	"path/filepath"

	"github.com/spf13/pflag"
)

func roundTo(v float64, decimals int) float64 {
	p := math.Pow(10, float64(decimals))
	return math.Round(v*p) / p
}

func mkdirFor(path string) error {
	dir := filepath.Dir(path)
	if dir == "." {
		return nil
	}
	return os.MkdirAll(dir, 0o755)
}

// flagDefault is the value a preset gives dst unless flag was given.
type flagDefault struct {
	flag string
	dst  *float64
	val  float64
}

// unlessGiven sets every dst to its preset value unless its flag was given
// on the command line (every one when fs is nil: no command line).
func unlessGiven(fs *pflag.FlagSet, defaults []flagDefault) {
	for _, d := range defaults {
		if fs == nil || !fs.Changed(d.flag) {
			*d.dst = d.val
		}
	}
}
