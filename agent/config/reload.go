package config

import "reflect"

// SameJob reports whether a job and both its addresses are unchanged in
// what only a restart can apply: its limits are swapped while it runs
// (Runner.SetLimits), and the lines the settings were read from do not
// matter (a job added above another must not restart it).
func SameJob(oldCfg, newCfg *Config, a, b *JobConfig) bool {
	return reflect.DeepEqual(restartSettings(*a), restartSettings(*b)) &&
		sameAddr(oldCfg.Address(a.Source), newCfg.Address(b.Source)) &&
		sameAddr(oldCfg.Address(a.Destination), newCfg.Address(b.Destination))
}

func restartSettings(j JobConfig) JobConfig {
	j.Limits, j.pos, j.Shard.pos = Limits{}, positions{}, positions{}
	return j
}

func sameAddr(a, b *AddressConfig) bool {
	if a == nil || b == nil {
		return false
	}
	x, y := *a, *b
	x.pos, y.pos = positions{}, positions{}
	return reflect.DeepEqual(x, y)
}
