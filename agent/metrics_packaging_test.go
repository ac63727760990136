package agent

import (
	"os"
	"regexp"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// TestPackagedDashboardsUseRealMetrics keeps the alert rules and the
// Grafana dashboard in packaging/ on the metric names the agent serves: a
// renamed metric must not leave an alert that can never fire.
func TestPackagedDashboardsUseRealMetrics(t *testing.T) {
	m := newMetrics(&Agent{})
	ch := make(chan *prometheus.Desc, 64)
	m.Describe(ch)
	close(ch)
	served := map[string]bool{}
	fq := regexp.MustCompile(`fqName: "([a-z_]+)"`)
	for d := range ch {
		if s := fq.FindStringSubmatch(d.String()); s != nil {
			served[s[1]] = true
		}
	}
	if len(served) < 5 {
		t.Fatalf("found only %v", served)
	}
	used := regexp.MustCompile(`\bmgw_[a-z_]+`)
	for _, f := range []string{"../packaging/prometheus-alerts.yml", "../packaging/grafana-dashboard.json"} {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		names := used.FindAllString(string(b), -1)
		if len(names) == 0 {
			t.Errorf("%s uses no mgw metric", f)
		}
		for _, n := range names {
			if !served[n] {
				t.Errorf("%s uses %s, which the agent does not serve", f, n)
			}
		}
	}
}
