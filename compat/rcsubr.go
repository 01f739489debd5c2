package compat

import (
	"slices"
	"strings"
)

// Invocation is an rc.d argument split the way rc.subr's run_rc_command
// splits it: an optional prefix (fast, force, one, quiet) and the verb.
type Invocation struct {
	Arg    string // as given: "onestart"
	Prefix string // "", "fast", "force", "one" or "quiet"
	Verb   Verb   // "start"
}

// Verb is an rc.d verb without its prefix.
type Verb string

// The rc.d verbs of the 8.x rc.subr and rc.d/jail ([Verbs]) and those the
// modern ones add ([ModernVerbs]).
const (
	VerbStart   Verb = "start"
	VerbStop    Verb = "stop"
	VerbRestart Verb = "restart"
	VerbRcvar   Verb = "rcvar"
	VerbStatus  Verb = "status"

	VerbEnable        Verb = "enable"
	VerbDisable       Verb = "disable"
	VerbDelete        Verb = "delete"
	VerbEnabled       Verb = "enabled"
	VerbDescribe      Verb = "describe"
	VerbExtracommands Verb = "extracommands"
	VerbConfig        Verb = "config"
	VerbConsole       Verb = "console"
)

// Quiet is rc.subr's rc_quiet: set by "quiet" and by "fast".
func (v Invocation) Quiet() bool { return v.Prefix == "quiet" || v.Prefix == "fast" }

// Forced reports whether the prefix lifts the jail_enable gate ("one" and
// "force" set jail_enable=YES for this run).
func (v Invocation) Forced() bool { return v.Prefix == "one" || v.Prefix == "force" }

// Verbs are the rc.d verbs rcjail understands, in rc.subr's usage order.
var Verbs = []Verb{VerbStart, VerbStop, VerbRestart, VerbRcvar, VerbStatus}

// ParseInvocation splits arg into prefix and verb. The prefix is taken off
// only when what follows is a known verb ("fastfoo" stays an unknown verb
// "fastfoo"), which is what rc.subr's usage message then names.
func ParseInvocation(arg string) Invocation {
	for _, p := range []string{"fast", "force", "one", "quiet"} {
		if rest, ok := strings.CutPrefix(arg, p); ok && isVerb(Verb(rest)) {
			return Invocation{Arg: arg, Prefix: p, Verb: Verb(rest)}
		}
	}
	return Invocation{Arg: arg, Verb: Verb(arg)}
}

// ModernVerbs are the verbs the modern rc.subr (enable … extracommands) and
// the modern rc.d/jail (config, console) add; cmd/rcjail runs them. The
// usage line keeps the 8.x verbs (SPEC §1: 8.x output).
var ModernVerbs = []Verb{VerbEnable, VerbDisable, VerbDelete, VerbEnabled, VerbDescribe, VerbExtracommands, VerbConfig, VerbConsole}

// IsModernVerb reports whether s is one of [ModernVerbs].
func IsModernVerb(v Verb) bool { return slices.Contains(ModernVerbs, v) }

// IsRCVerb reports whether s is an rc.d verb rcjail runs (with or without
// a prefix).
func IsRCVerb(s string) bool {
	v := ParseInvocation(s).Verb
	return isVerb(v)
}

func isVerb(v Verb) bool {
	return slices.Contains(Verbs, v) || IsModernVerb(v)
}

// UsageLine is rc.subr's rc_usage line for the program invoked as name.
func UsageLine(name string) string {
	words := make([]string, len(Verbs))
	for i, v := range Verbs {
		words[i] = string(v)
	}
	return "Usage: " + name + " [fast|force|one|quiet](" + strings.Join(words, "|") + ")"
}

// ScriptUsageLine is the usage line the 8.x script prints when it is run
// with no verb at all (rc.subr's rc_usage with the script's keywords: jail
// has no status verb there).
func ScriptUsageLine(name string) string {
	return "Usage: " + name + " [fast|force|one|quiet](start|stop|restart|rcvar)"
}

// RcvarText is what the 8.x rc.subr prints for `rcvar`: the name, the
// variable with its raw value, quoted, and its (empty) default.
func RcvarText(value string) string {
	return "# jail\n#\njail_enable=\"" + value + "\"\n#   (default: \"\")\n\n"
}

// DisabledMessage is what rc.subr (8.x) prints on stdout when jail_enable is
// off and the verb had no one/force prefix.
func DisabledMessage(v Verb) string {
	verb := string(v)
	return "Cannot '" + verb + "' jail. Set jail_enable to YES in /etc/rc.conf or use 'one" + verb + "' instead of '" + verb + "'."
}
