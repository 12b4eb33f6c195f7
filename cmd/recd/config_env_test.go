package main

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/recd/recd/index"
)

// Every type of field in Config has its environment form.
func TestConfig_LoadEnvSetsEveryType(t *testing.T) {
	cases := []struct {
		env   string
		check func(c *Config) bool
	}{
		{"RECD_TRAIN_KNN_NEIGHBORS=42", func(c *Config) bool { return c.Train.KNN.Neighbors == 42 }},                              // int
		{"RECD_HTTP_MAX_BODY_BYTES=4096", func(c *Config) bool { return c.HTTP.MaxBodyBytes == 4096 }},                            // int64
		{"RECD_TRAIN_ALS_SEED=18446744073709551615", func(c *Config) bool { return c.Train.ALS.Seed == 1<<64-1 }},                 // uint64
		{"RECD_RANK_DIVERSITY=0.25", func(c *Config) bool { return c.Rank.Diversity == 0.25 }},                                    // float64
		{"RECD_TRAIN_TFIDF_YEAR_TOKENS=true", func(c *Config) bool { return c.Train.TFIDF.YearTokens }},                           // bool
		{"RECD_SESSIONS_TTL=2h", func(c *Config) bool { return time.Duration(c.Sessions.TTL) == 2*time.Hour }},                    // Duration
		{"RECD_TRAIN_INTERVAL=0", func(c *Config) bool { return c.Train.Interval == 0 }},                                          // a bare 0 needs no unit
		{"RECD_RANK_CALIBRATION_HALF_LIFE=1000s", func(c *Config) bool { return c.Rank.CalibrationHalfLife == 1000*time.Second }}, // time.Duration
		{"RECD_LLM_MODE=json_schema", func(c *Config) bool { return c.LLM.Mode == "json_schema" }},                                // string
		{"RECD_RANK_NORMALISATION=rank", func(c *Config) bool { return c.Rank.Normalisation == "rank" }},                          // named string
		{"RECD_RANK_WEIGHTS=cf=1, ease=0", func(c *Config) bool {
			return reflect.DeepEqual(c.Rank.Weights, map[string]float64{"cf": 1, "ease": 0})
		}}, // map
		{"RECD_INDEX_SPACES=[{name: text, dim: 8, metric: cosine}]", func(c *Config) bool {
			return reflect.DeepEqual(c.Index.Spaces, []index.SpaceConfig{{Name: "text", Dim: 8, Metric: index.Cosine}})
		}}, // list of records
	}
	for _, tc := range cases {
		name, _, _ := strings.Cut(tc.env, "=")
		t.Run(name, func(t *testing.T) {
			cfg := defaultConfig()
			if err := cfg.loadEnv([]string{tc.env}); err != nil {
				t.Fatal(err)
			}
			if !tc.check(&cfg) {
				t.Errorf("%s did not reach the configuration", tc.env)
			}
			if err := cfg.validate(); err != nil {
				t.Errorf("validate: %v", err)
			}
		})
	}
}

// Lists of scalars are comma-separated or a YAML flow list; no Config field has one yet, so a
// struct of its own holds them.
func TestSetValue_Lists(t *testing.T) {
	var v struct {
		Names []string
		Sizes []int
	}
	for _, c := range []struct {
		field, in string
		want      any
	}{
		{"Names", "a, b,c", []string{"a", "b", "c"}},
		{"Names", "[x, 'y z']", []string{"x", "y z"}},
		{"Names", "", []string{}},
		{"Sizes", "32,16,8", []int{32, 16, 8}},
	} {
		f := reflect.ValueOf(&v).Elem().FieldByName(c.field)
		if err := setValue(f, c.in); err != nil {
			t.Fatalf("%s %q: %v", c.field, c.in, err)
		}
		if got := f.Interface(); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s %q = %#v, want %#v", c.field, c.in, got, c.want)
		}
	}
	if err := setValue(reflect.ValueOf(&v).Elem().FieldByName("Sizes"), "1,two"); err == nil {
		t.Error(`"1,two" read as a list of ints`)
	}
}

// A zero Config given every default through the environment is the default Config: the
// loader knows every field type the configuration has.
func TestConfig_LoadEnvKnowsEveryField(t *testing.T) {
	def := defaultConfig()
	def.Index.Spaces = []index.SpaceConfig{{Name: "text", Dim: 8, Metric: index.Cosine}}
	var env []string
	walk(reflect.ValueOf(&def).Elem(), "", func(path string, v reflect.Value) error {
		env = append(env, envName(path)+"="+envString(v))
		return nil
	})
	var got Config
	if err := got.loadEnv(env); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, def) {
		t.Errorf("the defaults set through the environment differ:\n got %+v\nwant %+v", got, def)
	}
}

// envString writes v the way the environment loader reads it.
func envString(v reflect.Value) string {
	if durationTypes[v.Type()] {
		return formatDuration(timeDuration(v))
	}
	switch v.Kind() {
	case reflect.Map:
		var parts []string
		for _, k := range v.MapKeys() {
			parts = append(parts, fmt.Sprintf("%v=%v", k, v.MapIndex(k)))
		}
		return strings.Join(parts, ",")
	case reflect.Slice:
		var parts []string
		for i := 0; i < v.Len(); i++ {
			s := v.Index(i)
			parts = append(parts, fmt.Sprintf("{name: %v, dim: %v, metric: %v}", s.FieldByName("Name"), s.FieldByName("Dim"), s.FieldByName("Metric")))
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	return fmt.Sprint(v.Interface())
}

// A bare number is no duration: 1000 could be seconds or nanoseconds. The error names the
// variable and asks for a unit.
func TestConfig_LoadEnvRejectsDurationsWithoutUnit(t *testing.T) {
	for _, name := range []string{"RECD_RANK_CALIBRATION_HALF_LIFE", "RECD_TRAIN_INTERVAL", "RECD_SESSIONS_TTL"} {
		cfg := defaultConfig()
		err := cfg.loadEnv([]string{name + "=1000"})
		var ce *ConfigError
		if !errors.As(err, &ce) || !strings.Contains(ce.Field, name) || !strings.Contains(err.Error(), "1000s") {
			t.Errorf("%s=1000: err = %v, want a ConfigError naming %s and asking for a unit such as 1000s", name, err, name)
		}
	}
}

func TestConfig_LoadEnvRejectsBadValues(t *testing.T) {
	for _, env := range []string{"RECD_TRAIN_ALS_SEED=-1", "RECD_TRAIN_ALS_SEED=1.5", "RECD_TRAIN_KNN_NEIGHBORS=9999999999999999999",
		"RECD_RANK_WEIGHTS=cf", "RECD_RANK_WEIGHTS=cf=high", "RECD_TRAIN_KNN_BINARY=yes please", "RECD_INDEX_SPACES=text:8"} {
		name, _, _ := strings.Cut(env, "=")
		cfg := defaultConfig()
		var ce *ConfigError
		if err := cfg.loadEnv([]string{env}); !errors.As(err, &ce) || !strings.Contains(ce.Field, name) {
			t.Errorf("%s: err = %v, want a ConfigError naming %s", env, err, name)
		}
	}
}
