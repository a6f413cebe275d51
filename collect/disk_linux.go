package collect

// osHasSysBlock reports whether disk names follow Linux conventions and
// /sys/block can tell whole disks from partitions and virtual devices.
func osHasSysBlock() bool { return true }
