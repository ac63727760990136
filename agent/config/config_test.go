package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mgw-dev/mgw/state/codes"
)

const goodConfig = `
state_dir: state
addresses:
  - name: nas-photos
    type: local
    path: /srv/photos
  - name: oss-archive
    type: oss
    endpoint: oss-cn-hangzhou.aliyuncs.com
    region: cn-hangzhou
    bucket: archive
    prefix: photos
    access_key_id: ${MGW_TEST_KEY_ID}
    access_key_secret: ${MGW_TEST_SECRET}
jobs:
  - name: photos
    source: nas-photos
    destination: oss-archive
    include: ["**/*.jpg"]
    min_size: 1KiB
    part_size: 16MiB
    retry_backoff: 250ms
`

func TestParseConfigGood(t *testing.T) {
	t.Setenv("MGW_TEST_KEY_ID", "id-1")
	t.Setenv("MGW_TEST_SECRET", "s3cr3t$x")
	cfg, err := ParseConfig("/etc/mgw/mgw.yaml", []byte(goodConfig))
	if err != nil {
		t.Fatal(err)
	}
	a := cfg.Resolved("oss-archive")
	if a.AccessKeyID != "id-1" || a.AccessKeySecret != "s3cr3t$x" {
		t.Errorf("env not expanded: %q", a.AccessKeyID)
	}
	if a.Endpoint != "https://oss-cn-hangzhou.aliyuncs.com" || a.Prefix != "photos/" {
		t.Errorf("endpoint %q prefix %q", a.Endpoint, a.Prefix)
	}
	if cfg.StateDir != "/etc/mgw/state" {
		t.Errorf("state_dir %q, want it relative to the config file", cfg.StateDir)
	}
	j := cfg.Job("photos")
	if j.Overwrite != OverwriteIfNewer || j.Concurrency != DefaultConcurrency || *j.Retries != DefaultRetries || j.Mode != "once" {
		t.Errorf("defaults not applied: %+v", j)
	}
	if j.MinSize != 1024 || j.PartSize != 16<<20 || time.Duration(j.RetryBackoff) != 250*time.Millisecond {
		t.Errorf("sizes/durations: %d %d %v", j.MinSize, j.PartSize, j.RetryBackoff)
	}
}

func TestParseConfigErrors(t *testing.T) {
	secretFile := filepath.Join(t.TempDir(), "missing.key")
	for _, tc := range []struct {
		name, yaml, code, want string
	}{
		{"job name hyphen", jobWith("name: -photos"), codes.InvalidJobName, `jobs[0].name: "-photos"`},
		{"job name short", jobWith("name: ab"), codes.InvalidJobName, "mgw.yaml:7 "},
		{"job name upper", jobWith("name: Photos"), codes.InvalidJobName, ""},
		{"address name bad", addrs("  - name: Bad_Name\n    type: local\n    path: /x\n"), codes.InvalidDataAddressName, "addresses[0].name"},
		{"address name empty", addrs("  - type: local\n    path: /x\n"), codes.EmptyDataAddressName, "addresses[0].name"},
		{"address duplicate", addrs("  - name: aaa\n    type: local\n    path: /x\n  - name: aaa\n    type: local\n    path: /y\n"), codes.DataAddressNameExists, "mgw.yaml:5 "},
		{"job duplicate", base + "jobs:\n  - {name: job1, source: src, destination: dst}\n  - {name: job1, source: src, destination: dst}\n", codes.JobAlreadyExist, "jobs[1].name"},
		{"missing source", base + "jobs:\n  - {name: job1, source: nope, destination: dst}\n", codes.DataAddressNotExists, `"nope"`},
		{"same source and destination", base + "jobs:\n  - {name: job1, source: src, destination: src}\n", codes.DuplicateSourceDestination, ""},
		{"nested folders", addrs("  - {name: src, type: local, path: /data}\n  - {name: dst, type: local, path: /data/copy}\n") + "jobs:\n  - {name: job1, source: src, destination: dst}\n", codes.DuplicateSourceDestination, ""},
		{"oss without bucket", addrs("  - name: oss-a\n    type: oss\n    endpoint: https://e\n    access_key_id: k\n    access_key_secret: s\n"), codes.OSSParameterEmpty, "addresses[0].bucket"},
		{"oss without secret", addrs("  - name: oss-a\n    type: oss\n    endpoint: https://e\n    bucket: b\n    access_key_id: k\n"), codes.OSSParameterEmpty, "access_key_secret"},
		{"s3 without endpoint", addrs("  - name: s3-a\n    type: s3\n    bucket: b\n    access_key_id: k\n    access_key_secret: s\n"), codes.BadParameters, "endpoint"},
		{"local without path", addrs("  - name: loc\n    type: local\n"), codes.BadParameters, "addresses[0].path"},
		{"unknown type", addrs("  - name: loc\n    type: ftp\n    path: /x\n"), codes.BadParameters, `"ftp"`},
		{"wrong type", jobWith("concurrency: lots"), codes.BadParameters, "jobs[0].concurrency"},
		{"unknown field", jobWith("overwrit: never"), codes.BadParameters, "jobs[0].overwrit: unknown field"},
		{"bad overwrite", jobWith("overwrite: sometimes"), codes.BadParameters, `"sometimes"`},
		{"bad size", jobWith("min_size: huge"), codes.BadParameters, "not a size"},
		{"bad duration", jobWith("retry_backoff: soon"), codes.BadParameters, "not a duration"},
		{"unset env", addrs("  - name: s3-a\n    type: s3\n    endpoint: http://e\n    bucket: b\n    access_key_id: ${MGW_TEST_UNSET_VAR}\n    access_key_secret: s\n"), codes.BadParameters, "MGW_TEST_UNSET_VAR is not set"},
		{"secret file missing", addrs("  - name: s3-a\n    type: s3\n    endpoint: http://e\n    bucket: b\n    access_key_id: k\n    access_key_secret_file: " + secretFile + "\n"), codes.BadParameters, "cannot read the secret file"},
		{"yaml syntax", "addresses: [\n", codes.ConfigFileInvalid, ""},
		{"bad glob", jobWith(`include: ["[a-"]`), codes.BadParameters, "bad glob"},
		{"check of a one-shot job", jobWith("check: daily"), codes.BadParameters, "continuous jobs only"},
		{"bad check", jobWith("mode: continuous\n    check: monthly"), codes.BadParameters, `"monthly" is not weekly, daily, hourly or a duration`},
		{"check too often", jobWith("mode: continuous\n    check: 10ms"), codes.BadParameters, "jobs[0].check: must be at least 1s"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := parseFails(t, tc.yaml, tc.code, tc.want)
			c, _ := codes.Lookup(tc.code)
			if !strings.HasPrefix(err.Error(), tc.code+": "+c.Message) {
				t.Errorf("message %q does not start with the catalogue's", err)
			}
		})
	}
}

