package main

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// loadEnv applies RECD_* variables: the upper-cased YAML path joined by '_', e.g.
// RECD_DATA_DIR, RECD_TRAIN_INTERVAL, RECD_TRAIN_KNN_NEIGHBORS; maps as "k=v,k=v",
// e.g. RECD_EVENTS_WEIGHTS="view=0.5,purchase=5".
func (c *Config) loadEnv(environ []string) error {
	env := map[string]string{}
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok && strings.HasPrefix(k, "RECD_") {
			env[k] = v
		}
	}
	return walk(reflect.ValueOf(c).Elem(), "", func(path string, v reflect.Value) error {
		name := "RECD_" + strings.ToUpper(strings.ReplaceAll(path, ".", "_"))
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

// walk calls fn for every settable leaf field with its dotted YAML path.
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

func setValue(v reflect.Value, s string) error {
	if v.Type() == reflect.TypeOf(Duration(0)) {
		d, err := time.ParseDuration(s)
		if err != nil {
			return fmt.Errorf("%q is not a duration such as 90s or 1h", s)
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
	case reflect.Int, reflect.Int64:
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return fmt.Errorf("%q is not an integer", s)
		}
		v.SetInt(n)
	case reflect.Float64:
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return fmt.Errorf("%q is not a number", s)
		}
		v.SetFloat(f)
	case reflect.Map:
		m := reflect.MakeMap(v.Type())
		for _, kv := range strings.Split(s, ",") {
			k, val, ok := strings.Cut(strings.TrimSpace(kv), "=")
			if !ok {
				return fmt.Errorf("%q is not a list of key=value pairs", s)
			}
			f, err := strconv.ParseFloat(val, 64)
			if err != nil {
				return fmt.Errorf("%q: %q is not a number", k, val)
			}
			m.SetMapIndex(reflect.ValueOf(k), reflect.ValueOf(f))
		}
		v.Set(m)
	default:
		return fmt.Errorf("cannot be set from the environment")
	}
	return nil
}
