package agent

import (
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/prometheus/common/expfmt"

	"github.com/mgw-dev/mgw/agent/config"
	"github.com/mgw-dev/mgw/connectors"
)

// metrics reads every job's status when scraped: nothing in the copy path
// pays for metrics, and the endpoint and the view's agent/metrics always
// agree because they are the same Gather.
type metrics struct {
	a   *Agent
	reg *prometheus.Registry

	requests, requestErrors, scanDuration *prometheus.Desc

	files, bytes, queued, queuedBytes, inFlight, lag, state, failedBy, lastScan, throttled, deleted, shards *prometheus.Desc
	limitBytes, limitQPS, limitWait                                                                         *prometheus.Desc
}

func newMetrics(a *Agent) *metrics {
	job := []string{"job"}
	m := &metrics{a: a, reg: prometheus.NewRegistry(),
		files:         prometheus.NewDesc("mgw_files_total", "Files handled by the job since the agent started it, by outcome.", []string{"job", "outcome"}, nil),
		bytes:         prometheus.NewDesc("mgw_bytes_copied_total", "Bytes copied and acknowledged since the agent started the job.", job, nil),
		queued:        prometheus.NewDesc("mgw_queue_files", "Files planned and not yet done (queued or in flight).", job, nil),
		queuedBytes:   prometheus.NewDesc("mgw_queue_bytes", "Bytes of the files planned and not yet done.", job, nil),
		inFlight:      prometheus.NewDesc("mgw_transfers_in_flight", "Transfers in progress.", job, nil),
		lag:           prometheus.NewDesc("mgw_lag_seconds", "Age of the oldest change not yet at the destination (continuous jobs).", job, nil),
		state:         prometheus.NewDesc("mgw_job_state", "1 for the job's current state.", []string{"job", "state"}, nil),
		failedBy:      prometheus.NewDesc("mgw_failed_files", "Files failed at the end of the last run, by code.", []string{"job", "code"}, nil),
		lastScan:      prometheus.NewDesc("mgw_last_scan_timestamp_seconds", "When the last full pass ended.", job, nil),
		throttled:     prometheus.NewDesc("mgw_throttled_total", "Answers asking mgw to slow down (429, 503, SlowDown).", job, nil),
		requests:      prometheus.NewDesc("mgw_requests_total", "Requests sent to a side of the job (source or destination), by address type.", []string{"job", "side", "type"}, nil),
		requestErrors: prometheus.NewDesc("mgw_request_errors_total", "Requests that failed, by side, address type and error kind.", []string{"job", "side", "type", "kind"}, nil),
		scanDuration:  prometheus.NewDesc("mgw_scan_duration_seconds", "How long the last full listing of the source took.", job, nil),
		deleted:       prometheus.NewDesc("mgw_deleted_total", "Destination objects deleted or archived by the delete policy.", job, nil),
		shards:        prometheus.NewDesc("mgw_job_shards", "How many agents the job is spread over (shard: count); this agent's index is the shard label.", job, nil),
		limitBytes:    prometheus.NewDesc("mgw_limit_bytes_per_second", "The job's bandwidth limit in force now (limits:, with its schedule); 0 for none.", job, nil),
		limitQPS:      prometheus.NewDesc("mgw_limit_requests_per_second", "The job's request rate limit in force now; 0 for none.", job, nil),
		limitWait:     prometheus.NewDesc("mgw_limit_wait_seconds_total", "Time the job's reads and requests waited for its limits, all workers together.", job, nil),
	}
	// An agent that is one shard of its jobs says which on every metric.
	var reg prometheus.Registerer = m.reg
	if a.cfg != nil && a.cfg.Shard.Sharded() {
		reg = prometheus.WrapRegistererWith(prometheus.Labels{"shard": strconv.Itoa(a.cfg.Shard.Index)}, reg)
	}
	reg.MustRegister(m, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

func (m *metrics) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{m.requests, m.requestErrors, m.scanDuration, m.files, m.bytes, m.queued, m.queuedBytes, m.inFlight, m.lag, m.state, m.failedBy, m.lastScan, m.throttled, m.deleted,
		m.shards, m.limitBytes, m.limitQPS, m.limitWait} {
		ch <- d
	}
}

func (m *metrics) Collect(ch chan<- prometheus.Metric) {
	counter, gauge := prometheus.CounterValue, prometheus.GaugeValue
	for _, j := range m.a.Jobs() {
		ch <- prometheus.MustNewConstMetric(m.state, gauge, 1, j.Name, jobState(j))
		if r := j.LastRun; r != nil {
			for code, n := range r.FailedBy {
				ch <- prometheus.MustNewConstMetric(m.failedBy, gauge, float64(n), j.Name, code)
			}
		}
		st := j.Status
		if st == nil {
			continue
		}
		p := st.Progress
		for outcome, n := range map[string]int64{"copied": p.FilesCopied, "failed": p.FilesFailed, "skipped": p.FilesSkipped,
			"unchanged": p.FilesUnchanged, "filtered": p.FilesFiltered, "scanned": p.FilesScanned} {
			ch <- prometheus.MustNewConstMetric(m.files, counter, float64(n), j.Name, outcome)
		}
		ch <- prometheus.MustNewConstMetric(m.bytes, counter, float64(p.BytesCopied), j.Name)
		if p.LastScan > 0 {
			ch <- prometheus.MustNewConstMetric(m.scanDuration, gauge, p.LastScan.Seconds(), j.Name)
		}
		cfg := m.a.Config()
		for side, addr := range map[connectors.Side]string{connectors.Source: j.Source, connectors.Destination: j.Destination} {
			typ := ""
			if a := cfg.Address(addr); a != nil {
				typ = a.Type
			}
			ch <- prometheus.MustNewConstMetric(m.requests, counter, float64(p.Requests[side]), j.Name, side.String(), typ)
			for k, n := range p.RequestErrors[side] {
				if n > 0 {
					ch <- prometheus.MustNewConstMetric(m.requestErrors, counter, float64(n), j.Name, side.String(), typ, connectors.Kind(k).String())
				}
			}
		}
		ch <- prometheus.MustNewConstMetric(m.queued, gauge, float64(p.FilesQueued), j.Name)
		ch <- prometheus.MustNewConstMetric(m.queuedBytes, gauge, float64(p.BytesQueued), j.Name)
		ch <- prometheus.MustNewConstMetric(m.inFlight, gauge, float64(p.InFlight), j.Name)
		ch <- prometheus.MustNewConstMetric(m.throttled, counter, float64(p.Throttled), j.Name)
		ch <- prometheus.MustNewConstMetric(m.deleted, counter, float64(p.Deleted), j.Name)
		if r := m.a.runner(j.Name); r != nil {
			bw, qps := r.CurrentLimits()
			ch <- prometheus.MustNewConstMetric(m.limitBytes, gauge, float64(bw), j.Name)
			ch <- prometheus.MustNewConstMetric(m.limitQPS, gauge, qps, j.Name)
			ch <- prometheus.MustNewConstMetric(m.limitWait, counter, time.Duration(r.LimitWaited()).Seconds(), j.Name)
			if s := r.Job.Shard; s.Sharded() {
				ch <- prometheus.MustNewConstMetric(m.shards, gauge, float64(s.Count), j.Name)
			}
		}
		if j.Mode == config.ModeContinuous {
			ch <- prometheus.MustNewConstMetric(m.lag, gauge, st.Lag.Seconds(), j.Name)
		}
		if !st.LastScan.IsZero() {
			ch <- prometheus.MustNewConstMetric(m.lastScan, gauge, float64(st.LastScan.UnixNano())/float64(time.Second), j.Name)
		}
	}
}

// WriteMetrics writes the metrics in Prometheus text format: the view's
// agent/metrics.
func (a *Agent) WriteMetrics(w io.Writer) error {
	mfs, err := a.metrics.reg.Gather()
	if err != nil {
		return err
	}
	enc := expfmt.NewEncoder(w, expfmt.NewFormat(expfmt.TypeTextPlain))
	for _, mf := range mfs {
		if err := enc.Encode(mf); err != nil {
			return err
		}
	}
	return nil
}

// MetricsHandler serves the metrics for Prometheus (metrics_listen).
func (a *Agent) MetricsHandler() http.Handler {
	return promhttp.HandlerFor(a.metrics.reg, promhttp.HandlerOpts{})
}
