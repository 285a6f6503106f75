package main

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/goapigw/webapp/infra/assembly"
)

// logEnv is what Lambda tells a function of its LoggingConfig: with the
// JSON format, AWS_LAMBDA_LOG_FORMAT=JSON and the application log level in
// AWS_LAMBDA_LOG_LEVEL (INFO when the template leaves it out); with text,
// nothing.
func logEnv(fn assembly.Function) []string {
	if !strings.EqualFold(fn.LogFormat, "JSON") {
		return nil
	}
	return []string{"AWS_LAMBDA_LOG_FORMAT=JSON", "AWS_LAMBDA_LOG_LEVEL=" + cmp.Or(fn.LogLevel, "INFO")}
}

// functionLine is a function's log line for the terminal: a JSON line with
// a level ("level", as Lambda reads it) becomes "LEVEL message key=value…"
// in the line's own order, without its timestamp (the terminal's lines are
// live), and a value of several lines (a panic's stack) below it, as
// lines; any other line is shown as it is.
func functionLine(line string) string {
	if !strings.HasPrefix(line, "{") {
		return line
	}
	dec := json.NewDecoder(strings.NewReader(line))
	dec.UseNumber()
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return line
	}
	var level, message string
	var rest, below []string
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return line
		}
		key, _ := t.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return line
		}
		var s string
		isString := json.Unmarshal(v, &s) == nil
		switch {
		case key == "level" && isString:
			level = strings.ToUpper(s)
		case (key == "message" || key == "msg") && isString && message == "":
			message = s
		case key == "timestamp" || key == "time":
		case isString && strings.Contains(strings.TrimSpace(s), "\n"):
			below = append(below, "    "+key+":\n\t"+strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n\t"))
		case isString && !strings.ContainsAny(s, " \t\n\"=") && s != "":
			rest = append(rest, key+"="+s)
		case isString:
			rest = append(rest, fmt.Sprintf("%s=%q", key, s))
		default:
			var compact bytes.Buffer
			if json.Compact(&compact, v) != nil {
				return line
			}
			rest = append(rest, key+"="+compact.String())
		}
	}
	if level == "" {
		return line
	}
	out := strings.TrimRight(fmt.Sprintf("%-5s %s %s", level, message, strings.Join(rest, " ")), " ")
	return strings.Join(append([]string{out}, below...), "\n")
}