func TestCheckSchedule(t *testing.T) {
	for _, tc := range []struct {
		in, shown string
		every     time.Duration
	}{
		{"weekly", "weekly", 7 * 24 * time.Hour}, {"daily", "daily", 24 * time.Hour},
		{"hourly", "hourly", time.Hour}, {"90m", "1h30m0s", 90 * time.Minute},
	} {
		cfg, err := ParseConfig("/etc/mgw/mgw.yaml", []byte(jobWith("mode: continuous\n    check: "+tc.in)))
		if err != nil {
			t.Fatal(err)
		}
		j := cfg.Job("job1")
		if got := j.Settings().Check; got != tc.every {
			t.Errorf("check: %s gives %v, want %v", tc.in, got, tc.every)
		}
		if !strings.Contains(j.Text(), "\ncheck: "+tc.shown+"\n") {
			t.Errorf("check: %s shown as:\n%s", tc.in, j.Text())
		}
	}
}

func TestConfigErrorNeverShowsSecrets(t *testing.T) {
	yaml := addrs("  - name: oss-a\n    type: oss\n    endpoint: https://e\n    access_key_id: k\n    access_key_secret: hunter2-very-secret\n")
	_, err := ParseConfig("mgw.yaml", []byte(yaml))
	if err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("got %v", err)
	}
}

func TestSecretFile(t *testing.T) {
	f := filepath.Join(t.TempDir(), "oss.key")
	if err := os.WriteFile(f, []byte("from-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := ParseConfig("mgw.yaml", []byte(addrs("  - name: s3-a\n    type: s3\n    endpoint: http://e\n    bucket: b\n    access_key_id: k\n    access_key_secret_file: "+f+"\n")))
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.Resolved("s3-a").AccessKeySecret; got != "from-file" {
		t.Errorf("secret %q", got)
	}
}

const base = `addresses:
  - {name: src, type: local, path: /data/src}
  - {name: dst, type: local, path: /data/dst}
`

func addrs(list string) string { return "addresses:\n" + list }

// jobWith is a valid config whose one job has an extra or replaced field,
// written on line 7.
func jobWith(line string) string {
	fields := []string{line}
	if !strings.HasPrefix(line, "name:") {
		fields = append(fields, "name: job1")
	}
	fields = append(fields, "source: src", "destination: dst")
	return base + "\n\njobs:\n  - " + strings.Join(fields, "\n    ") + "\n"
}

func FuzzParseConfig(f *testing.F) {
	f.Add([]byte(goodConfig))
	f.Add([]byte(base + "jobs:\n  - {name: job1, source: src, destination: dst}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := ParseConfig("fuzz.yaml", data)
		if err == nil && cfg == nil {
			t.Fatal("nil config without error")
		}
	})
}

// parseFails parses yaml and fails the test unless the config is refused
// with code first and want in the message; it returns the error.
func parseFails(t *testing.T, yaml, code, want string) error {
	t.Helper()
	cfg, err := ParseConfig("mgw.yaml", []byte(yaml))
	if err == nil {
		// A secret that cannot be had is reported where addresses are
		// opened, with the same code and message.
		err = cfg.ResolveSecrets()
	}
	var ce ConfigErrors
	if !errors.As(err, &ce) {
		t.Fatalf("got %v, want ConfigErrors", err)
	}
	if ce[0].Code != code {
		t.Fatalf("code %s, want %s (%v)", ce[0].Code, code, err)
	}
	if !strings.Contains(err.Error(), want) {
		t.Errorf("message %q does not contain %q", err, want)
	}
	return err
}

// server_side_copy is on unless the job says false.
func TestServerSideCopySetting(t *testing.T) {
	t.Setenv("MGW_TEST_KEY_ID", "id-1")
	t.Setenv("MGW_TEST_SECRET", "s3cr3t")
	for _, tc := range []struct {
		line string
		want bool
	}{{"", true}, {"    server_side_copy: true\n", true}, {"    server_side_copy: false\n", false}} {
		cfg, err := ParseConfig("/etc/mgw/mgw.yaml", []byte(goodConfig+tc.line))
		if err != nil {
			t.Fatalf("%q: %v", tc.line, err)
		}
		if got := cfg.Job("photos").Settings().ServerSideCopy; got != tc.want {
			t.Errorf("%q: ServerSideCopy %v, want %v", tc.line, got, tc.want)
		}
	}
}
