package main

import (
	"strings"
	"time"

	"github.com/recd/recd/describe"
	"github.com/recd/recd/service"
)

// defaultDescribe sets the describe section's defaults from the describe package's own.
func (c *Config) defaultDescribe() {
	d := describe.DefaultOptions()
	c.Describe.Fields = "title,categories,tags,attributes"
	c.Describe.MinText, c.Describe.Concurrency = d.MinText, d.Concurrency
	c.Describe.RequestsPerSecond, c.Describe.MaxRetries = d.RequestsPerSecond, d.MaxRetries
	c.Describe.Timeout, c.Describe.MaxChars = Duration(d.Timeout), d.MaxChars
}

// describeOptions are the job's options from the describe section.
func (c *Config) describeOptions() describe.Options {
	o := describe.DefaultOptions()
	o.Fields = splitFields(c.Describe.Fields)
	o.MinText, o.Concurrency = c.Describe.MinText, c.Describe.Concurrency
	o.RequestsPerSecond, o.MaxRetries = c.Describe.RequestsPerSecond, c.Describe.MaxRetries
	o.Timeout, o.MaxChars = time.Duration(c.Describe.Timeout), c.Describe.MaxChars
	return o
}

// describeModel is the chat endpoint of the describe section, falling back to llm's.
func (c *Config) describeModel() describe.OpenAIOptions {
	o := describe.OpenAIOptions{BaseURL: c.Describe.BaseURL, Model: c.Describe.Model, APIKey: c.Describe.APIKey,
		MaxTokens: c.Describe.MaxTokens}
	if o.BaseURL == "" {
		o.BaseURL = c.LLM.BaseURL
	}
	if o.Model == "" {
		o.Model = c.LLM.Model
	}
	if o.APIKey == "" {
		o.APIKey = c.LLM.APIKey
	}
	return o
}

func splitFields(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// describeServiceOptions are the service's describe-job options: the chat model when one is
// configured (describe.*, else llm.*), none otherwise.
func (c *Config) describeServiceOptions() service.DescribeOptions {
	o := service.DescribeOptions{Options: c.describeOptions()}
	if m := c.describeModel(); m.BaseURL != "" && m.Model != "" {
		if w, err := describe.NewOpenAI(m); err == nil {
			o.Writer = w
		}
	}
	return o
}
