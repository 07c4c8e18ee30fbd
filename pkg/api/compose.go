package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// MaxSourceDepth is the longest chain of composed renditions: a rendition
// may be at most this many steps away from the request's source (a
// rendition of the request's source is one step away, one made from it
// two, and so on).
const MaxSourceDepth = 8

// errMissingTarget is the error of a rendition without target nor
// embedBinaryLimit. checkSources lifts it from a rendition another one
// takes as its source, which is then an intermediate step.
var errMissingTarget = &FieldError{Field: "target",
	Message: "is required (a presigned PUT URL, s3://bucket/key, or {urls, minPartSize, maxPartSize}) unless embedBinaryLimit is set, or another rendition of the request takes this one as its source"}

// parseSourceRendition reads the source instruction of a rendition:
// {"rendition": "<name>"}, the name of another rendition of the request.
func parseSourceRendition(p *parser, v json.RawMessage) string {
	var s struct {
		Rendition *string `json:"rendition"`
	}
	dec := json.NewDecoder(bytes.NewReader(v))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil || s.Rendition == nil || strings.TrimSpace(*s.Rendition) == "" {
		p.fail(fieldErr("source", `must be {"rendition": "<name>"}, the name of another rendition of this request, got %s`, abbreviate(v)))
		return ""
	}
	return *s.Rendition
}

// SourceIndices returns, for each rendition of the request, the index of
// the rendition it takes as its source (SourceRendition), or -1 when it
// reads the request's source or its source rendition cannot be told (no
// rendition or several have that name; CheckRenditions makes such a
// rendition invalid).
func (req *Request) SourceIndices() []int {
	byName := map[string]int{} // name -> index, or -2 when several renditions have it
	for i, r := range req.Renditions {
		if _, dup := byName[r.Name]; dup {
			byName[r.Name] = -2
		} else {
			byName[r.Name] = i
		}
	}
	out := make([]int, len(req.Renditions))
	for i, r := range req.Renditions {
		out[i] = -1
		if r.SourceRendition == "" {
			continue
		}
		if j, ok := byName[r.SourceRendition]; ok && j >= 0 {
			out[i] = j
		}
	}
	return out
}

// checkSources marks as Intermediate each rendition without target (nor
// embedBinaryLimit) that another rendition takes as its source, lifting
// the missing-target error, and sets Invalid on each rendition whose
// source instruction cannot be followed: it names no rendition of the request, or several
// (names are the key, so they must be unique when referred to), or the
// rendition itself; it is part of a cycle (a takes b, b takes a); or it is
// more than MaxSourceDepth steps from the request's source. The error is a
// GenericError on the field source. A rendition whose source rendition is
// invalid for another reason is left valid here: it fails when the request
// runs, naming its source rendition.
func (req *Request) checkSources() {
	byName := map[string][]int{}
	for i, r := range req.Renditions {
		byName[r.Name] = append(byName[r.Name], i)
	}
	parent := req.SourceIndices()
	// A rendition with nowhere to go that another one reads is an
	// intermediate step, not an error.
	referenced := make([]bool, len(req.Renditions))
	for i, p := range parent {
		if p >= 0 && p != i {
			referenced[p] = true
		}
	}
	for i := range req.Renditions {
		r := &req.Renditions[i]
		noTarget := r.Target.IsZero() && r.EmbedBinaryLimit == nil
		if referenced[i] && noTarget && (r.Invalid == nil || errors.Is(r.Invalid, errMissingTarget)) {
			r.Invalid, r.Intermediate = nil, true
		}
	}
	fail := func(i int, format string, args ...any) {
		req.Renditions[i].Invalid = fmt.Errorf("renditions[%d]: %w", i, validationErr("source", format, args...))
	}
	for i := range req.Renditions {
		r := &req.Renditions[i]
		if r.Invalid != nil || r.SourceRendition == "" {
			continue
		}
		idx := byName[r.SourceRendition]
		switch {
		case len(idx) == 0:
			fail(i, "no rendition of this request is named %q (the source of a rendition is another rendition's name; names: %s)",
				r.SourceRendition, nameList(req.Renditions))
		case len(idx) > 1:
			fail(i, "%q is ambiguous: renditions[%d] and renditions[%d] both have that name; give the rendition used as a source a unique name",
				r.SourceRendition, idx[0], idx[1])
		case idx[0] == i:
			fail(i, "rendition %q cannot be its own source", r.Name)
		}
	}
	// Cycles: each rendition has at most one source rendition, so walking
	// up from any rendition either reaches the request's source or loops.
	valid := func(i int) bool { return i >= 0 && req.Renditions[i].Invalid == nil }
	const (
		unseen = iota
		walking
		done
	)
	state := make([]int, len(req.Renditions))
	var cycles [][]int
	for i := range req.Renditions {
		var path []int
		j := i
		for valid(j) && state[j] == unseen {
			state[j] = walking
			path = append(path, j)
			j = parent[j]
		}
		if valid(j) && state[j] == walking {
			// j is on the current path: the path from j on is a cycle.
			for k, n := range path {
				if n == j {
					cycles = append(cycles, path[k:])
					break
				}
			}
		}
		for _, n := range path {
			state[n] = done
		}
	}
	for _, c := range cycles {
		names := make([]string, 0, len(c)+1)
		for _, n := range c {
			names = append(names, fmt.Sprintf("%q", req.Renditions[n].Name))
		}
		names = append(names, names[0])
		for _, n := range c {
			fail(n, "renditions take one another as source in a cycle (%s); a rendition can only be made from one made before it",
				strings.Join(names, " takes "))
		}
	}
	// Depth, counted from the request's source, for the renditions left.
	depth := make([]int, len(req.Renditions))
	var depthOf func(i int) int
	depthOf = func(i int) int {
		if depth[i] != 0 {
			return depth[i]
		}
		depth[i] = 1
		if p := parent[i]; valid(p) {
			depth[i] = depthOf(p) + 1
		}
		return depth[i]
	}
	for i := range req.Renditions {
		if !valid(i) {
			continue
		}
		if d := depthOf(i); d > MaxSourceDepth {
			fail(i, "rendition %q is %d steps from the request's source (through %q), more than the limit of %d",
				req.Renditions[i].Name, d, req.Renditions[i].SourceRendition, MaxSourceDepth)
		}
	}
}

// nameList writes the renditions' names for a message, at most ten.
func nameList(rs []Rendition) string {
	var names []string
	for i, r := range rs {
		if i == 10 {
			names = append(names, fmt.Sprintf("and %d more", len(rs)-10))
			break
		}
		names = append(names, fmt.Sprintf("%q", r.Name))
	}
	return strings.Join(names, ", ")
}
