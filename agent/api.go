package agent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/mgw-dev/mgw/agent/client"
	"github.com/mgw-dev/mgw/agent/config"
	"github.com/mgw-dev/mgw/agent/engine"
	"github.com/mgw-dev/mgw/state"
	"github.com/mgw-dev/mgw/state/codes"
)

// AgentStatus is what `mgw status` and agent/status show.
type AgentStatus struct {
	Version  string        `json:"version"`
	Started  time.Time     `json:"started"`
	Uptime   time.Duration `json:"uptime_ns"`
	Config   string        `json:"config"`
	StateDir string        `json:"state_dir"`
	Shard    string        `json:"shard,omitempty"` // "2/4": the agent's shard of its jobs (index/count)
	Mount    string        `json:"mount,omitempty"`
	Jobs     []JobInfo     `json:"jobs"`
}

// engine.Status returns the agent's status.
func (a *Agent) Status() AgentStatus {
	cfg := a.Config()
	return AgentStatus{Version: a.Version, Started: a.Started, Uptime: time.Since(a.Started),
		Config: cfg.Path, StateDir: cfg.StateDir, Shard: cfg.Shard.String(), Mount: cfg.MountPoint(), Jobs: a.Jobs()}
}

// Serve answers the control API on a unix socket at path, mode 0600, until
// ctx ends. A socket file left by a killed agent is replaced; one that a
// live agent answers on is not.
func (a *Agent) Serve(ctx context.Context, path string, reload func() error) error {
	if c, err := net.Dial("unix", path); err == nil {
		c.Close()
		return fmt.Errorf("another agent answers on %s", path)
	}
	_ = os.Remove(path)
	ln, err := net.Listen("unix", path)
	if err != nil {
		return err
	}
	if err := os.Chmod(path, 0o600); err != nil {
		ln.Close()
		return err
	}
	srv := &http.Server{Handler: a.handler(reload), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	err = srv.Serve(ln)
	_ = os.Remove(path)
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

func (a *Agent) handler(reload func() error) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", a.MetricsHandler())
	mux.HandleFunc("GET /v1/status", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, a.Status()) })
	mux.HandleFunc("GET /v1/jobs", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, a.Jobs()) })
	mux.HandleFunc("GET /v1/jobs/{name}", func(w http.ResponseWriter, r *http.Request) {
		ji, err := a.JobInfo(r.PathValue("name"))
		reply(w, ji, err)
	})
	for verb, fn := range map[string]func(string) error{"start": a.StartJob, "stop": a.StopJob, "retry": a.RetryJob} {
		mux.HandleFunc("POST /v1/jobs/{name}/"+verb, func(w http.ResponseWriter, r *http.Request) {
			name := r.PathValue("name")
			err := fn(name)
			var ji JobInfo
			if err == nil {
				ji, err = a.JobInfo(name)
			}
			reply(w, ji, err)
		})
	}
	mux.HandleFunc("GET /v1/jobs/{name}/failed", func(w http.ResponseWriter, r *http.Request) {
		code := r.URL.Query().Get("code")
		a.streamList(w, r.PathValue("name"), func(job string, out io.Writer) error {
			return WriteFailed(out, a.Store, job, code)
		})
	})
	mux.HandleFunc("GET /v1/jobs/{name}/skipped", func(w http.ResponseWriter, r *http.Request) {
		a.streamList(w, r.PathValue("name"), func(job string, out io.Writer) error {
			return WriteSkipped(out, a.Store, job)
		})
	})
	mux.HandleFunc("GET /v1/jobs/{name}/report", func(w http.ResponseWriter, r *http.Request) {
		a.streamList(w, r.PathValue("name"), func(job string, out io.Writer) error {
			return WriteLastReport(out, a.Store, a.Config(), job)
		})
	})
	mux.HandleFunc("GET /v1/addresses", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, a.Addresses()) })
	mux.HandleFunc("POST /v1/addresses/{name}/verify", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 60*time.Second)
		defer cancel()
		c, err := a.VerifyAddress(ctx, r.PathValue("name"))
		reply(w, c, err)
	})
	mux.HandleFunc("POST /v1/reload", func(w http.ResponseWriter, r *http.Request) {
		err := reload()
		reply(w, a.Status(), err)
	})
	return mux
}

// streamList checks the job exists, then streams a text list.
func (a *Agent) streamList(w http.ResponseWriter, name string, fn func(job string, w io.Writer) error) {
	if a.Config().Job(name) == nil {
		reply(w, nil, apiError(codes.JobDoesNotExist, "no job %q", name))
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if err := fn(name, w); err != nil {
		var ae *client.APIError
		if errors.As(err, &ae) {
			reply(w, nil, err)
			return
		}
		a.Log.Error("control API list failed", "job", name, "err", err)
	}
}

// AddressInfo is one address as `mgw address list` shows it.
type AddressInfo struct {
	Name   string        `json:"name"`
	Type   string        `json:"type"`
	Side   string        `json:"side"`
	Where  string        `json:"where"`
	Check  *AddressCheck `json:"check,omitempty"`
	Config string        `json:"config"` // secrets replaced by ****
}

// Addresses lists the config's addresses with their last check.
func (a *Agent) Addresses() []AddressInfo {
	cfg := a.Config()
	out := make([]AddressInfo, 0, len(cfg.Addresses))
	for i := range cfg.Addresses {
		ad := &cfg.Addresses[i]
		ai := AddressInfo{Name: ad.Name, Type: ad.Type, Side: cfg.SideOf(ad.Name).String(), Where: engine.Describe(ad.Connector()), Config: ad.RedactedYAML()}
		if c, ok := a.Check(ad.Name); ok {
			ai.Check = &c
		}
		out = append(out, ai)
	}
	return out
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

// reply writes v, or err as {code, message} with a fitting status.
func reply(w http.ResponseWriter, v any, err error) {
	if err == nil {
		writeJSON(w, v)
		return
	}
	var ae *client.APIError
	if !errors.As(err, &ae) {
		ae = &client.APIError{Code: codes.InternalError, Detail: err.Error()}
	}
	status := http.StatusInternalServerError
	switch ae.Code {
	case codes.JobDoesNotExist, codes.DataAddressNotExists:
		status = http.StatusNotFound
	case codes.InvalidJobStatusForCurrentOperation:
		status = http.StatusConflict
	case codes.ConfigFileInvalid, codes.BadParameters:
		status = http.StatusBadRequest
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(ae)
}

// WriteFailed writes a job's failed list (optionally one code's) from one
// snapshot of the state.
func WriteFailed(w io.Writer, st *state.Store, job, code string) error {
	return st.Failures(job, func(path string, f state.Failure) error {
		if code != "" && f.Code != code {
			return nil
		}
		_, err := io.WriteString(w, engine.FailedLine(path, f))
		return err
	})
}

// WriteSkipped writes a job's skipped list.
func WriteSkipped(w io.Writer, st *state.Store, job string) error {
	return st.Skips(job, func(path string, k state.Skip) error {
		_, err := io.WriteString(w, engine.SkippedLine(path, k))
		return err
	})
}

// WriteLastReport writes the migration report of a job's last run.
func WriteLastReport(w io.Writer, st *state.Store, cfg *config.Config, job string) error {
	run, ok, err := st.LastRun(job)
	if err != nil {
		return err
	}
	if !ok {
		return apiError(codes.InvalidJobStatusForCurrentOperation, "job %s has not run yet", job)
	}
	j := cfg.Job(job)
	return engine.WriteReport(w, &run, cfg.Resolved(j.Source), cfg.Resolved(j.Destination))
}
