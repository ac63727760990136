package config

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"

	"github.com/mgw-dev/mgw/state/codes"
)

// A secret that cannot be had does not stop the config from loading:
// ResolveSecrets reports it, with the code and message a load gave.
func TestSecretsResolvedAtOpen(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "missing.pw")
	for _, tc := range []struct{ name, yaml, want string }{
		{"unset variable", addrs("  - {name: nas-a, type: smb, server: s, share: x, user: u, password: '${MGW_TEST_UNSET_PW}'}\n"),
			"environment variable MGW_TEST_UNSET_PW is not set"},
		{"unset variable in a connection string", addrs("  - {name: az-a, type: azblob, container: c-1, connection_string: '${MGW_TEST_UNSET_CS}'}\n"),
			"environment variable MGW_TEST_UNSET_CS is not set"},
		{"secret file missing", addrs("  - {name: nas-a, type: smb, server: s, share: x, user: u, password_file: " + missing + "}\n"),
			"addresses[0].password_file: cannot read the password file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := ParseConfig("mgw.yaml", []byte(tc.yaml))
			if err != nil {
				t.Fatalf("load refused a config whose only problem is a secret: %v", err)
			}
			err = cfg.ResolveSecrets()
			var ce ConfigErrors
			if !errors.As(err, &ce) || len(ce) != 1 || ce[0].Code != codes.BadParameters {
				t.Fatalf("ResolveSecrets = %v, want one BadParameters", err)
			}
			if !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "mgw.yaml:2") {
				t.Errorf("message %q does not say %q at mgw.yaml:2", err, tc.want)
			}
		})
	}
	// Set, the variable is the secret, and nothing is left to report.
	t.Setenv("MGW_TEST_SET_PW", "pw-value")
	cfg, err := ParseConfig("mgw.yaml", []byte(addrs("  - {name: nas-a, type: smb, server: s, share: x, user: u, password: '${MGW_TEST_SET_PW}'}\n")))
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.ResolveSecrets(); err != nil {
		t.Errorf("ResolveSecrets = %v", err)
	}
	if got := cfg.Resolved("nas-a").Password; got != "pw-value" {
		t.Errorf("password %q, want the variable's", got)
	}
	// A variable in a field that is not a secret is the load's problem.
	_, err = ParseConfig("mgw.yaml", []byte(addrs("  - {name: loc, type: local, path: '/data/${MGW_TEST_UNSET_DIR}'}\n")))
	if err == nil || !strings.Contains(err.Error(), "MGW_TEST_UNSET_DIR is not set") {
		t.Errorf("unset variable in a path: %v", err)
	}
}

// An endpoint with a password in it is refused at load, without the
// password in the message; one with a user name alone is the backend's to
// judge.
func TestEndpointCredentialsRefused(t *testing.T) {
	const pw = "Sw0rdfish-77"
	for _, ep := range []string{"https://admin:" + pw + "@s3.example.com", "admin:" + pw + "@oss.example.com", "http://admin:" + pw + "/x@h"} {
		for _, typ := range []string{"s3", "oss"} {
			y := addrs("  - {name: a-1, type: " + typ + ", endpoint: '" + ep + "', region: cn-hangzhou, bucket: b-1, access_key_id: k, access_key_secret: s}\n")
			_, err := ParseConfig("mgw.yaml", []byte(y))
			var ce ConfigErrors
			if !errors.As(err, &ce) || ce[0].Code != codes.BadParameters || ce[0].Field != "addresses[0].endpoint" {
				t.Errorf("%s %s: %v, want BadParameters on addresses[0].endpoint", typ, ep, err)
				continue
			}
			if strings.Contains(err.Error(), pw) {
				t.Errorf("%s: the message shows the password: %v", typ, strings.ReplaceAll(err.Error(), pw, "<PW>"))
			}
		}
	}
	if credentialsIn("https://user@s3.example.com") || credentialsIn("s3.example.com:9000") {
		t.Error("credentialsIn sees a password where there is none")
	}
}

// captureWarnings sends slog's output to a buffer for the test.
func captureWarnings(t *testing.T) *bytes.Buffer {
	var buf bytes.Buffer
	old := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelWarn})))
	t.Cleanup(func() { slog.SetDefault(old) })
	return &buf
}

