package config

import (
	"fmt"
	"testing"
)

func TestSameJobAcrossReloads(t *testing.T) {
	const base = `
addresses:
  - {name: src, type: local, path: /src}
  - {name: dst, type: s3, endpoint: http://127.0.0.1:7070, bucket: b, access_key_id: k, access_key_secret: %s}
jobs:
  - {name: photos, source: src, destination: dst, retries: 3%s}
`
	parse := func(secret, extra string) *Config {
		t.Helper()
		cfg, err := ParseConfig("/etc/mgw/mgw.yaml", []byte(fmt.Sprintf(base, secret, extra)))
		if err != nil {
			t.Fatal(err)
		}
		return cfg
	}
	a := parse("s1", "")
	b := parse("s1", "")
	// Moved lines, same settings: the job runs on.
	moved := parse("s1", "")
	if !SameJob(a, b, &a.Jobs[0], &b.Jobs[0]) || !SameJob(a, moved, &a.Jobs[0], &moved.Jobs[0]) {
		t.Error("an unchanged job would be restarted by a reload")
	}
	if c := parse("s2", ""); SameJob(a, c, &a.Jobs[0], &c.Jobs[0]) {
		t.Error("a changed secret must restart the job")
	}
	if c := parse("s1", ", concurrency: 4"); SameJob(a, c, &a.Jobs[0], &c.Jobs[0]) {
		t.Error("a changed setting must restart the job")
	}
}
