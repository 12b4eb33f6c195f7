package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// loadFile merges a YAML file into c, rejecting unknown fields and durations without a unit.
func (c *Config) loadFile(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	var root yaml.Node
	if err := yaml.Unmarshal(b, &root); err != nil {
		return fmt.Errorf("config %s: %w", path, err)
	}
	if len(root.Content) > 0 {
		if err := checkDurations(root.Content[0], reflect.TypeOf(*c), ""); err != nil {
			return err
		}
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(c); err != nil && !errors.Is(err, io.EOF) { // io.EOF: an empty file
		return fmt.Errorf("config %s: %w", path, err)
	}
	return nil
}

// checkDurations finds the duration fields of type t in the mapping n and rejects a value
// that is not a duration with a unit, naming the field: a bare 1000 could mean seconds or
// nanoseconds. The decoder reports everything else (unknown keys, wrong types).
func checkDurations(n *yaml.Node, t reflect.Type, prefix string) error {
	if n.Kind != yaml.MappingNode || t.Kind() != reflect.Struct {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		key, val := n.Content[i].Value, n.Content[i+1]
		f, ok := fieldByTag(t, key)
		if !ok {
			continue
		}
		path := key
		if prefix != "" {
			path = prefix + "." + key
		}
		switch {
		case durationTypes[f.Type] && val.Kind == yaml.ScalarNode:
			_, err := parseDuration(val.Value)
			if err == nil && f.Type == reflect.TypeOf(time.Duration(0)) && val.Tag != "!!str" {
				err = fmt.Errorf("%q has no unit: write e.g. %ss", val.Value, val.Value) // the decoder takes no bare 0 here
			}
			if err != nil {
				return &ConfigError{Field: path, Message: fmt.Sprintf("%v (line %d)", err, val.Line)}
			}
		case f.Type.Kind() == reflect.Struct:
			if err := checkDurations(val, f.Type, path); err != nil {
				return err
			}
		}
	}
	return nil
}

// fieldByTag finds the field of struct type t whose YAML name is key.
func fieldByTag(t reflect.Type, key string) (reflect.StructField, bool) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if strings.Split(f.Tag.Get("yaml"), ",")[0] == key {
			return f, true
		}
	}
	return reflect.StructField{}, false
}
