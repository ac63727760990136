//go:build !windows

package local

import "github.com/mgw-dev/mgw/connectors"

// Unix names are bytes; Features says so even where a file system such as
// APFS insists on UTF-8 (it answers EILSEQ, classified KindUnsupportedName).
const utf8Keys = false

func checkName(seg string) error { return nil }

func sysKind(err error) (connectors.Kind, bool) { return 0, false }
