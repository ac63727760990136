package config

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

// DefaultStatusDir is where the plain-file view goes when the config does
// not say: on Windows, which has no FUSE, %ProgramData%\mgw\status; none
// elsewhere (the FUSE view is mounted instead).
var DefaultStatusDir = func() string {
	if runtime.GOOS == "windows" {
		return filepath.Join(DefaultStateDir, "status")
	}
	return ""
}()

// platformDefaults fills what the config leaves out and the platform
// decides: on Windows no mount (there is no FUSE) and the status dir.
func platformDefaults(c *Config) {
	if runtime.GOOS != "windows" {
		return
	}
	if c.Mount == nil {
		none := ""
		c.Mount = &none
	}
	if c.StatusDir == "" {
		c.StatusDir = DefaultStatusDir
	}
}
