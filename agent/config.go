package agent

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"os"
	"reflect"
	"regexp"
	"strings"
	"time"

	"github.com/dustin/go-humanize"
	"gopkg.in/yaml.v3"

	"github.com/mgw-dev/mgw/connectors"
	"github.com/mgw-dev/mgw/state/codes"
)

// Config is the whole config file. Field names follow the hosted service's
// words (data address, migration job) in snake case.
type Config struct {
	StateDir  string          `yaml:"state_dir"`
	Mount     *string         `yaml:"mount"`          // the read-only view (default /mnt/mgw; "" for none)
	StatusDir string          `yaml:"status_dir"`     // plain-file copy of the view where FUSE is not available
	Metrics   string          `yaml:"metrics_listen"` // serve Prometheus metrics on this TCP address, e.g. 127.0.0.1:9478
	Addresses []AddressConfig `yaml:"addresses"`
	Jobs      []JobConfig     `yaml:"jobs"`

	Path string `yaml:"-"` // the file it was read from
}

// AddressConfig is one data address as written in the config.
type AddressConfig struct {
	Name                string   `yaml:"name"`
	Type                string   `yaml:"type"`
	Path                string   `yaml:"path"`
	Endpoint            string   `yaml:"endpoint"`
	Region              string   `yaml:"region"`
	Bucket              string   `yaml:"bucket"`
	Prefix              string   `yaml:"prefix"`
	PathStyle           bool     `yaml:"path_style"`
	AccessKeyID         string   `yaml:"access_key_id"`
	AccessKeySecret     string   `yaml:"access_key_secret"`
	AccessKeySecretFile string   `yaml:"access_key_secret_file"`
	Timeout             Duration `yaml:"timeout"`

	// cos (Tencent): the account's SecretId/SecretKey; copied into
	// AccessKeyID/AccessKeySecret by validation.
	SecretID      string `yaml:"secret_id"`
	SecretKey     string `yaml:"secret_key"`
	SecretKeyFile string `yaml:"secret_key_file"`
	// httplist: the list of URLs (local path or http(s) URL) and its format.
	ListFile   string `yaml:"list_file"`
	ListFormat string `yaml:"list_format"`
	// s3 preset; azblob and gcs credentials (see validate_cloud_b.go).
	Provider         string `yaml:"provider"`
	Container        string `yaml:"container"`
	ConnectionString string `yaml:"connection_string"`
	Account          string `yaml:"account"`
	AccountKey       string `yaml:"account_key"`
	SASToken         string `yaml:"sas_token"`
	KeyFile          string `yaml:"key_file"`
	keyJSON          []byte // the key file's content, read by validation
	// smb and nfs (see validate_nas.go)
	Server       string `yaml:"server"`
	Share        string `yaml:"share"`
	Export       string `yaml:"export"`
	User         string `yaml:"user"`
	Password     string `yaml:"password"`
	PasswordFile string `yaml:"password_file"`
	Domain       string `yaml:"domain"`
	Version      string `yaml:"version"`
	UID          uint32 `yaml:"uid"`
	GID          uint32 `yaml:"gid"`
	Conns        int    `yaml:"conns"`

	pos positions
}