// A config holding a secret, or a secret file, that others can read is
// warned of once a load, with the fix; a config with no secret written in
// it is not.
func TestReadableSecretsWarned(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no Unix permission bits")
	}
	dir := t.TempDir()
	pwFile := filepath.Join(dir, "pw")
	if err := os.WriteFile(pwFile, []byte("pw\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfgPath := filepath.Join(dir, "mgw.yaml")
	write := func(body string, mode os.FileMode) {
		t.Helper()
		if err := os.WriteFile(cfgPath, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(cfgPath, mode); err != nil {
			t.Fatal(err)
		}
	}
	load := func() string {
		t.Helper()
		buf := captureWarnings(t)
		if _, err := LoadConfig(cfgPath); err != nil {
			t.Fatal(err)
		}
		return buf.String()
	}
	inline := addrs("  - {name: nas-a, type: smb, server: s, share: x, user: u, password: hunter2}\n")
	t.Setenv("MGW_TEST_PW", "x")
	byEnv := addrs("  - {name: nas-a, type: smb, server: s, share: x, user: u, password: '${MGW_TEST_PW}'}\n")
	byFile := addrs("  - {name: nas-a, type: smb, server: s, share: x, user: u, password_file: " + pwFile + "}\n")

	write(inline, 0o644)
	if out := load(); strings.Count(out, "level=WARN") != 1 || !strings.Contains(out, "chmod 600 "+cfgPath) {
		t.Errorf("config 0644 with a password: warnings %q, want one naming chmod 600 %s", out, cfgPath)
	}
	if out := load(); strings.Count(out, "level=WARN") != 1 {
		t.Errorf("second load: %q, want the warning again, once", out)
	}
	write(inline, 0o600)
	if out := load(); out != "" {
		t.Errorf("config 0600: %q, want no warning", out)
	}
	write(byEnv, 0o644)
	if out := load(); out != "" {
		t.Errorf("config with only a ${VAR} secret: %q, want no warning", out)
	}
	write(byFile, 0o644)
	if out := load(); out != "" {
		t.Errorf("config naming a 0600 secret file: %q, want no warning", out)
	}
	if err := os.Chmod(pwFile, 0o640); err != nil {
		t.Fatal(err)
	}
	if out := load(); strings.Count(out, "level=WARN") != 1 || !strings.Contains(out, "chmod 600 "+pwFile) || strings.Contains(out, "pw\n") {
		t.Errorf("secret file 0640: %q, want one warning naming chmod 600 %s", out, pwFile)
	}
}

// A list_file URL carries secrets in a field that is none (a password, a
// presigned query): the text the view, the control API and `mgw address
// list` show hides them, and Secrets names them for the scrubbers.
func TestListFileURLRedacted(t *testing.T) {
	const pw, sig = "Sw0rdfish-78", "Sig-Value-91"
	y := addrs("  - {name: a-1, type: httplist, list_file: 'https://lister:" + pw + "@lists.example.com/l.txt?sig=" + sig + "'}\n")
	c, err := ParseConfig("mgw.yaml", []byte(y))
	if err != nil {
		t.Fatal(err)
	}
	a := &c.Addresses[0]
	text := a.RedactedYAML()
	if strings.Contains(text, pw) || strings.Contains(text, sig) || !strings.Contains(text, "lists.example.com/l.txt") {
		t.Errorf("RedactedYAML:\n%s", text)
	}
	got := strings.Join(a.Secrets(), " ")
	if !strings.Contains(got, pw) || !strings.Contains(got, "sig="+sig) {
		t.Errorf("Secrets() = %q, want the password and the query", got)
	}
}

// An address of the config printed any way (each verb, behind a pointer,
// in a config, in a panic's message, by slog's text and JSON handlers)
// shows none of its secrets, whichever field holds one.
func TestAddressConfigPrintsNoSecret(t *testing.T) {
	a := AddressConfig{Name: "a", Type: "s3", Endpoint: "http://h", ListFile: "http://u:SEKRET-url@h/l.txt?sig=SEKRET-sig"}
	rv := reflect.ValueOf(&a).Elem()
	secrets := 0
	for i := 0; i < rv.NumField(); i++ {
		tag := strings.Split(rv.Type().Field(i).Tag.Get("yaml"), ",")[0]
		if f := rv.Field(i); f.Kind() == reflect.String && tag != "" && isSecretField(tag) {
			f.SetString("SEKRET-" + tag)
			secrets++
		}
	}
	if secrets < 5 {
		t.Fatalf("only %d secret fields found", secrets)
	}
	var outs []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		outs = append(outs, fmt.Sprintf(verb, a), fmt.Sprintf(verb, &a), fmt.Sprintf(verb, Config{Addresses: []AddressConfig{a}}))
	}
	func() {
		defer func() { outs = append(outs, fmt.Sprint(recover())) }()
		panic(fmt.Sprintf("cannot open %+v", a))
	}()
	var b strings.Builder
	slog.New(slog.NewTextHandler(&b, nil)).Info("open", "addr", a)
	slog.New(slog.NewJSONHandler(&b, nil)).Info("open", "addr", a, "ptr", &a)
	outs = append(outs, b.String())
	for _, out := range outs {
		if strings.Contains(out, "SEKRET") {
			t.Errorf("a secret shows in %s", out)
		}
	}
}
