//go:build !linux

package collect

func osHasSysBlock() bool { return false }
