package config

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/bmatcuk/doublestar/v4"

	"github.com/mgw-dev/mgw/connectors/all"
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
	p.validateShards(c)
}

// validateAddress has the address's backend check its fields, and keeps
// what the backend filled in for the address's connector.
func (p *parser) validateAddress(a *AddressConfig, cfgPath string) {
	ca := a.fields()
	if credentialsIn(ca.Endpoint) {
		// Not quoted: the detail must not repeat the password. The rest
		// of the endpoint is still the backend's to check.
		line, field := a.pos.at("endpoint")
		p.fail(codes.BadParameters, line, field, "the endpoint carries a user name and password; "+
			"remove them and give the secret in its own field (password_file, access_key_secret_file…)")
		ca.Endpoint = withoutCredentials(ca.Endpoint)
	}
	for _, pr := range all.Validate(&ca, filepath.Dir(cfgPath)) {
		line, field := a.pos.at(pr.Field)
		if a.pendingProblem(pr) {
			a.secrets.files = append(a.secrets.files, &ConfigError{Code: pr.Code, File: p.file, Line: line, Field: field, Detail: pr.Detail})
			continue
		}
		p.fail(pr.Code, line, field, pr.Detail)
	}
	a.resolved = &ca
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
	if dst != nil {
		if b, _ := all.Lookup(dst.Type); b.SourceOnly {
			line, field := j.pos.at("destination")
			p.fail(codes.DestinationDataAddressInvalid, line, field, fmt.Sprintf("%q is a %s address, which can only be a source", j.Destination, dst.Type))
		}
	}
	if src != nil && dst != nil && all.Overlap(src.Connector(), dst.Connector()) {
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
		if dst != nil && isFileSystem(dst.Type) && strings.HasPrefix(j.ArchivePrefix, "..") {
			line, field := j.pos.at("archive_prefix")
			p.fail(codes.BadParameters, line, field, "must stay inside the destination")
		}
	default:
		line, field := j.pos.at("deletes")
		p.fail(codes.BadParameters, line, field, fmt.Sprintf("%q is not one of keep, mirror, archive", j.Deletes))
	}
	if j.Check != 0 && j.Check < CheckEvery(time.Second) {
		line, field := j.pos.at("check")
		p.fail(codes.BadParameters, line, field, "must be at least 1s")
	}
	if j.Mode == ModeOnce && j.Check != 0 {
		line, field := j.pos.at("check")
		p.fail(codes.BadParameters, line, field, "a scheduled check applies to continuous jobs only (mode: continuous); run mgw check after a one-shot job")
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
	if !j.Restore || src == nil {
		return
	}
	if b, _ := all.Lookup(src.Type); !b.Restore {
		line, field := j.pos.at("restore")
		p.fail(codes.BadParameters, line, field, fmt.Sprintf("a %s source has no archived objects to restore (%s do)", src.Type, restoringTypes()))
	}
}

// restoringTypes lists the address types that can restore archived
// objects, as "s3, oss, cos and azblob".
func restoringTypes() string {
	var ts []string
	for _, t := range all.Types() {
		if b, _ := all.Lookup(t); b.Restore {
			ts = append(ts, t)
		}
	}
	if len(ts) < 2 {
		return strings.Join(ts, "")
	}
	return strings.Join(ts[:len(ts)-1], ", ") + " and " + ts[len(ts)-1]
}

// isFileSystem tells an address type whose keys are paths on a disk or share.
func isFileSystem(typ string) bool {
	b, _ := all.Lookup(typ)
	return b.FileSystem
}
