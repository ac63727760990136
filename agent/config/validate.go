package config

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/bmatcuk/doublestar/v4"

	"github.com/mgw-dev/mgw/state/codes"
)

var nameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,60}[a-z0-9]$`)

// validate checks a config whose defaults are applied, and records each
// problem with its code and line.
func (p *parser) validate(c *Config) {
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

// AddressTypes are the address types this build supports (open_gcs.go
// adds gcs).
var AddressTypes = []string{"local", "s3", "oss", "cos", "httplist", "azblob", "smb", "nfs"}

func (p *parser) validateAddress(a *AddressConfig, cfgPath string) {
	if p.validateCloudA(a, cfgPath) || p.validateCloudB(a, cfgPath) || p.validateNAS(a) {
		return
	}
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
		p.fail(unknownTypeCode(a.Type), line, field, fmt.Sprintf("%q is not one of %s", a.Type, strings.Join(AddressTypes, ", ")))
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
	p.validateJobCloudA(j, dst)
	if src != nil && dst != nil && sameLocation(src, dst) {
		line, field := j.pos.at("destination")
		p.fail(codes.DuplicateSourceDestination, line, field, fmt.Sprintf("%q and %q", j.Source, j.Destination))
	}
	switch j.Mode {
	case ModeOnce, ModeContinuous:
	default:
		line, field := j.pos.at("mode")
		p.fail(codes.BadParameters, line, field, fmt.Sprintf("%q is not one of once, continuous", j.Mode))
	}
	p.validateContinuous(j, dst)
	p.validateRestore(j, src)
	p.validateLimits(j)
	if j.ReportPrefix != "" && (!strings.HasSuffix(j.ReportPrefix, "/") || strings.HasPrefix(j.ReportPrefix, "/")) {
		line, field := j.pos.at("report_prefix")
		p.fail(codes.BadParameters, line, field, fmt.Sprintf("%q must end with / and not start with /", j.ReportPrefix))
	}
	switch j.Overwrite {
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
	if j.Concurrency < 0 || j.Concurrency > 1024 {
		line, field := j.pos.at("concurrency")
		p.fail(codes.BadParameters, line, field, "must be between 1 and 1024")
	}
	if *j.Retries < 0 || *j.Retries > 100 {
		line, field := j.pos.at("retries")
		p.fail(codes.BadParameters, line, field, "must be between 0 and 100")
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
	case "smb", "nfs":
		return sameNAS(a, b)
	default:
		return strings.TrimRight(a.Endpoint, "/") == strings.TrimRight(b.Endpoint, "/") && a.Bucket == b.Bucket &&
			(strings.HasPrefix(a.Prefix, b.Prefix) || strings.HasPrefix(b.Prefix, a.Prefix))
	}
}

// validateContinuous fills in and checks the settings of continuous sync.
func (p *parser) validateContinuous(j *JobConfig, dst *AddressConfig) {
	if j.Rescan < Duration(time.Minute) {
		line, field := j.pos.at("rescan")
		p.fail(codes.BadParameters, line, field, "must be at least 1m: a full pass more often than that does little but load the source")
	}
	if j.Poll < Duration(time.Second) {
		line, field := j.pos.at("poll")
		p.fail(codes.BadParameters, line, field, "must be at least 1s")
	}
	switch j.Deletes {
	case DeletesKeep, DeletesMirror:
	case DeletesArchive:
		if !strings.HasSuffix(j.ArchivePrefix, "/") || strings.HasPrefix(j.ArchivePrefix, "/") {
			line, field := j.pos.at("archive_prefix")
			p.fail(codes.BadParameters, line, field, fmt.Sprintf("%q must end with / and not start with /", j.ArchivePrefix))
		}
		if dst != nil && dst.Type == "local" && strings.HasPrefix(j.ArchivePrefix, "..") {
			line, field := j.pos.at("archive_prefix")
			p.fail(codes.BadParameters, line, field, "must stay inside the destination")
		}
	default:
		line, field := j.pos.at("deletes")
		p.fail(codes.BadParameters, line, field, fmt.Sprintf("%q is not one of keep, mirror, archive", j.Deletes))
	}
	if j.Mode == ModeOnce && j.Deletes != DeletesKeep {
		line, field := j.pos.at("deletes")
		p.fail(codes.BadParameters, line, field, "deletes apply to continuous jobs only (mode: continuous)")
	}
}

// validateRestore fills in and checks the restore settings: only object
// stores with archive classes can restore.
func (p *parser) validateRestore(j *JobConfig, src *AddressConfig) {
	if j.RestoreDays < 1 || j.RestoreDays > 365 {
		line, field := j.pos.at("restore_days")
		p.fail(codes.BadParameters, line, field, "must be between 1 and 365")
	}
	if j.RestorePoll < Duration(time.Second) {
		line, field := j.pos.at("restore_poll")
		p.fail(codes.BadParameters, line, field, "must be at least 1s")
	}
	switch {
	case !j.Restore || src == nil:
	case src.Type == "s3", src.Type == "oss", src.Type == "cos", src.Type == "azblob":
	default:
		line, field := j.pos.at("restore")
		p.fail(codes.BadParameters, line, field, fmt.Sprintf("a %s source has no archived objects to restore (s3, oss, cos and azblob do)", src.Type))
	}
}
