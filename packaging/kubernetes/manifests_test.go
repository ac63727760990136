// Package kubernetes holds the manifests that run mgw as a fleet on
// Kubernetes, and this test: every manifest decodes strictly into the
// Kubernetes API types (an unknown or misspelt field is an error, as the
// API server's strict field validation makes it), and the workloads are
// wired as docs/fleet.md says. It is a module of its own so that the
// Kubernetes API packages never enter mgw's.
package kubernetes

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

// manifests is every object of every .yaml file here, decoded strictly,
// by kind and name.
type manifests struct {
	jobs         map[string]*batchv1.Job
	statefulSets map[string]*appsv1.StatefulSet
	services     map[string]*corev1.Service
	configMaps   map[string]*corev1.ConfigMap
	secrets      map[string]*corev1.Secret
	claims       map[string]*corev1.PersistentVolumeClaim
}

func load(t *testing.T) *manifests {
	t.Helper()
	files, err := filepath.Glob("*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no manifests (%v)", err)
	}
	m := &manifests{jobs: map[string]*batchv1.Job{}, statefulSets: map[string]*appsv1.StatefulSet{},
		services: map[string]*corev1.Service{}, configMaps: map[string]*corev1.ConfigMap{},
		secrets: map[string]*corev1.Secret{}, claims: map[string]*corev1.PersistentVolumeClaim{}}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, doc := range regexp.MustCompile(`(?m)^---\s*$`).Split(string(b), -1) {
			if strings.TrimSpace(regexp.MustCompile(`(?m)^\s*#.*$`).ReplaceAllString(doc, "")) == "" {
				continue // comments only
			}
			if err := m.add([]byte(doc)); err != nil {
				t.Errorf("%s, document %d: %v", f, i+1, err)
			}
		}
	}
	return m
}

// add decodes one document strictly into the type its kind names.
func (m *manifests) add(doc []byte) error {
	var tm metav1.TypeMeta
	if err := yaml.Unmarshal(doc, &tm); err != nil {
		return err
	}
	switch tm.APIVersion + " " + tm.Kind {
	case "batch/v1 Job":
		return into(doc, m.jobs)
	case "apps/v1 StatefulSet":
		return into(doc, m.statefulSets)
	case "v1 Service":
		return into(doc, m.services)
	case "v1 ConfigMap":
		return into(doc, m.configMaps)
	case "v1 Secret":
		return into(doc, m.secrets)
	case "v1 PersistentVolumeClaim":
		return into(doc, m.claims)
	}
	return fmt.Errorf("%s %s: no test knows this kind", tm.APIVersion, tm.Kind)
}

// into decodes doc strictly (an unknown field is an error) into a new
// object, kept in m by its name.
func into[T any, P interface {
	*T
	GetName() string
}](doc []byte, m map[string]P) error {
	o := P(new(T))
	if err := yaml.UnmarshalStrict(doc, o); err != nil {
		return err
	}
	m[o.GetName()] = o
	return nil
}

// only returns the one object of m.
func only[T any](t *testing.T, m map[string]*T) *T {
	t.Helper()
	if len(m) != 1 {
		t.Fatalf("%d %T, want 1", len(m), m)
	}
	for _, o := range m {
		return o
	}
	return nil
}

// mgwConfig is what the test reads of an mgw config (mgw's own parser
// checks the rest, in agent/config).
type mgwConfig struct {
	StateDir string `json:"state_dir"`
	Metrics  string `json:"metrics_listen"`
	Jobs     []struct {
		Name         string `json:"name"`
		Mode         string `json:"mode"`
		ReportPrefix string `json:"report_prefix"`
	} `json:"jobs"`
	raw string
}

