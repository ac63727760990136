package agent

import (
	"os"
	"path/filepath"
	"runtime"
)

// DefaultStateDir is where the state lives when the config does not say.
var DefaultStateDir = func() string {
	if runtime.GOOS == "windows" {
		if pd := os.Getenv("ProgramData"); pd != "" {
			return filepath.Join(pd, "mgw")
		}
	}
	return "/var/lib/mgw"
}()
