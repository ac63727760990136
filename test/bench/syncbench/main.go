// Command syncbench measures a continuous mgw job from inside. It runs the
// job's Runner in this process, as `mgw run` does, so it can read the job's
// Status and see the moment the destination acknowledges each upload (a
// wrapper around the destination's Put): no log line or listing tells
// that to the millisecond.
//
//	syncbench gen -dir D -files N -dirs M -size B
//	    write N files of B random bytes, spread over M folders dNNNNN
//	syncbench add -dir D -files N -dirs M -name NAME
//	    write N new files NAME-NNNNN of 4 KiB into the folders gen made,
//	    one into each in turn, at once (a storm for another tool to copy)
//	syncbench job -config C -job J [-latency 60s] [-storm N -dirs M [-storm-name NAME]]
//	    run job J (mode: continuous) until its first full pass is done
//	    and the job is synced, then the change-latency phase and the storm
//	    phase if asked for, then stop it
//
// job prints its results as key=value lines on stdout; the job's own log
// goes to stderr. The idle cost and the memory of a large index are
// measured on the mgw binary instead (test/bench/sync.sh), so that nothing
// of this program is counted.
package main

import (
	"flag"
	"fmt"
	"os"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	var err error
	switch os.Args[1] {
	case "gen":
		err = genCmd(os.Args[2:])
	case "add":
		err = addCmd(os.Args[2:])
	case "job":
		err = jobCmd(os.Args[2:])
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "syncbench:", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: syncbench gen -dir D -files N -dirs M -size B | add -dir D -files N -dirs M -name NAME | job -config C -job J [-latency D] [-storm N -dirs M]")
	os.Exit(2)
}

// parse parses args into fs, exiting with its usage on a mistake.
func parse(fs *flag.FlagSet, args []string) {
	fs.SetOutput(os.Stderr)
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 {
		fs.Usage()
		os.Exit(2)
	}
}
