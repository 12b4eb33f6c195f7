package readmetest

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// example is one shell command of a README code block: continuation lines are joined and a
// trailing comment is split off.
type example struct {
	src     string // where it was written: README.md, or the demo's start-up message
	line    int    // line of src where the command starts
	cmd     string // the command, without its comment
	comment string // the text after an unquoted #, or ""
}

// jsonBlock is a ```json block of README.md and the prose line just before it.
type jsonBlock struct {
	line    int
	caption string
	value   any
}

// readmeDoc is what the test uses of README.md: its shell examples and its JSON samples.
type readmeDoc struct {
	examples []example
	jsons    []jsonBlock
}

// parseReadme reads the ```sh and ```json code blocks of a Markdown document.
func parseReadme(r io.Reader) (readmeDoc, error) {
	var doc readmeDoc
	sc := bufio.NewScanner(r)
	var (
		n, start      int
		lang, caption string
		inBlock       bool
		block         []string
	)
	for sc.Scan() {
		n++
		text := sc.Text()
		trimmed := strings.TrimSpace(text)
		switch {
		case strings.HasPrefix(trimmed, "```") && !inBlock:
			inBlock, lang, start, block = true, strings.TrimPrefix(trimmed, "```"), n+1, nil
		case strings.HasPrefix(trimmed, "```"):
			inBlock = false
			if err := doc.addBlock(lang, start, caption, block); err != nil {
				return doc, err
			}
		case inBlock:
			block = append(block, text)
		case trimmed != "":
			caption = trimmed
		}
	}
	if inBlock {
		return doc, fmt.Errorf("README.md:%d: code block not closed", start-1)
	}
	return doc, sc.Err()
}

func (d *readmeDoc) addBlock(lang string, start int, caption string, lines []string) error {
	switch lang {
	case "sh", "bash", "shell":
		d.examples = append(d.examples, shellCommands("README.md", start, lines)...)
	case "json":
		var v any
		if err := json.Unmarshal([]byte(strings.Join(lines, "\n")), &v); err != nil {
			return fmt.Errorf("README.md:%d: json block: %w", start, err)
		}
		d.jsons = append(d.jsons, jsonBlock{line: start, caption: caption, value: v})
	}
	return nil
}

// shellCommands joins the lines that end in a backslash and splits off comments; blank and
// comment-only lines are no command. first is the line number of lines[0] in src.
func shellCommands(src string, first int, lines []string) []example {
	var out []example
	var cur strings.Builder
	startLine := 0
	for i, l := range lines {
		if cur.Len() == 0 {
			startLine = first + i
		}
		if s, ok := strings.CutSuffix(strings.TrimRight(l, " \t"), `\`); ok {
			cur.WriteString(s + " ")
			continue
		}
		cur.WriteString(l)
		cmd, comment := splitComment(cur.String())
		cur.Reset()
		if cmd = strings.TrimSpace(cmd); cmd != "" {
			out = append(out, example{src: src, line: startLine, cmd: cmd, comment: comment})
		}
	}
	return out
}

// splitComment cuts a shell line at its first # that starts a word outside quotes.
func splitComment(line string) (cmd, comment string) {
	var quote rune
	prevSpace := true
	for i, c := range line {
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '#' && prevSpace:
			return line[:i], strings.TrimSpace(line[i+1:])
		}
		prevSpace = c == ' ' || c == '\t'
	}
	return line, ""
}
