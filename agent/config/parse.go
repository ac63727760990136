package config

import (
	"fmt"
	"os"
	"reflect"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/mgw-dev/mgw/state/codes"
)

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

	pending      map[int]*pendingSecrets // by index in addresses (secrets.go)
	inlineSecret bool                    // a secret is written in the file itself
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
		case *ShardConfig:
			p.decodeShard(val, fpath, dst)
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
