package connectors

import (
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
)

// A relative path in the config is relative to the config's folder; an
// absolute one stays.
func TestAbsPath(t *testing.T) {
	want, _ := filepath.Abs(filepath.Join("/etc/mgw", "lists", "u.tsv"))
	if got := AbsPath("/etc/mgw", "lists/u.tsv"); got != want {
		t.Errorf("AbsPath = %q, want %q", got, want)
	}
	abs, _ := filepath.Abs("/srv/x")
	if got := AbsPath("/etc/mgw", abs); got != abs {
		t.Errorf("AbsPath of an absolute path = %q", got)
	}
}

// An address printed any way (each verb, nested, behind a pointer, in a
// panic's message, by slog's text and JSON handlers) shows no secret.
func TestAddressPrintsNoSecret(t *testing.T) {
	a := Address{Name: "a", Type: "s3", Endpoint: "http://h", AccessKeyID: "id", AccessKeySecret: "SEKRET-access",
		AccountKey: "SEKRET-account", SAS: "SEKRET-sas", ConnectionString: "AccountName=x;AccountKey=SEKRET-conn",
		KeyJSON: []byte("SEKRET-json"), Password: "SEKRET-password", SecretKey: "SEKRET-secretkey",
		ListFile: "http://u:SEKRET-url@h/l.txt?sig=SEKRET-sig"}
	var outs []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
		outs = append(outs, fmt.Sprintf(verb, a), fmt.Sprintf(verb, &a), fmt.Sprintf(verb, []Address{a}),
			fmt.Sprintf(verb, struct{ Dst Address }{a}))
	}
	func() {
		defer func() { outs = append(outs, fmt.Sprint(recover())) }()
		panic(fmt.Errorf("cannot open %v", a))
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
	if !strings.Contains(outs[0], "http://h") {
		t.Errorf("the address is not printed: %s", outs[0])
	}
}
