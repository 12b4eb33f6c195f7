package main

import (
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// envNames lists every RECD_* variable the configuration reads.
func envNames(t *testing.T) map[string]bool {
	t.Helper()
	names := map[string]bool{}
	var c Config
	err := walk(reflect.ValueOf(&c).Elem(), "", func(path string, _ reflect.Value) error {
		names["RECD_"+strings.ToUpper(strings.ReplaceAll(path, ".", "_"))] = true
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return names
}

// TestDeploy_ComposeEnvironmentIsValidConfig loads each recd service's environment from
// docker-compose.yml the way serve would, so a renamed or mistyped setting fails here rather
// than being ignored in production.
func TestDeploy_ComposeEnvironmentIsValidConfig(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "docker-compose.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Services map[string]struct {
			Command     []string          `yaml:"command"`
			Environment map[string]string `yaml:"environment"`
			Healthcheck struct {
				Test []string `yaml:"test"`
			} `yaml:"healthcheck"`
		} `yaml:"services"`
	}
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatalf("docker-compose.yml: %v", err)
	}
	known := envNames(t)
	var recds []string
	for name, svc := range doc.Services {
		if !strings.HasPrefix(name, "recd") {
			continue
		}
		recds = append(recds, name)
		env := []string{}
		for k, v := range svc.Environment {
			if !known[k] {
				t.Errorf("%s: %s is not a configuration variable", name, k)
			}
			if k == "RECD_AUTH_KEYS" { // "${RECD_AUTH_KEYS:?...}" is filled in by compose
				v = "app:admin:sha256:" + strings.Repeat("ab", 32)
			}
			env = append(env, k+"="+v)
		}
		cfg := defaultConfig()
		if err := cfg.loadEnv(env); err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if err := cfg.validate(); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		if cfg.Store.Driver != "postgres" || cfg.Index.Backend != "qdrant" || cfg.Redis.Addr == "" {
			t.Errorf("%s: store %s, index %s, redis %q: not the scale-out setup", name, cfg.Store.Driver, cfg.Index.Backend, cfg.Redis.Addr)
		}
		if len(svc.Healthcheck.Test) < 3 || svc.Healthcheck.Test[2] != "healthcheck" {
			t.Errorf("%s: health check %q does not run recd healthcheck", name, svc.Healthcheck.Test)
		}
		if _, ok := commands()[svc.Command[0]]; !ok {
			t.Errorf("%s: command %q is not a recd command", name, svc.Command)
		}
	}
	sort.Strings(recds)
	if len(recds) < 2 {
		t.Fatalf("recd services %v: want two replicas", recds)
	}
}

// TestDeploy_KubernetesConfigMapIsValidConfig reads the ConfigMap's recd.yaml with the same
// strict loader as serve --config, with the Secret's example variables applied.
func TestDeploy_KubernetesConfigMapIsValidConfig(t *testing.T) {
	dir := filepath.Join("..", "..", "deploy", "k8s")
	var cm struct {
		Data map[string]string `yaml:"data"`
	}
	b, err := os.ReadFile(filepath.Join(dir, "configmap.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(b, &cm); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "recd.yaml")
	if err := os.WriteFile(path, []byte(cm.Data["recd.yaml"]), 0o600); err != nil {
		t.Fatal(err)
	}
	var secret struct {
		StringData map[string]string `yaml:"stringData"`
	}
	if b, err = os.ReadFile(filepath.Join(dir, "secret.example.yaml")); err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(b, &secret); err != nil {
		t.Fatal(err)
	}
	known := envNames(t)
	var env []string
	for k, v := range secret.StringData {
		if !known[k] {
			t.Errorf("secret: %s is not a configuration variable", k)
		}
		if k == "RECD_AUTH_KEYS" {
			v = "app:read:sha256:" + strings.Repeat("ab", 32)
		}
		env = append(env, k+"="+v)
	}
	cfg := defaultConfig()
	if err := cfg.loadFile(path); err != nil {
		t.Fatalf("configmap recd.yaml: %v", err)
	}
	if err := cfg.loadEnv(env); err != nil {
		t.Fatal(err)
	}
	if err := cfg.validate(); err != nil {
		t.Fatalf("configmap + secret: %v", err)
	}
	if cfg.Train.Interval != 0 {
		t.Errorf("serving replicas train every %s; the CronJob trains", cfg.Train.Interval)
	}
}
