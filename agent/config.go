package agent

import (
	"bytes"
	"fmt"
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
	Mode           string    `yaml:"mode"`      // once (default)
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

	pos positions
}

// Overwrite policies.
const (
	OverwriteAlways    = "always"
	OverwriteNever     = "never"
	OverwriteIfNewer   = "if-newer"
	OverwriteIfDiffers = "if-different"
)

// Defaults a job gets for fields left out.
const (
	DefaultConcurrency  = 16
	DefaultRetries      = 5
	DefaultRetryBackoff = time.Second
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

// Connector turns the address into what a backend needs.
func (a *AddressConfig) Connector() connectors.Address {
	ca := connectors.Address{
		Name: a.Name, Type: a.Type, Path: a.Path, Endpoint: a.Endpoint, Region: a.Region,
		Bucket: a.Bucket, Prefix: a.Prefix, PathStyle: a.PathStyle, AccessKeyID: a.AccessKeyID,
		AccessKeySecret: a.AccessKeySecret, Timeout: time.Duration(a.Timeout),
	}
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

// UnmarshalYAML accepts Go duration strings.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	v, err := time.ParseDuration(n.Value)
	if err != nil || v < 0 {
		return fmt.Errorf("%q is not a duration (e.g. 500ms, 2s, 1h)", n.Value)
	}
	*d = Duration(v)
	return nil
}