// wiring is what both workloads share: one container mgw, its config from
// the ConfigMap through MGW_CONFIG, its secrets from a Secret through
// ${VAR}, its state dir on a volume, its shard count in MGW_SHARDS, its
// resources set.
func (m *manifests) wiring(t *testing.T, spec *corev1.PodSpec, shards int32, claims func(name string) bool) (*corev1.Container, mgwConfig) {
	t.Helper()
	if len(spec.Containers) != 1 || spec.Containers[0].Name != "mgw" {
		t.Fatalf("want one container named mgw, got %d", len(spec.Containers))
	}
	c := &spec.Containers[0]
	env := map[string]corev1.EnvVar{}
	for _, e := range c.Env {
		env[e.Name] = e
	}
	if got := env["MGW_SHARDS"].Value; got != fmt.Sprint(shards) {
		t.Errorf("MGW_SHARDS %q, want %d, the workload's count", got, shards)
	}
	if spec.TerminationGracePeriodSeconds == nil || *spec.TerminationGracePeriodSeconds < 60 {
		t.Error("terminationGracePeriodSeconds under 60: uploads in flight need time to checkpoint")
	}

	// The config: a key of the ConfigMap mounted where MGW_CONFIG says.
	mounts := map[string]corev1.VolumeMount{}
	for _, vm := range c.VolumeMounts {
		mounts[vm.Name] = vm
	}
	cfgPath := env["MGW_CONFIG"].Value
	var cfg mgwConfig
	for _, v := range spec.Volumes {
		if v.ConfigMap == nil {
			continue
		}
		cm := m.configMaps[v.ConfigMap.Name]
		if cm == nil {
			t.Fatalf("volume %s: no ConfigMap %s", v.Name, v.ConfigMap.Name)
		}
		dir := mounts[v.Name].MountPath
		key, ok := strings.CutPrefix(cfgPath, dir+"/")
		if !ok || cm.Data[key] == "" {
			t.Fatalf("MGW_CONFIG %s is not a key of ConfigMap %s mounted at %s", cfgPath, cm.Name, dir)
		}
		if err := yaml.Unmarshal([]byte(cm.Data[key]), &cfg); err != nil {
			t.Fatalf("%s: %v", key, err)
		}
		cfg.raw = cm.Data[key]
	}
	if cfg.raw == "" {
		t.Fatal("no config mounted from a ConfigMap")
	}

	// Secrets: every ${VAR} of the config is a key of a Secret in envFrom.
	keys := map[string]bool{}
	for _, ef := range c.EnvFrom {
		if ef.SecretRef == nil {
			continue
		}
		s := m.secrets[ef.SecretRef.Name]
		if s == nil {
			t.Fatalf("envFrom: no Secret %s", ef.SecretRef.Name)
		}
		for k := range s.StringData {
			keys[k] = true
		}
	}
	for _, ref := range regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`).FindAllStringSubmatch(cfg.raw, -1) {
		if !keys[ref[1]] && env[ref[1]].Name == "" {
			t.Errorf("the config reads ${%s}, which no Secret in envFrom holds", ref[1])
		}
	}

	// The state dir on a volume of its own, from a claim.
	var state string
	for _, v := range spec.Volumes {
		if vm := mounts[v.Name]; vm.MountPath == cfg.StateDir {
			state = v.Name
			if v.PersistentVolumeClaim != nil && !claims(v.PersistentVolumeClaim.ClaimName) {
				t.Errorf("volume %s: no claim %s", v.Name, v.PersistentVolumeClaim.ClaimName)
			}
		}
	}
	if state == "" {
		if vm, ok := mounts["state"]; ok && vm.MountPath == cfg.StateDir && claims("state") {
			state = "state"
		} else {
			t.Errorf("nothing mounted at the state dir %s", cfg.StateDir)
		}
	}

	// Resources from the benchmarks: a core and the memory of a shard.
	req, lim := c.Resources.Requests, c.Resources.Limits
	if req.Cpu().IsZero() || req.Memory().Cmp(resource.MustParse("256Mi")) < 0 {
		t.Errorf("requests %v: want cpu and at least 256Mi", req)
	}
	if lim.Memory().Cmp(*req.Memory()) < 0 || lim.Memory().Cmp(resource.MustParse("1Gi")) < 0 {
		t.Errorf("memory limit %v: want at least the request and 1Gi (part buffers of large files)", lim.Memory())
	}
	return c, cfg
}

func TestIndexedJob(t *testing.T) {
	m := load(t)
	s := only(t, m.jobs).Spec
	if s.CompletionMode == nil || *s.CompletionMode != batchv1.IndexedCompletion {
		t.Error("completionMode is not Indexed: pods would get no JOB_COMPLETION_INDEX")
	}
	if s.Completions == nil || s.Parallelism == nil || *s.Completions != *s.Parallelism {
		t.Fatal("completions and parallelism must be set and equal: every shard at once")
	}
	if s.BackoffLimitPerIndex == nil || *s.BackoffLimitPerIndex < 1 {
		t.Error("no backoffLimitPerIndex: a crashed shard would not be restarted with its index")
	}
	pod := &s.Template.Spec
	if pod.RestartPolicy != corev1.RestartPolicyNever {
		t.Errorf("restartPolicy %s, want Never (podFailurePolicy needs it)", pod.RestartPolicy)
	}
	actions := map[int32]batchv1.PodFailurePolicyAction{}
	if s.PodFailurePolicy != nil {
		for _, r := range s.PodFailurePolicy.Rules {
			if r.OnExitCodes != nil && r.OnExitCodes.Operator == batchv1.PodFailurePolicyOnExitCodesOpIn {
				for _, v := range r.OnExitCodes.Values {
					actions[v] = r.Action
				}
			}
		}
	}
	if actions[2] != batchv1.PodFailurePolicyActionFailJob || actions[3] != batchv1.PodFailurePolicyActionFailIndex {
		t.Errorf("podFailurePolicy: exit 2 -> %q, 3 -> %q; want FailJob (configuration) and FailIndex (files failed)", actions[2], actions[3])
	}
	c, cfg := m.wiring(t, pod, *s.Completions, func(name string) bool {
		pvc := m.claims[name]
		return pvc != nil && slices.Contains(pvc.Spec.AccessModes, corev1.ReadWriteMany)
	})
	if len(c.Args) != 2 || c.Args[0] != "run" {
		t.Fatalf("args %q, want run JOB", c.Args)
	}
	var found bool
	for _, jc := range cfg.Jobs {
		if jc.Name == c.Args[1] {
			found = true
			if jc.Mode == "continuous" || jc.ReportPrefix == "" {
				t.Errorf("job %s: mode %q, report_prefix %q; want a one-shot job that reports to the destination", jc.Name, jc.Mode, jc.ReportPrefix)
			}
		}
	}
	if !found {
		t.Errorf("the Job runs %s, which its config does not hold", c.Args[1])
	}
}

func TestStatefulSet(t *testing.T) {
	m := load(t)
	s := only(t, m.statefulSets).Spec
	if s.Replicas == nil {
		t.Fatal("replicas not set")
	}
	if svc := m.services[s.ServiceName]; svc == nil || svc.Spec.ClusterIP != corev1.ClusterIPNone {
		t.Errorf("serviceName %q: want a headless Service", s.ServiceName)
	}
	templates := map[string]bool{}
	for _, vct := range s.VolumeClaimTemplates {
		templates[vct.Name] = true
	}
	pod := &s.Template.Spec
	c, cfg := m.wiring(t, pod, *s.Replicas, func(name string) bool { return templates[name] })
	if len(c.Args) != 1 || c.Args[0] != "agent" {
		t.Errorf("args %q, want agent", c.Args)
	}
	for _, jc := range cfg.Jobs {
		if jc.Mode != "continuous" {
			t.Errorf("job %s is not continuous: the agent would run it once and idle", jc.Name)
		}
	}
	var index *corev1.EnvVar
	for i := range c.Env {
		if c.Env[i].Name == "MGW_SHARD_INDEX" {
			index = &c.Env[i]
		}
	}
	if index == nil || index.ValueFrom == nil || index.ValueFrom.FieldRef == nil ||
		index.ValueFrom.FieldRef.FieldPath != "metadata.labels['apps.kubernetes.io/pod-index']" {
		t.Error("MGW_SHARD_INDEX must come from the pod-index label through the downward API")
	}
	probe := func(p *corev1.Probe, want string) {
		if p == nil || p.Exec == nil || strings.Join(p.Exec.Command, " ") != "/usr/bin/mgw status "+want {
			t.Errorf("probe %+v: want mgw status %s", p, want)
		}
	}
	probe(c.LivenessProbe, "--alive")
	probe(c.ReadinessProbe, "--check")

	// Prometheus: the annotated port is the container's and the config's.
	ann := s.Template.Annotations
	if ann["prometheus.io/scrape"] != "true" || ann["prometheus.io/path"] != "/metrics" {
		t.Errorf("annotations %v: want prometheus.io/scrape and path", ann)
	}
	port := ann["prometheus.io/port"]
	var exposed bool
	for _, p := range c.Ports {
		exposed = exposed || fmt.Sprint(p.ContainerPort) == port
	}
	if !exposed || !strings.HasSuffix(cfg.Metrics, ":"+port) {
		t.Errorf("prometheus.io/port %q: container ports %v, metrics_listen %q", port, c.Ports, cfg.Metrics)
	}
}