// JobConfig is one migration job as written in the config.
type JobConfig struct {
	Name           string    `yaml:"name"`
	Source         string    `yaml:"source"`
	Destination    string    `yaml:"destination"`
	Mode           string    `yaml:"mode"`      // once (default) | continuous
	Overwrite      string    `yaml:"overwrite"` // always | never | if-newer (default) | if-different
	Include        []string  `yaml:"include"`
	Exclude        []string  `yaml:"exclude"`
	MinSize        ByteSize  `yaml:"min_size"`
	MaxSize        ByteSize  `yaml:"max_size"`
	ModifiedAfter  time.Time `yaml:"modified_after"`
	Concurrency    int       `yaml:"concurrency"`
	PartSize       ByteSize  `yaml:"part_size"`
	Retries        *int      `yaml:"retries"`
	RetryBackoff   Duration  `yaml:"retry_backoff"` // first retry delay; doubles per attempt
	FollowSymlinks bool      `yaml:"follow_symlinks"`
	ReportPrefix   string    `yaml:"report_prefix"` // upload each run's report (text and CSV) to the destination under this prefix
	Limits         Limits    `yaml:"limits"`        // bytes/s and requests/s, with a weekly schedule; applied on reload without a restart

	// Archived source objects: with Restore, mgw requests a restore kept
	// RestoreDays days and copies each object once a check every
	// RestorePoll finds it readable; without, they are listed as
	// UnsupportedArchiveBucket.
	Restore     bool     `yaml:"restore"`
	RestoreDays int      `yaml:"restore_days"`
	RestorePoll Duration `yaml:"restore_poll"`

	// Continuous jobs only.
	Settle        Duration  `yaml:"settle"`         // a change is copied once the file has been quiet this long
	Rescan        Duration  `yaml:"rescan"`         // full reconcile pass
	Poll          Duration  `yaml:"poll"`           // listing diff for sources that cannot be watched
	Deletes       string    `yaml:"deletes"`        // keep (default) | mirror | archive
	ArchivePrefix string    `yaml:"archive_prefix"` // with deletes: archive
	MaxDelete     MaxDelete `yaml:"max_delete"`     // deletes allowed per pass: a count or a percentage of the index

	pos positions
}

// Modes and delete policies.
const (
	ModeOnce       = "once"
	ModeContinuous = "continuous"

	DeletesKeep    = "keep"
	DeletesMirror  = "mirror"
	DeletesArchive = "archive"
)

// Overwrite policies.
const (
	OverwriteAlways    = "always"
	OverwriteNever     = "never"
	OverwriteIfNewer   = "if-newer"
	OverwriteIfDiffers = "if-different"
)

// Defaults a job gets for fields left out.
const (
	DefaultConcurrency  = 64
	DefaultRetries      = 5
	DefaultRetryBackoff = time.Second

	DefaultMount         = "/mnt/mgw"
	DefaultSettle        = 2 * time.Second
	DefaultRescan        = time.Hour
	DefaultPoll          = time.Minute
	DefaultArchivePrefix = ".mgw-deleted/"
	DefaultRestoreDays   = 1
	DefaultRestorePoll   = time.Minute
	DefaultMaxDeletePct  = 10
)

// ConfigError is one problem found in the config, with the catalogue code.
type ConfigError struct {
	Code   string
	File   string
	Line   int
	Field  string // e.g. jobs[0].name
	Detail string // what was found, never a secret
}

func (e *ConfigError) Error() string {
	where := e.File
	if e.Line > 0 {
		where = fmt.Sprintf("%s:%d", e.File, e.Line)
	}
	if e.Field != "" {
		where += " " + e.Field
	}
	if e.Detail != "" {
		where += ": " + e.Detail
	}
	return CodeText(e.Code, where)
}

// ConfigErrors is every problem found, in file order.
type ConfigErrors []*ConfigError

func (es ConfigErrors) Error() string {
	var b strings.Builder
	for i, e := range es {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e.Error())
	}
	return b.String()
}

// LoadConfig reads, expands and validates the config file. Any error is a
// ConfigErrors value naming each problem's code, line and field.
func LoadConfig(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, ConfigErrors{{Code: codes.ConfigFileInvalid, File: path, Detail: err.Error()}}
	}
	return ParseConfig(path, data)
}

// ParseConfig is LoadConfig on data already read.
func ParseConfig(path string, data []byte) (*Config, error) {
	var root yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&root); err != nil {
		return nil, ConfigErrors{{Code: codes.ConfigFileInvalid, File: path, Detail: err.Error()}}
	}
	p := &parser{file: path}
	cfg := &Config{Path: path}
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		p.expandEnv(root.Content[0])
		p.decode(root.Content[0], cfg, "")
	}
	if len(p.errs) > 0 {
		return nil, p.errs
	}
	p.validate(cfg)
	if len(p.errs) > 0 {
		return nil, p.errs
	}
	return cfg, nil
}

// positions remembers the line of each field of one config entry.
type positions struct {
	line   int
	fields map[string]int
	path   string // e.g. jobs[2]
}

func (ps positions) at(field string) (int, string) {
	if l, ok := ps.fields[field]; ok {
		return l, ps.path + "." + field
	}
	return ps.line, ps.path + "." + field
}

type parser struct {
	file string
	errs ConfigErrors
}

