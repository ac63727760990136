package config

import (
	"fmt"
	"log/slog"
	"net/url"
	"reflect"
	"strings"
	"time"

	"github.com/dustin/go-humanize"

	"github.com/mgw-dev/mgw/connectors"
)

// Format prints a with its secrets hidden, whatever the verb, so that an
// address quoted in an error, a log line or a panic's message never shows
// them.
func (a AddressConfig) Format(f fmt.State, verb rune) {
	type plain AddressConfig // without the methods: Format would call itself
	rv := reflect.ValueOf(&a).Elem()
	for i := 0; i < rv.NumField(); i++ {
		tag := strings.Split(rv.Type().Field(i).Tag.Get("yaml"), ",")[0]
		if f := rv.Field(i); f.Kind() == reflect.String && f.String() != "" && tag != "" && isSecretField(tag) {
			f.SetString("****")
		}
	}
	a.ListFile = connectors.RedactURL(a.ListFile)
	fmt.Fprintf(f, fmt.FormatString(f, verb), plain(a))
}

// LogValue is what slog logs of a: the same, in any handler.
func (a AddressConfig) LogValue() slog.Value { return slog.StringValue(fmt.Sprintf("%+v", a)) }

// RedactedYAML is the address as YAML with every secret replaced by ****:
// what the view and `mgw address list` show.
func (a *AddressConfig) RedactedYAML() string { return settingsText(*a, true) }

// Text is the job's settings as YAML, defaults filled in: the view's
// jobs/<job>/config.
// A sharded job shows the agent's shard, wherever it came from.
func (j *JobConfig) Text() string {
	s := settingsText(*j, true)
	if j.shard.Sharded() {
		s += fmt.Sprintf("shard: %s (index/count)\n", j.shard)
	}
	return s
}

// settingsText writes a config struct's set fields as "field: value"
// lines, with redact every secret replaced by ****.
func settingsText(v any, redact bool) string {
	var b strings.Builder
	rv := reflect.ValueOf(v)
	t := rv.Type()
	for i := 0; i < t.NumField(); i++ {
		tag := strings.Split(t.Field(i).Tag.Get("yaml"), ",")[0]
		f := rv.Field(i)
		if tag == "" || tag == "-" || f.IsZero() {
			continue
		}
		var val any = f.Interface()
		switch x := val.(type) {
		case ShardConfig:
			continue // as resolved, by Text
		case *int:
			val = *x
		case ByteSize:
			val = humanize.IBytes(uint64(x))
		case MaxDelete:
			val = x.String()
		case time.Time:
			val = x.UTC().Format(time.RFC3339)
		}
		s := fmt.Sprint(val)
		switch {
		case redact && isSecretField(tag):
			s = "****"
		case redact:
			// A URL in a field that is no secret (list_file) may
			// still carry one: a password, a presigned signature.
			s = connectors.RedactURL(s)
		}
		fmt.Fprintf(&b, "%s: %s\n", tag, s)
	}
	return b.String()
}

// Secrets returns the secret values an address holds.
func (a *AddressConfig) Secrets() []string {
	var out []string
	rv := reflect.ValueOf(*a)
	t := rv.Type()
	for i := 0; i < t.NumField(); i++ {
		tag := strings.Split(t.Field(i).Tag.Get("yaml"), ",")[0]
		if tag == "" || tag == "-" || !isSecretField(tag) {
			continue
		}
		if s, ok := rv.Field(i).Interface().(string); ok && s != "" {
			out = append(out, s)
		}
	}
	// What a URL in another field carries (list_file's password or
	// presigned query), so that scrubbing an error that quotes it hides it.
	if u, err := url.Parse(a.ListFile); err == nil && u.Host != "" {
		if p, ok := u.User.Password(); ok && p != "" {
			out = append(out, p)
		}
		if u.RawQuery != "" {
			out = append(out, u.RawQuery)
		}
	}
	return out
}

// isSecretField tells secrets by their field names, so that a field added
// for a new address type is hidden without anyone remembering to.
func isSecretField(tag string) bool {
	if strings.HasSuffix(tag, "_file") || strings.HasSuffix(tag, "_id") {
		return false // a path, or a public key id
	}
	for _, w := range []string{"secret", "password", "key", "sas", "token", "connection_string", "credential"} {
		if strings.Contains(tag, w) {
			return true
		}
	}
	return false
}
