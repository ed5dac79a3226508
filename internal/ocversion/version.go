// Package ocversion parses and orders OpenClaw's calendar versions,
// YYYY.M.PATCH with an optional -N (a rebuild, after the plain release) or
// -beta.N (a pre-release, before it). Both the control plane and the
// provider use it, so plan-time checks and the API agree.
package ocversion

import (
	"fmt"
	"regexp"
	"strconv"
)

// Pattern is the accepted syntax, also used in schemas and docs.
const Pattern = `^([0-9]{4})\.(1[0-2]|[1-9])\.([0-9]+)(?:-([0-9]+)|-beta\.([0-9]+))?$`

var re = regexp.MustCompile(Pattern)

// Version is a parsed OpenClaw version.
type Version struct {
	Year, Month, Patch int
	// Rebuild is N of -N; 0 when absent.
	Rebuild int
	// Beta is N of -beta.N; -1 when this is not a beta.
	Beta int
	raw  string
}

// Parse parses s or explains what is wrong with it.
func Parse(s string) (Version, error) {
	m := re.FindStringSubmatch(s)
	if m == nil {
		return Version{}, fmt.Errorf("%q is not an OpenClaw version: want YYYY.M.PATCH, YYYY.M.PATCH-N or YYYY.M.PATCH-beta.N (for example 2026.11.3)", s)
	}
	v := Version{Beta: -1, raw: s}
	v.Year, _ = strconv.Atoi(m[1])
	v.Month, _ = strconv.Atoi(m[2])
	v.Patch, _ = strconv.Atoi(m[3])
	if m[4] != "" {
		v.Rebuild, _ = strconv.Atoi(m[4])
	}
	if m[5] != "" {
		v.Beta, _ = strconv.Atoi(m[5])
	}
	return v, nil
}

// IsBeta reports whether v is a pre-release.
func (v Version) IsBeta() bool { return v.Beta >= 0 }

func (v Version) String() string { return v.raw }

// Compare returns -1, 0 or 1 as a is older than, equal to or newer than b.
func Compare(a, b Version) int {
	for _, d := range [][2]int{{a.Year, b.Year}, {a.Month, b.Month}, {a.Patch, b.Patch}} {
		if d[0] != d[1] {
			return sign(d[0] - d[1])
		}
	}
	// A beta precedes its release; a rebuild follows it.
	switch {
	case a.IsBeta() && b.IsBeta():
		return sign(a.Beta - b.Beta)
	case a.IsBeta():
		return -1
	case b.IsBeta():
		return 1
	}
	return sign(a.Rebuild - b.Rebuild)
}

func sign(n int) int {
	switch {
	case n < 0:
		return -1
	case n > 0:
		return 1
	}
	return 0
}

// ChannelAllows reports whether a release channel may run v: beta builds only
// on the beta and dev channels.
func ChannelAllows(channel string, v Version) bool {
	return !v.IsBeta() || channel == "beta" || channel == "dev"
}
