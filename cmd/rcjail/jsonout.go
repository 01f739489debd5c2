package main

import (
	"encoding/json"
)

// JSON output, schema 1 (rcjail.8, JSON OUTPUT). Every --json document of
// every verb is one object that starts with the same two members:
//
//	{"schema": 1, "command": "show", ...}
//
// and then the verb's own members, built from the same few shapes:
//   - a variable or setting: {"var", "value", "file", "line"} (file and line
//     omitted when unknown), plus per verb "knob", "where", "default",
//     "effective", "warning", "unknown";
//   - a jail: {"name" (as given), "jail" (the _j of file names), ...};
//   - problems: "errors" and "warnings", arrays of the exact texts the text
//     output prints after "ERROR: " / "WARNING: ".
//
// Members are added in later versions of schema 1, never renamed, removed or
// changed in meaning; a change that would break a reader is schema 2.
const jsonSchema = 1

// jsonHeader starts every --json document; embed it first.
type jsonHeader struct {
	Schema  int    `json:"schema"`
	Command string `json:"command"`
}

func header(command string) jsonHeader { return jsonHeader{Schema: jsonSchema, Command: command} }

// writeJSON prints v, indented, on stdout; the exit status when it cannot.
func writeJSON(g *Globals, v any) int {
	enc := json.NewEncoder(g.Stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		g.Errorf("write JSON: %v", err)
		return 1
	}
	return 0
}
