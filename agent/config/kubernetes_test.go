package config

import (
	"os"
	"testing"

	"gopkg.in/yaml.v3"
)

// The configs the Kubernetes manifests ship (packaging/kubernetes) pass
// mgw's own parser as a pod loads them: with the Secret's variables set
// and the shard Kubernetes gives the pod.
func TestKubernetesConfigs(t *testing.T) {
	b, err := os.ReadFile("../../packaging/kubernetes/configmap.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var cm struct {
		Data map[string]string `yaml:"data"`
	}
	if err := yaml.Unmarshal(b, &cm); err != nil {
		t.Fatal(err)
	}
	if len(cm.Data) == 0 {
		t.Fatal("no config in the ConfigMap")
	}
	t.Setenv("OSS_ACCESS_KEY_ID", "LTAI-test")
	t.Setenv("OSS_ACCESS_KEY_SECRET", "test-secret")
	for name, text := range cm.Data {
		cfg, err := ParseConfig("/etc/mgw/"+name, []byte(text))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		index, count := 3, 4
		if err := cfg.SetShard(&index, &count, "JOB_COMPLETION_INDEX and MGW_SHARDS"); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if cfg.StateDir != "/var/lib/mgw/shard-3" || cfg.MountPoint() != "" {
			t.Errorf("%s: state dir %s, mount %q; want /var/lib/mgw/shard-3 and none (no FUSE in a pod)", name, cfg.StateDir, cfg.MountPoint())
		}
		for _, j := range cfg.Jobs {
			if j.ReportPrefix == "" {
				t.Errorf("%s: job %s has no report_prefix: mgw report --fleet would find nothing", name, j.Name)
			}
		}
	}
}
