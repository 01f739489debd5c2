package rcconf

// ValidName is validName for the external tests: the dash confirm test
// parses dash's set output with the same rule for a variable name, so a
// name rule that drifted from dash's shows up there as a parse error.
var ValidName = validName

// DashPath is dashPath for the external (dash confirm) tests.
var DashPath = dashPath
