// Command gen writes docs/codes.md from the catalogue. Run it from the
// repository's root, or as go generate ./state/codes.
package main

import (
	"log"
	"os"

	"github.com/mgw-dev/mgw/state/codes"
)

func main() {
	path := codes.PagePath
	if len(os.Args) > 1 {
		path = os.Args[1]
	}
	if err := os.WriteFile(path, []byte(codes.Page()), 0o644); err != nil {
		log.Fatal(err)
	}
}