func (p *parser) fail(code string, line int, field, detail string) {
	p.errs = append(p.errs, &ConfigError{Code: code, File: p.file, Line: line, Field: field, Detail: detail})
}

var envRef = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)

// expandEnv replaces ${VAR} in every scalar with the environment's value.
// Only the braced form is expanded, so a literal '$' in a value stays.
func (p *parser) expandEnv(n *yaml.Node) {
	if n.Kind == yaml.ScalarNode {
		n.Value = envRef.ReplaceAllStringFunc(n.Value, func(m string) string {
			name := m[2 : len(m)-1]
			v, ok := os.LookupEnv(name)
			if !ok {
				p.fail(codes.BadParameters, n.Line, "", "environment variable "+name+" is not set")
			}
			return v
		})
		return
	}
	for _, c := range n.Content {
		p.expandEnv(c)
	}
}

// decode fills a struct from a mapping node, refusing unknown fields (a
// typo must not be silently ignored) and recording each field's line.
func (p *parser) decode(n *yaml.Node, out any, path string) positions {
	pos := positions{line: n.Line, fields: map[string]int{}, path: path}
	if n.Kind != yaml.MappingNode {
		p.fail(codes.BadParameters, n.Line, path, "expected a mapping of field: value")
		return pos
	}
	v := reflect.ValueOf(out).Elem()
	t := v.Type()
	byTag := map[string]int{}
	for i := 0; i < t.NumField(); i++ {
		if tag := strings.Split(t.Field(i).Tag.Get("yaml"), ",")[0]; tag != "" && tag != "-" {
			byTag[tag] = i
		}
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		field := k.Value
		fpath := field
		if path != "" {
			fpath = path + "." + field
		}
		idx, ok := byTag[field]
		if !ok {
			p.fail(codes.BadParameters, k.Line, fpath, "unknown field")
			continue
		}
		pos.fields[field] = k.Line
		fv := v.Field(idx)
		switch dst := fv.Addr().Interface().(type) {
		case *[]AddressConfig:
			p.decodeList(val, fpath, func(item *yaml.Node, ipath string) {
				var a AddressConfig
				a.pos = p.decode(item, &a, ipath)
				*dst = append(*dst, a)
			})
		case *[]JobConfig:
			p.decodeList(val, fpath, func(item *yaml.Node, ipath string) {
				var j JobConfig
				j.pos = p.decode(item, &j, ipath)
				*dst = append(*dst, j)
			})
		case *Limits:
			p.decodeLimits(val, fpath, dst)
		case *[]LimitWindow:
			p.decodeWindows(val, fpath, dst)
		default:
			if err := val.Decode(dst); err != nil {
				p.fail(codes.BadParameters, val.Line, fpath, typeError(err))
			}
		}
	}
	return pos
}

func (p *parser) decodeList(n *yaml.Node, path string, each func(*yaml.Node, string)) {
	if n.Kind != yaml.SequenceNode {
		p.fail(codes.BadParameters, n.Line, path, "expected a list")
		return
	}
	for i, item := range n.Content {
		each(item, fmt.Sprintf("%s[%d]", path, i))
	}
}

// typeError shortens yaml's type errors to what the user needs.
func typeError(err error) string {
	s := err.Error()
	s = strings.TrimPrefix(s, "yaml: unmarshal errors:\n")
	s = strings.TrimSpace(s)
	if i := strings.Index(s, ": "); i >= 0 && strings.HasPrefix(s, "line ") {
		s = s[i+2:]
	}
	return s
}

// Address returns the address named name, or nil.
func (c *Config) Address(name string) *AddressConfig {
	for i := range c.Addresses {
		if c.Addresses[i].Name == name {
			return &c.Addresses[i]
		}
	}
	return nil
}

// Job returns the job named name, or nil.
func (c *Config) Job(name string) *JobConfig {
	for i := range c.Jobs {
		if c.Jobs[i].Name == name {
			return &c.Jobs[i]
		}
	}
	return nil
}

// MountPoint is where the agent mounts its view ("" for none).
func (c *Config) MountPoint() string {
	if c.Mount == nil {
		return DefaultMount
	}
	return *c.Mount
}

// RedactedYAML is the address as YAML with every secret replaced by ****:
// what the view and `mgw address list` show.
func (a *AddressConfig) RedactedYAML() string { return settingsText(*a, true) }

