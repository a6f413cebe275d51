package main

import (
	"github.com/kvmfit/kvmfit/binpack"
	"github.com/spf13/pflag"
)

// packFlags are the plan flags that steer the packer (constraints, HA,
// search budget). They are kept apart from the model's flags in plan.go.
type packFlags struct{}

// AddFlags registers the packer flags.
func (p *packFlags) AddFlags(fs *pflag.FlagSet) {}

// apply puts the packer options into the plan input.
func (p *packFlags) apply(in *binpack.PlanInput) error { return nil }
