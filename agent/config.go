package agent

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"time"

	"github.com/bmatcuk/doublestar/v4"
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
	c, _ := codes.Lookup(e.Code)
	s := e.Code + ": " + c.Message
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
	return s + " (" + where + ")"
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

var nameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,60}[a-z0-9]$`)

func (p *parser) validate(c *Config) {
	if c.StateDir == "" {
		c.StateDir = DefaultStateDir
	}
	c.StateDir = relativeTo(c.Path, c.StateDir)
	seen := map[string]bool{}
	for i := range c.Addresses {
		a := &c.Addresses[i]
		line, field := a.pos.at("name")
		switch {
		case a.Name == "":
			p.fail(codes.EmptyDataAddressName, line, field, "")
			continue
		case !nameRE.MatchString(a.Name):
			p.fail(codes.InvalidDataAddressName, line, field, fmt.Sprintf("%q", a.Name))
		case seen[a.Name]:
			p.fail(codes.DataAddressNameExists, line, field, fmt.Sprintf("%q", a.Name))
		}
		seen[a.Name] = true
		p.validateAddress(a, c.Path)
	}
	jobs := map[string]bool{}
	for i := range c.Jobs {
		j := &c.Jobs[i]
		line, field := j.pos.at("name")
		switch {
		case !nameRE.MatchString(j.Name):
			p.fail(codes.InvalidJobName, line, field, fmt.Sprintf("%q", j.Name))
		case jobs[j.Name]:
			p.fail(codes.JobAlreadyExist, line, field, fmt.Sprintf("%q", j.Name))
		}
		jobs[j.Name] = true
		p.validateJob(c, j)
	}
}

// AddressTypes are the address types this build supports.
var AddressTypes = []string{"local", "s3", "oss"}

func (p *parser) validateAddress(a *AddressConfig, cfgPath string) {
	// need fails each named field (name, value pairs) that is empty.
	need := func(code string, pairs ...string) {
		for i := 0; i+1 < len(pairs); i += 2 {
			if pairs[i+1] == "" {
				line, field := a.pos.at(pairs[i])
				p.fail(code, line, field, "required for type "+a.Type)
			}
		}
	}
	switch a.Type {
	case "local":
		need(codes.BadParameters, "path", a.Path)
		if a.Path != "" {
			a.Path = relativeTo(cfgPath, a.Path)
		}
	case "oss", "s3":
		code := codes.OSSParameterEmpty
		if a.Type == "s3" {
			code = codes.BadParameters
		}
		need(code, "endpoint", a.Endpoint, "bucket", a.Bucket, "access_key_id", a.AccessKeyID)
		if a.AccessKeySecret == "" && a.AccessKeySecretFile == "" {
			line, field := a.pos.at("access_key_secret")
			p.fail(code, line, field, "access_key_secret or access_key_secret_file is required for type "+a.Type)
		}
		if a.AccessKeySecretFile != "" {
			b, err := os.ReadFile(a.AccessKeySecretFile)
			if err != nil {
				line, field := a.pos.at("access_key_secret_file")
				p.fail(codes.BadParameters, line, field, "cannot read the secret file: "+pathError(err))
			}
			a.AccessKeySecret = strings.TrimRight(string(b), "\r\n")
		}
		if a.Endpoint != "" && !strings.Contains(a.Endpoint, "://") {
			a.Endpoint = "https://" + a.Endpoint
		}
		if a.Prefix != "" && !strings.HasSuffix(a.Prefix, "/") {
			a.Prefix += "/"
		}
		if a.Region == "" && a.Type == "s3" {
			a.Region = "us-east-1"
		}
	case "":
		line, field := a.pos.at("type")
		p.fail(codes.BadParameters, line, field, "required: one of "+strings.Join(AddressTypes, ", "))
	default:
		line, field := a.pos.at("type")
		p.fail(codes.BadParameters, line, field, fmt.Sprintf("%q is not one of %s", a.Type, strings.Join(AddressTypes, ", ")))
	}
}

// relativeTo makes a relative path in the config relative to the config
// file's folder, as people expect of paths written in a file.
func relativeTo(cfgPath, p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	if abs, err := filepath.Abs(filepath.Join(filepath.Dir(cfgPath), p)); err == nil {
		return abs
	}
	return p
}

// pathError keeps the reason of a file error without repeating the path.
func pathError(err error) string {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err.Error()
	}
	return err.Error()
}

func (p *parser) validateJob(c *Config, j *JobConfig) {
	var src, dst *AddressConfig
	for _, ref := range []struct {
		field string
		name  string
		out   **AddressConfig
	}{{"source", j.Source, &src}, {"destination", j.Destination, &dst}} {
		line, field := j.pos.at(ref.field)
		if ref.name == "" {
			p.fail(codes.EmptyDataAddressName, line, field, "")
			continue
		}
		if *ref.out = c.Address(ref.name); *ref.out == nil {
			p.fail(codes.DataAddressNotExists, line, field, fmt.Sprintf("%q", ref.name))
		}
	}
	if src != nil && dst != nil && sameLocation(src, dst) {
		line, field := j.pos.at("destination")
		p.fail(codes.DuplicateSourceDestination, line, field, fmt.Sprintf("%q and %q", j.Source, j.Destination))
	}
	switch j.Mode {
	case "":
		j.Mode = "once"
	case "once":
	default:
		line, field := j.pos.at("mode")
		p.fail(codes.BadParameters, line, field, fmt.Sprintf("%q: only once is supported by this build", j.Mode))
	}
	switch j.Overwrite {
	case "":
		j.Overwrite = OverwriteIfNewer
	case OverwriteAlways, OverwriteNever, OverwriteIfNewer, OverwriteIfDiffers:
	default:
		line, field := j.pos.at("overwrite")
		p.fail(codes.BadParameters, line, field, fmt.Sprintf("%q is not one of always, never, if-newer, if-different", j.Overwrite))
	}
	for field, globs := range map[string][]string{"include": j.Include, "exclude": j.Exclude} {
		for _, pat := range globs {
			if !doublestar.ValidatePattern(pat) {
				line, f := j.pos.at(field)
				p.fail(codes.BadParameters, line, f, fmt.Sprintf("bad glob %q", pat))
			}
		}
	}
	if j.Concurrency == 0 {
		j.Concurrency = DefaultConcurrency
	}
	if j.Concurrency < 0 || j.Concurrency > 1024 {
		line, field := j.pos.at("concurrency")
		p.fail(codes.BadParameters, line, field, "must be between 1 and 1024")
	}
	if j.Retries == nil {
		r := DefaultRetries
		j.Retries = &r
	} else if *j.Retries < 0 || *j.Retries > 100 {
		line, field := j.pos.at("retries")
		p.fail(codes.BadParameters, line, field, "must be between 0 and 100")
	}
	if j.RetryBackoff == 0 {
		j.RetryBackoff = Duration(DefaultRetryBackoff)
	}
	if j.PartSize != 0 && j.PartSize < 100<<10 {
		line, field := j.pos.at("part_size")
		p.fail(codes.BadParameters, line, field, "must be 0 (automatic) or at least 100KiB")
	}
}

// sameLocation reports whether two addresses point at the same data, or
// one inside the other: copying there would feed the job its own output.
func sameLocation(a, b *AddressConfig) bool {
	if a.Name == b.Name {
		return true
	}
	if a.Type != b.Type {
		return false
	}
	switch a.Type {
	case "local":
		pa, pb := filepath.Clean(a.Path)+string(filepath.Separator), filepath.Clean(b.Path)+string(filepath.Separator)
		return strings.HasPrefix(pa, pb) || strings.HasPrefix(pb, pa)
	default:
		return strings.TrimRight(a.Endpoint, "/") == strings.TrimRight(b.Endpoint, "/") && a.Bucket == b.Bucket &&
			(strings.HasPrefix(a.Prefix, b.Prefix) || strings.HasPrefix(b.Prefix, a.Prefix))
	}
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
	return connectors.Address{
		Name: a.Name, Type: a.Type, Path: a.Path, Endpoint: a.Endpoint, Region: a.Region,
		Bucket: a.Bucket, Prefix: a.Prefix, PathStyle: a.PathStyle, AccessKeyID: a.AccessKeyID,
		AccessKeySecret: a.AccessKeySecret, Timeout: time.Duration(a.Timeout),
	}
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