// Text is the job's settings as YAML, defaults filled in: the view's
// jobs/<job>/config.
func (j *JobConfig) Text() string { return settingsText(*j, true) }

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
		if redact && isSecretField(tag) {
			s = "****"
		}
		fmt.Fprintf(&b, "%s: %s\n", tag, s)
	}
	return b.String()
}

// secrets returns the secret values an address holds.
func (a *AddressConfig) secrets() []string {
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

// SideOf says how the config's jobs use an address: as a destination if
// any job writes to it, else as a source.
func (c *Config) SideOf(name string) Side {
	for _, j := range c.Jobs {
		if j.Destination == name {
			return Destination
		}
	}
	return Source
}

// Connector turns the address into what a backend needs.
func (a *AddressConfig) Connector() connectors.Address {
	ca := connectors.Address{
		Name: a.Name, Type: a.Type, Path: a.Path, Endpoint: a.Endpoint, Region: a.Region,
		Bucket: a.Bucket, Prefix: a.Prefix, PathStyle: a.PathStyle, AccessKeyID: a.AccessKeyID,
		AccessKeySecret: a.AccessKeySecret, Timeout: time.Duration(a.Timeout),
		ListFile: a.ListFile, ListFormat: a.ListFormat,
	}
	a.cloudBConnector(&ca)
	a.nasConnector(&ca)
	return ca
}

// ByteSize is a size in bytes written as a number or with a unit (100MiB, 5GB).
type ByteSize int64

// UnmarshalYAML accepts 1048576, "1MiB" or "1 MB".
func (b *ByteSize) UnmarshalYAML(n *yaml.Node) error {
	v, err := humanize.ParseBytes(n.Value)
	if err != nil || v > 1<<62 {
		return fmt.Errorf("%q is not a size (e.g. 1048576, 100MiB, 5GB)", n.Value)
	}
	*b = ByteSize(v)
	return nil
}

// Duration is a time.Duration written as 2s, 1h30m.
type Duration time.Duration

func (d Duration) String() string { return time.Duration(d).String() }

// UnmarshalYAML accepts Go duration strings.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	v, err := time.ParseDuration(n.Value)
	if err != nil || v < 0 {
		return fmt.Errorf("%q is not a duration (e.g. 500ms, 2s, 1h)", n.Value)
	}
	*d = Duration(v)
	return nil
}

// MaxDelete caps the deletes one pass may apply: a count ("500") or a
// percentage of the files in the index ("10%").
type MaxDelete struct {
	Count   int64
	Percent float64 // used when Count is 0
	Set     bool
}

// UnmarshalYAML accepts 500 or "10%".
func (m *MaxDelete) UnmarshalYAML(n *yaml.Node) error {
	v := strings.TrimSpace(n.Value)
	var err error
	if pct, ok := strings.CutSuffix(v, "%"); ok {
		_, err = fmt.Sscanf(pct, "%g", &m.Percent)
		if err == nil && (m.Percent < 0 || m.Percent > 100) {
			err = errors.New("out of range")
		}
	} else {
		_, err = fmt.Sscanf(v, "%d", &m.Count)
		if err == nil && m.Count < 0 {
			err = errors.New("negative")
		}
	}
	if err != nil {
		return fmt.Errorf("%q is not a count or a percentage (e.g. 500, 10%%)", n.Value)
	}
	m.Set = true
	return nil
}

func (m MaxDelete) String() string {
	if m.Count > 0 || (m.Set && m.Percent == 0) {
		return fmt.Sprint(m.Count)
	}
	if !m.Set {
		return fmt.Sprintf("%d%%", DefaultMaxDeletePct)
	}
	return fmt.Sprintf("%g%%", m.Percent)
}

// Limit is the number of deletes allowed when the index holds indexed files.
func (m MaxDelete) Limit(indexed int64) int64 {
	if m.Count > 0 || (m.Set && m.Percent == 0) {
		return m.Count
	}
	pct := m.Percent
	if !m.Set {
		pct = DefaultMaxDeletePct
	}
	if pct >= 100 {
		return math.MaxInt64 // "100%": no cap
	}
	return int64(float64(indexed) * pct / 100)
}
