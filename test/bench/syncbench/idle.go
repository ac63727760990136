package main

import (
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"syscall"
	"time"
)

// idlePhase lets the synced job sit for window with nothing changing, and
// reports the CPU it spent (the whole process: the job is all it runs);
// with profile, it writes a CPU profile of that window alone, to find
// what wakes the process when nothing changes.
func (b *bench) idlePhase(window time.Duration, profile string) error {
	if err := b.idle(); err != nil {
		return err
	}
	stop, err := cpuProfile(profile)
	if err != nil {
		return err
	}
	defer stop()
	c0, t0 := cpuTime(), time.Now()
	time.Sleep(window) // the measuring window, not a wait for something
	c1, t1 := cpuTime(), time.Now()
	if profile != "" {
		// What is still running, and so may wake: beside the profile.
		if g, err := os.Create(profile + ".goroutines"); err == nil {
			_ = pprof.Lookup("goroutine").WriteTo(g, 1)
			g.Close()
		}
	}
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	mb := func(b uint64) string { return fmt.Sprintf("%.1f", float64(b)/1e6) }
	out("idle_heap_inuse_mb", mb(m.HeapInuse))
	out("idle_heap_unreleased_mb", mb(m.HeapIdle-m.HeapReleased))
	out("idle_go_sys_mb", mb(m.Sys))
	out("idle_cpu_s", secs(c1-c0))
	out("idle_cpu_pct", fmt.Sprintf("%.3f", 100*(c1-c0).Seconds()/t1.Sub(t0).Seconds()))
	return nil
}

// cpuTime is the user and system CPU time of this process so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// cpuProfile starts a CPU profile into file ("": none) and returns what
// stops it.
func cpuProfile(file string) (stop func(), err error) {
	if file == "" {
		return func() {}, nil
	}
	f, err := os.Create(file)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}
