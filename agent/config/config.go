package config

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"time"

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

	Path  string `yaml:"-"` // the file it was read from
	Shard Shard  `yaml:"-"` // the agent's shard of every job (SetShard); none by default

	inlineSecret bool // a secret is written in the file: it must be readable by its owner only
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

	// cos (Tencent): the account's SecretId/SecretKey; the cos backend's
	// validation copies them into AccessKeyID/AccessKeySecret.
	SecretID      string `yaml:"secret_id"`
	SecretKey     string `yaml:"secret_key"`
	SecretKeyFile string `yaml:"secret_key_file"`
	// httplist: the list of URLs (local path or http(s) URL) and its format.
	ListFile   string `yaml:"list_file"`
	ListFormat string `yaml:"list_format"`
	// upyun: the service, its operator (password or password_file below)
	// and a CDN domain to read through (see connectors/upyun).
	Service  string `yaml:"service"`
	Operator string `yaml:"operator"`
	CDN      string `yaml:"cdn"`
	// s3 preset; azblob and gcs credentials (see connectors/s3, azblob, gcs).
	Provider         string `yaml:"provider"`
	Container        string `yaml:"container"`
	ConnectionString string `yaml:"connection_string"`
	Account          string `yaml:"account"`
	AccountKey       string `yaml:"account_key"`
	SASToken         string `yaml:"sas_token"`
	KeyFile          string `yaml:"key_file"`
	// smb and nfs (see connectors/smb, nfs); upyun takes password and password_file too
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
	ReservedPort bool   `yaml:"reserved_port"`
	Conns        int    `yaml:"conns"`

	pos      positions
	resolved *connectors.Address // set by validation: what the backend filled in
	secrets  pendingSecrets      // what ResolveSecrets reports (secrets.go)
}

// JobConfig is one migration job as written in the config.
type JobConfig struct {
	Name           string    `yaml:"name"`
	Source         string    `yaml:"source"`
	Destination    string    `yaml:"destination"`
	Mode           Mode      `yaml:"mode"`
	Overwrite      Overwrite `yaml:"overwrite"`
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
	// ServerSideCopy (default on) lets the destination copy files from
	// the source on the server where both are one service, endpoint and
	// credentials; false copies every byte through this host.
	ServerSideCopy *bool  `yaml:"server_side_copy"`
	ReportPrefix   string `yaml:"report_prefix"` // upload each run's report (text and CSV) to the destination under this prefix
	Limits         Limits `yaml:"limits"`        // bytes/s and requests/s, with a weekly schedule; applied on reload without a restart

	// Archived source objects: with Restore, mgw requests a restore kept
	// RestoreDays days and copies each object once a check every
	// RestorePoll finds it readable; without, they are listed as
	// UnsupportedArchiveBucket.
	Restore     bool     `yaml:"restore"`
	RestoreDays int      `yaml:"restore_days"`
	RestorePoll Duration `yaml:"restore_poll"`

	// Continuous jobs only.
	Settle        Duration   `yaml:"settle"` // a change is copied once the file has been quiet this long
	Rescan        Duration   `yaml:"rescan"` // full reconcile pass
	Poll          Duration   `yaml:"poll"`   // listing diff for sources that cannot be watched
	Deletes       Deletes    `yaml:"deletes"`
	ArchivePrefix string     `yaml:"archive_prefix"` // with deletes: archive
	MaxDelete     MaxDelete  `yaml:"max_delete"`     // deletes allowed per pass: a count or a percentage of the index
	Check         CheckEvery `yaml:"check"`          // the agent checks the job (mgw check) this often, the first time once synced

	// Shard spreads the job over several agents (shard.go).
	Shard ShardConfig `yaml:"shard"`

	pos   positions
	shard Shard // resolved by SetShard
}

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
	return codes.Text(e.Code, where)
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
// ConfigErrors value naming each problem's code, line and field. Secrets
// that cannot be had are not its errors but ResolveSecrets': see
// secrets.go. A file holding secrets that others can read is warned of.
func LoadConfig(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, ConfigErrors{{Code: codes.ConfigFileInvalid, File: path, Detail: err.Error()}}
	}
	cfg, err := ParseConfig(path, data)
	if err == nil {
		warnReadable(cfg, cfg.inlineSecret)
	}
	return cfg, err
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
		p.expandRoot(root.Content[0])
		p.decode(root.Content[0], cfg, "")
	}
	cfg.inlineSecret = p.inlineSecret
	for i, ps := range p.pending {
		if i < len(cfg.Addresses) {
			cfg.Addresses[i].secrets = *ps
		}
	}
	if len(p.errs) > 0 {
		return nil, p.errs
	}
	applyDefaults(cfg)
	p.validate(cfg)
	if len(p.errs) > 0 {
		return nil, p.errs
	}
	return cfg, nil
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

// Resolved returns the address named name as a backend gets it, or nil.
func (c *Config) Resolved(name string) *connectors.Address {
	a := c.Address(name)
	if a == nil {
		return nil
	}
	ca := a.Connector()
	return &ca
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

// SideOf says how the config's jobs use an address: as a destination if
// any job writes to it, else as a source.
func (c *Config) SideOf(name string) connectors.Side {
	for _, j := range c.Jobs {
		if j.Destination == name {
			return connectors.Destination
		}
	}
	return connectors.Source
}

// Connector is the address as a backend gets it: after ParseConfig, with
// what its backend's validation filled in (defaults, secrets read from
// files, absolute paths).
func (a *AddressConfig) Connector() connectors.Address {
	if a.resolved != nil {
		return *a.resolved
	}
	return a.fields()
}

// fields copies the address's fields, as written, into a connectors.Address.
func (a *AddressConfig) fields() connectors.Address {
	return connectors.Address{
		Name: a.Name, Type: a.Type, Path: a.Path, Endpoint: a.Endpoint, Region: a.Region,
		Bucket: a.Bucket, Prefix: a.Prefix, PathStyle: a.PathStyle, AccessKeyID: a.AccessKeyID,
		AccessKeySecret: a.AccessKeySecret, AccessKeySecretFile: a.AccessKeySecretFile, Timeout: time.Duration(a.Timeout),
		SecretID: a.SecretID, SecretKey: a.SecretKey, SecretKeyFile: a.SecretKeyFile,
		ListFile: a.ListFile, ListFormat: a.ListFormat, Service: a.Service, Operator: a.Operator, CDN: a.CDN,
		Provider: a.Provider, Container: a.Container,
		ConnectionString: a.ConnectionString, Account: a.Account, AccountKey: a.AccountKey, SAS: a.SASToken, KeyFile: a.KeyFile,
		Server: a.Server, Share: a.Share, Export: a.Export, User: a.User, Password: a.Password, PasswordFile: a.PasswordFile,
		Domain: a.Domain, Version: a.Version, UID: a.UID, GID: a.GID, ReservedPort: a.ReservedPort, Conns: a.Conns,
	}
}
