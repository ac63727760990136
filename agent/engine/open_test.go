package engine

import (
	"testing"

	"github.com/mgw-dev/mgw/connectors"
)

func TestSharePoolSizedToConcurrency(t *testing.T) {
	smb := connectors.Address{Name: "nas", Type: "smb"}
	if got := sizedPool(smb, 32).Conns; got != 32 {
		t.Errorf("smb pool %d, want the job's 32 copiers", got)
	}
	set := connectors.Address{Name: "nas", Type: "nfs", Conns: 4}
	if got := sizedPool(set, 32).Conns; got != 4 {
		t.Errorf("conns: 4 in the config gave %d", got)
	}
	if got := sizedPool(connectors.Address{Type: "s3"}, 32).Conns; got != 0 {
		t.Errorf("s3 got a session pool of %d", got)
	}
}
