package main

import (
	"bytes"
	"log/slog"
	"os"
	"strings"
	"testing"
)

// TestUnitTemplateMatchesPackagedUnit keeps `mgw service install`'s unit
// and the packages' the same, but for the command line.
func TestUnitTemplateMatchesPackagedUnit(t *testing.T) {
	packaged, err := os.ReadFile("../../packaging/mgw.service")
	if err != nil {
		t.Fatal(err)
	}
	rendered := strings.NewReplacer(
		"{{Path | cmdEscape}}{{range Arguments}} {{. | cmd}}{{end}}", "/usr/bin/mgw agent --config /etc/mgw/mgw.yaml",
		"{{if UserName}}User={{UserName}}\n{{end}}", "",
	).Replace(systemdUnitTemplate)
	if rendered != string(packaged) {
		t.Errorf("cmd/mgw/service_unit.go and packaging/mgw.service differ:\n%s", rendered)
	}
	for _, want := range []string{"ProtectSystem=", "ReadWritePaths=", "PrivateTmp=yes", "NoNewPrivileges=yes", "Restart=on-failure", "RestartSec=", "StartLimitBurst=", "StandardOutput=journal"} {
		if !strings.Contains(rendered, want) {
			t.Errorf("unit lacks %s", want)
		}
	}
}

type recLogger struct{ info, warn, err []string }

func (l *recLogger) Error(v ...any) error          { l.err = append(l.err, v[0].(string)); return nil }
func (l *recLogger) Warning(v ...any) error        { l.warn = append(l.warn, v[0].(string)); return nil }
func (l *recLogger) Info(v ...any) error           { l.info = append(l.info, v[0].(string)); return nil }
func (l *recLogger) Errorf(string, ...any) error   { return nil }
func (l *recLogger) Warningf(string, ...any) error { return nil }
func (l *recLogger) Infof(string, ...any) error    { return nil }

// TestSystemLogHandler checks what a Windows service logs: every line to
// the file, each to the Event Log at its severity, debug to neither when
// the level is info.
func TestSystemLogHandler(t *testing.T) {
	var file bytes.Buffer
	sys := &recLogger{}
	log := slog.New(newSystemLogHandler(&file, sys, slog.LevelInfo)).With("job", "photos")
	log.Debug("hidden")
	log.Info("run finished", "copied", 3)
	log.Warn("file failed", "path", "a.jpg")
	log.Error("job failed")
	lines := strings.Split(strings.TrimSpace(file.String()), "\n")
	if len(lines) != 3 || strings.Contains(file.String(), "hidden") {
		t.Fatalf("log file:\n%s", file.String())
	}
	if len(sys.info) != 1 || len(sys.warn) != 1 || len(sys.err) != 1 {
		t.Fatalf("event log: %+v", sys)
	}
	if !strings.Contains(sys.info[0], "job=photos") || !strings.Contains(sys.info[0], "copied=3") || sys.info[0] != lines[0] {
		t.Errorf("event log line %q, file line %q", sys.info[0], lines[0])
	}
}
