package main

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// configPaths lists every key of type t: sections and leaves, dotted.
func configPaths(t reflect.Type, prefix string) []string {
	var out []string
	for i := 0; i < t.NumField(); i++ {
		tag := strings.Split(t.Field(i).Tag.Get("yaml"), ",")[0]
		if tag == "" || tag == "-" {
			continue
		}
		path := tag
		if prefix != "" {
			path = prefix + "." + tag
		}
		out = append(out, path)
		if ft := t.Field(i).Type; ft.Kind() == reflect.Struct {
			out = append(out, configPaths(ft, path)...)
		}
	}
	return out
}

// The schema has one entry, with its doc and range, for every key of Config and none else.
func TestConfig_SchemaCoversEveryKey(t *testing.T) {
	keys := configPaths(reflect.TypeOf(Config{}), "")
	var inSchema []string
	for _, s := range schema {
		if slices.Contains(inSchema, s.path) {
			t.Errorf("%s is in the schema twice", s.path)
		}
		inSchema = append(inSchema, s.path)
		if !slices.Contains(keys, s.path) {
			t.Errorf("the schema has %s, which Config does not", s.path)
		}
	}
	for _, k := range keys {
		if !slices.Contains(inSchema, k) {
			t.Errorf("Config has %s, which the schema does not document", k)
		}
	}
}

// yamlKeys lists the dotted keys of a YAML mapping, nested mappings included.
func yamlKeys(n *yaml.Node, prefix string) []string {
	var out []string
	for i := 0; n.Kind == yaml.MappingNode && i+1 < len(n.Content); i += 2 {
		path := n.Content[i].Value
		if prefix != "" {
			path = prefix + "." + path
		}
		out = append(out, path)
		out = append(out, yamlKeys(n.Content[i+1], path)...)
	}
	return out
}

// Every key of the schema is in README.md's configuration reference.
func TestConfig_READMEDocumentsEveryKey(t *testing.T) {
	readme, start, end := readmeReference(t)
	var root yaml.Node
	if err := yaml.Unmarshal([]byte(readme[start:end]), &root); err != nil {
		t.Fatal(err)
	}
	documented := yamlKeys(root.Content[0], "")
	for _, s := range schema {
		if !slices.Contains(documented, s.path) {
			t.Errorf("%s is not in README.md's configuration reference", s.path)
		}
	}
}

// outOfRange returns a value just outside r for a field like v, or false when r has no
// outside for that type (an unsigned field below 0).
func outOfRange(r rule, v reflect.Value) (reflect.Value, bool) {
	bad := reflect.New(v.Type()).Elem()
	switch r := r.(type) {
	case choiceRule:
		bad.SetString("no-such-choice")
		return bad, true
	case requiredRule:
		return bad, true // ""
	case numRule:
		x := r.lo - 1
		if r.above {
			x = r.lo
		}
		switch v.Kind() {
		case reflect.Map:
			bad = reflect.MakeMap(v.Type())
			bad.SetMapIndex(reflect.ValueOf("x"), reflect.ValueOf(r.hi+1))
			if r.hi == noMax {
				bad.SetMapIndex(reflect.ValueOf("x"), reflect.ValueOf(x))
			}
		case reflect.Float32, reflect.Float64:
			bad.SetFloat(x)
		case reflect.Uint, reflect.Uint64:
			return bad, false
		default:
			bad.SetInt(int64(x))
		}
		return bad, true
	}
	return bad, false
}

// Every rule of the schema is enforced: a value just outside its range is rejected with a
// ConfigError that names the field.
func TestConfig_ValidateRejectsOutOfRange(t *testing.T) {
	for _, s := range schema {
		if s.rule == nil {
			continue
		}
		t.Run(s.path, func(t *testing.T) {
			cfg := defaultConfig()
			var field reflect.Value
			walk(reflect.ValueOf(&cfg).Elem(), "", func(path string, v reflect.Value) error {
				if path == s.path {
					field = v
				}
				return nil
			})
			bad, ok := outOfRange(s.rule, field)
			if !ok {
				t.Skipf("no value of %s lies outside %s", field.Type(), s.rule)
			}
			field.Set(bad)
			err := cfg.validate()
			var ce *ConfigError
			if !errors.As(err, &ce) || !strings.HasPrefix(ce.Field, s.path) {
				t.Errorf("%s = %v: err = %v, want a ConfigError naming %s", s.path, bad, err, s.path)
			}
		})
	}
}

func TestConfig_ValidateNamesFieldAndRange(t *testing.T) {
	for env, want := range map[string]string{
		"RECD_TRAIN_ALS_FACTORS=2048":       "config: train.als.factors: must be between 1 and 1024",
		"RECD_TRAIN_EASE_SOLVER=qr":         "config: train.ease.solver: must be auto, items or users",
		"RECD_RANK_WEIGHTS=cf=101":          "config: rank.weights.cf: must be between 0 and 100",
		"RECD_SESSIONS_MAX_KEYS=0":          "config: sessions.max_keys: must be at least 1",
		"RECD_SOURCES_MAX_AGE=0s":           "config: sources.max_age: must be positive",
		"RECD_TRAIN_TFIDF_MAX_DF_RATIO=1.5": "config: train.tfidf.max_df_ratio: must be greater than 0 and at most 1",
	} {
		cfg := defaultConfig()
		if err := cfg.loadEnv([]string{env}); err != nil {
			t.Fatal(err)
		}
		if err := cfg.validate(); err == nil || err.Error() != want {
			t.Errorf("%s: err = %v, want %q", env, err, want)
		}
	}
}

// A YAML duration needs a unit too; the error names the field.
func TestConfig_LoadFileRejectsDurationsWithoutUnit(t *testing.T) {
	for _, c := range []struct{ yaml, field string }{
		{"train:\n  interval: 1000\n", "train.interval"},
		{"rank:\n  calibration_half_life: 1000\n", "rank.calibration_half_life"},
		{"rank:\n  calibration_half_life: 0\n", "rank.calibration_half_life"},
		{"redis:\n  timeout: \"250\"\n", "redis.timeout"},
	} {
		path := filepath.Join(t.TempDir(), "recd.yaml")
		if err := os.WriteFile(path, []byte(c.yaml), 0o600); err != nil {
			t.Fatal(err)
		}
		cfg := defaultConfig()
		err := cfg.loadFile(path)
		var ce *ConfigError
		if !errors.As(err, &ce) || ce.Field != c.field || !strings.Contains(ce.Message, "no unit") {
			t.Errorf("%q: err = %v, want a ConfigError naming %s and asking for a unit", c.yaml, err, c.field)
		}
	}
	path := filepath.Join(t.TempDir(), "recd.yaml")
	if err := os.WriteFile(path, []byte("train:\n  interval: 0\nrank:\n  calibration_half_life: 720h\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := defaultConfig()
	if err := cfg.loadFile(path); err != nil || cfg.Train.Interval != 0 {
		t.Errorf("interval: 0 (off) and a duration with a unit: err = %v, interval %v", err, cfg.Train.Interval)
	}
}
