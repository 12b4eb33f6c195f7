package main

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// loadEnv applies RECD_* variables: the upper-cased YAML path joined by '_', e.g.
// RECD_DATA_DIR, RECD_TRAIN_INTERVAL, RECD_TRAIN_KNN_NEIGHBORS. Durations need a unit
// (90s, 1h); lists are comma-separated (or a YAML flow list, [a, b]); maps are "k=v,k=v",
// e.g. RECD_EVENTS_WEIGHTS="view=0.5,purchase=5"; a list of records is a YAML flow list,
// e.g. RECD_INDEX_SPACES="[{name: text, dim: 768, metric: cosine}]".
func (c *Config) loadEnv(environ []string) error {
	env := map[string]string{}
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok && strings.HasPrefix(k, "RECD_") {
			env[k] = v
		}
	}
	return walk(reflect.ValueOf(c).Elem(), "", func(path string, v reflect.Value) error {
		name := envName(path)
		s, ok := env[name]
		if !ok {
			return nil
		}
		if err := setValue(v, s); err != nil {
			return &ConfigError{Field: path + " (" + name + ")", Message: err.Error()}
		}
		return nil
	})
}

// envName is the environment variable of a dotted YAML path.
func envName(path string) string {
	return "RECD_" + strings.ToUpper(strings.ReplaceAll(path, ".", "_"))
}

// walk calls fn for every settable leaf field with its dotted YAML path; a struct is a
// section, anything else (a map, a list) a leaf.
func walk(v reflect.Value, prefix string, fn func(string, reflect.Value) error) error {
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := strings.Split(f.Tag.Get("yaml"), ",")[0]
		if tag == "" || tag == "-" {
			continue
		}
		path := tag
		if prefix != "" {
			path = prefix + "." + tag
		}
		fv := v.Field(i)
		if fv.Kind() == reflect.Struct {
			if err := walk(fv, path, fn); err != nil {
				return err
			}
			continue
		}
		if err := fn(path, fv); err != nil {
			return err
		}
	}
	return nil
}

var durationTypes = map[reflect.Type]bool{reflect.TypeOf(Duration(0)): true, reflect.TypeOf(time.Duration(0)): true}

// setValue parses s into v by v's type.
func setValue(v reflect.Value, s string) error {
	if durationTypes[v.Type()] {
		d, err := parseDuration(s)
		if err != nil {
			return err
		}
		v.SetInt(int64(d))
		return nil
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(s)
	case reflect.Bool:
		b, err := strconv.ParseBool(s)
		if err != nil {
			return fmt.Errorf("%q is not true or false", s)
		}
		v.SetBool(b)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, err := strconv.ParseInt(s, 10, v.Type().Bits())
		if err != nil {
			return fmt.Errorf("%q is not an integer", s)
		}
		v.SetInt(n)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		n, err := strconv.ParseUint(s, 10, v.Type().Bits())
		if err != nil {
			return fmt.Errorf("%q is not an integer >= 0", s)
		}
		v.SetUint(n)
	case reflect.Float32, reflect.Float64:
		f, err := strconv.ParseFloat(s, v.Type().Bits())
		if err != nil {
			return fmt.Errorf("%q is not a number", s)
		}
		v.SetFloat(f)
	case reflect.Map:
		return setMap(v, s)
	case reflect.Slice:
		return setSlice(v, s)
	default:
		return fmt.Errorf("cannot be set from the environment")
	}
	return nil
}

// parseDuration reads a duration with a unit; a bare number other than 0 is ambiguous
// (seconds? nanoseconds?) and an error.
func parseDuration(s string) (time.Duration, error) {
	if _, err := strconv.ParseFloat(s, 64); err == nil && s != "0" {
		return 0, fmt.Errorf("%q has no unit: write e.g. %ss, %sms or %sm", s, s, s, s)
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a duration such as 90s or 1h", s)
	}
	return d, nil
}

// setMap parses "k=v,k=v" into a map with string keys, each value by the map's element type.
func setMap(v reflect.Value, s string) error {
	m := reflect.MakeMap(v.Type())
	for _, kv := range strings.Split(s, ",") {
		k, val, ok := strings.Cut(strings.TrimSpace(kv), "=")
		if !ok {
			return fmt.Errorf("%q is not a list of key=value pairs", s)
		}
		e := reflect.New(v.Type().Elem()).Elem()
		if err := setValue(e, strings.TrimSpace(val)); err != nil {
			return fmt.Errorf("%s: %w", k, err)
		}
		m.SetMapIndex(reflect.ValueOf(strings.TrimSpace(k)).Convert(v.Type().Key()), e)
	}
	v.Set(m)
	return nil
}

// setSlice parses a YAML flow list ("[...]", the form a list of records needs) or a
// comma-separated list of scalars; "" is the empty list.
func setSlice(v reflect.Value, s string) error {
	if strings.HasPrefix(strings.TrimSpace(s), "[") {
		p := reflect.New(v.Type())
		if err := yaml.Unmarshal([]byte(s), p.Interface()); err != nil {
			return fmt.Errorf("%q is not a YAML list: %w", s, err)
		}
		v.Set(p.Elem())
		return nil
	}
	parts := strings.Split(s, ",")
	if strings.TrimSpace(s) == "" {
		parts = nil
	}
	out := reflect.MakeSlice(v.Type(), len(parts), len(parts))
	for i, p := range parts {
		if err := setValue(out.Index(i), strings.TrimSpace(p)); err != nil {
			if out.Index(i).Kind() == reflect.Struct {
				return fmt.Errorf("%q: write a YAML list such as [{name: text, dim: 768}]", s)
			}
			return fmt.Errorf("item %d: %w", i, err)
		}
	}
	v.Set(out)
	return nil
}
