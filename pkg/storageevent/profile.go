package storageevent

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"path"
	"strconv"
	"strings"

	"github.com/assetcompute/assetcompute/pkg/api"
)

// DefaultTargetTemplate is the target key template used when neither the
// profile nor a rendition gives one.
const DefaultTargetTemplate = "renditions/{key}/{name}"

// DefaultRenditionPrefix is the loop-guard prefix used when the profile
// gives none and the target template has no literal prefix.
const DefaultRenditionPrefix = "renditions/"

// Profile says what to make from an uploaded object. It is read from the
// action's parameters (package or action defaults, bound by wskdeploy), next
// to the notification itself.
type Profile struct {
	// Renditions are the rendition instructions, as in a processing request,
	// without targets. A rendition may carry "target" as a key template (no
	// scheme) to override TargetTemplate. On the wire it may be a JSON array
	// or a string holding one (deployment inputs are strings).
	Renditions []json.RawMessage `json:"renditions"`
	// TargetTemplate is the target key template; placeholders are {bucket}
	// {key} {dirname} {basename} {stem} {ext} {name}.
	TargetTemplate string `json:"targetTemplate,omitempty"`
	// TargetBucket is the bucket renditions go to; empty means the source
	// object's bucket.
	TargetBucket string `json:"targetBucket,omitempty"`
	// RenditionPrefix is the loop guard: objects whose key starts with it
	// are never processed. Defaults to the literal start of TargetTemplate
	// (up to its first placeholder), or DefaultRenditionPrefix.
	RenditionPrefix string `json:"renditionPrefix,omitempty"`
	// Events are the accepted event name prefixes after normalisation
	// (default "ObjectCreated"); a comma-separated string is accepted.
	Events StringList `json:"events,omitempty"`
	// Prefix keeps only keys starting with it.
	Prefix string `json:"prefix,omitempty"`
	// Suffixes keeps only keys ending with one of them, case-insensitively
	// (".jpg,.png"); a comma-separated string is accepted.
	Suffixes StringList `json:"suffix,omitempty"`
	// UserData is copied into every request.
	UserData json.RawMessage `json:"userData,omitempty"`
	// SkipExisting (parameter skipExisting, default true; a boolean or
	// the string "true"/"false") drops the renditions that already exist
	// at their s3:// targets with this request's id, so a duplicate
	// notification does no work (see SkipExisting).
	SkipExisting bool `json:"skipExisting"`
}

// StringList is a list of strings that also decodes from one
// comma-separated string.
type StringList []string

// UnmarshalJSON accepts ["a","b"] or "a,b".
func (l *StringList) UnmarshalJSON(data []byte) error {
	if isJSONString(data) {
		var s string
		if err := json.Unmarshal(data, &s); err != nil {
			return err
		}
		*l = nil
		for _, p := range strings.Split(s, ",") {
			if p = strings.TrimSpace(p); p != "" {
				*l = append(*l, p)
			}
		}
		return nil
	}
	var xs []string
	if err := json.Unmarshal(data, &xs); err != nil {
		return fmt.Errorf("expected a list of strings or a comma-separated string")
	}
	*l = xs
	return nil
}

// ParseProfile reads the profile from the action parameters and validates
// it: at least one rendition, each a valid rendition per api.ParseRendition,
// and a target template that names {name} or is per-rendition.
func ParseProfile(params []byte) (*Profile, error) {
	var raw struct {
		Profile
		Renditions   json.RawMessage `json:"renditions"`
		SkipExisting json.RawMessage `json:"skipExisting"`
	}
	if err := json.Unmarshal(params, &raw); err != nil {
		return nil, fmt.Errorf("profile: %w", err)
	}
	p := raw.Profile
	rs := bytes.TrimSpace(raw.Renditions)
	if isJSONString(rs) {
		var s string
		_ = json.Unmarshal(rs, &s)
		rs = []byte(s)
	}
	if len(rs) == 0 || string(rs) == "null" {
		return nil, fmt.Errorf("profile: renditions is required: the rendition instructions to make for each uploaded object")
	}
	if err := json.Unmarshal(rs, &p.Renditions); err != nil {
		return nil, fmt.Errorf("profile: renditions must be a JSON array of rendition objects: %v", err)
	}
	if len(p.Renditions) == 0 {
		return nil, fmt.Errorf("profile: renditions is empty")
	}
	skip, err := parseBool(raw.SkipExisting, true)
	if err != nil {
		return nil, fmt.Errorf("profile: skipExisting: %w", err)
	}
	p.SkipExisting = skip
	if p.TargetTemplate == "" {
		p.TargetTemplate = DefaultTargetTemplate
	}
	if strings.Contains(p.TargetTemplate, "://") {
		return nil, fmt.Errorf("profile: targetTemplate %q must be a key template, not a URL; set targetBucket for another bucket", p.TargetTemplate)
	}
	if p.RenditionPrefix == "" {
		lit, _, _ := strings.Cut(p.TargetTemplate, "{")
		if i := strings.LastIndex(lit, "/"); i > 0 {
			p.RenditionPrefix = lit[:i+1]
		} else {
			p.RenditionPrefix = DefaultRenditionPrefix
		}
	}
	if len(p.Events) == 0 {
		p.Events = StringList{"ObjectCreated"}
	}
	// Validate each rendition as it will be sent: with a target filled in
	// from its template, expanded for a sample key.
	for i := range p.Renditions {
		if _, err := p.buildRendition(i, "bucket", "dir/sample.jpg", "bucket"); err != nil {
			return nil, fmt.Errorf("profile: %w", err)
		}
	}
	return &p, nil
}

// parseBool reads an optional boolean parameter: a JSON boolean, or a
// string "true"/"false" (deployment inputs are strings); absent, null and
// "" give def.
func parseBool(raw json.RawMessage, def bool) (bool, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return def, nil
	}
	var b bool
	if json.Unmarshal(raw, &b) == nil {
		return b, nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		if s = strings.TrimSpace(s); s == "" {
			return def, nil
		}
		if v, err := strconv.ParseBool(s); err == nil {
			return v, nil
		}
	}
	return false, fmt.Errorf("want true or false, got %s", raw)
}

// Skip explains why an object was not processed: the wire type
// api.Skip, which the process action passes through.
type Skip = api.Skip

// Accept reports whether the profile processes the object, and if not, why.
func (p *Profile) Accept(o Object) (bool, string) {
	ev := false
	for _, e := range p.Events {
		if strings.HasPrefix(o.Event, NormalizeEvent(e)) {
			ev = true
			break
		}
	}
	switch {
	case !ev:
		return false, fmt.Sprintf("event %q is not one of %v", o.Event, []string(p.Events))
	case strings.HasPrefix(o.Key, p.RenditionPrefix):
		return false, fmt.Sprintf("key is under the rendition prefix %q (the service's own output)", p.RenditionPrefix)
	case strings.HasSuffix(o.Key, "/") && o.Size == 0:
		return false, "key is a folder marker"
	case p.Prefix != "" && !strings.HasPrefix(o.Key, p.Prefix):
		return false, fmt.Sprintf("key does not start with prefix %q", p.Prefix)
	}
	if len(p.Suffixes) > 0 {
		lk := strings.ToLower(o.Key)
		for _, s := range p.Suffixes {
			if strings.HasSuffix(lk, strings.ToLower(s)) {
				return true, ""
			}
		}
		return false, fmt.Sprintf("key does not end with one of %v", []string(p.Suffixes))
	}
	return true, ""
}

// Request is the processing request built for one object: the body of the
// process action. Renditions are the profile's instructions verbatim plus
// their name and target.
type Request struct {
	RequestID  string                       `json:"requestId"`
	Source     string                       `json:"source"`
	Renditions []map[string]json.RawMessage `json:"renditions"`
	UserData   json.RawMessage              `json:"userData,omitempty"`

	// object is the notification's object the request was built for.
	object Object
}

// RequestID derives the request id of an object from its bucket, key and
// version (or, without one, its ETag): the same object version always gets
// the same id, so a duplicate notification produces the same request.
func RequestID(o Object) string {
	version := o.VersionID
	if version == "" {
		version = "etag:" + o.ETag
	}
	h := sha256.Sum256([]byte(o.Bucket + "\x00" + o.Key + "\x00" + version))
	return "se-" + hex.EncodeToString(h[:16])
}

// Build makes the processing request for an accepted object.
func (p *Profile) Build(o Object) (*Request, error) {
	bucket := p.TargetBucket
	if bucket == "" {
		bucket = o.Bucket
	}
	req := &Request{
		RequestID: RequestID(o),
		Source:    "s3://" + o.Bucket + "/" + o.Key,
		UserData:  p.UserData,
		object:    o,
	}
	for i := range p.Renditions {
		r, err := p.buildRendition(i, o.Bucket, o.Key, bucket)
		if err != nil {
			return nil, fmt.Errorf("profile: %w", err)
		}
		req.Renditions = append(req.Renditions, r)
	}
	return req, nil
}

// buildRendition returns rendition i of the profile with its name and its
// target for the object key in srcBucket, written to dstBucket, checked
// with api.ParseRendition.
func (p *Profile) buildRendition(i int, srcBucket, key, dstBucket string) (map[string]json.RawMessage, error) {
	var r map[string]json.RawMessage
	if err := json.Unmarshal(p.Renditions[i], &r); err != nil || r == nil {
		return nil, fmt.Errorf("renditions[%d]: must be a JSON object", i)
	}
	name := renditionName(r, i)
	tmpl := p.TargetTemplate
	if t, ok := r["target"]; ok {
		if !isJSONString(t) {
			return nil, fmt.Errorf("renditions[%d]: target must be a key template string", i)
		}
		_ = json.Unmarshal(t, &tmpl)
		if strings.Contains(tmpl, "://") {
			return nil, fmt.Errorf("renditions[%d]: target %q must be a key template, not a URL", i, tmpl)
		}
	}
	k, err := ExpandTemplate(tmpl, srcBucket, key, name)
	if err != nil {
		return nil, fmt.Errorf("renditions[%d]: %w", i, err)
	}
	if k == "" || strings.HasSuffix(k, "/") {
		return nil, fmt.Errorf("renditions[%d]: target template %q gives the key %q, which names no object", i, tmpl, k)
	}
	delete(r, "url")
	r["name"], _ = json.Marshal(name)
	r["target"], _ = json.Marshal("s3://" + dstBucket + "/" + k)
	raw, _ := json.Marshal(r)
	if _, err := api.ParseRendition(raw); err != nil {
		return nil, fmt.Errorf("renditions[%d]: %w", i, err)
	}
	return r, nil
}

func renditionName(r map[string]json.RawMessage, i int) string {
	var name, fmtName string
	if v, ok := r["name"]; ok {
		_ = json.Unmarshal(v, &name)
	}
	if name != "" {
		return name
	}
	if v, ok := r["fmt"]; ok {
		_ = json.Unmarshal(v, &fmtName)
	}
	return fmt.Sprintf("rendition-%d.%s", i+1, fmtName)
}

// ExpandTemplate fills a target key template. {bucket} is the source
// bucket, {key} the full source key, {dirname} its directory ("" at the
// root, else without trailing slash), {basename} its last element, {stem}
// the basename without extension, {ext} the extension without the dot and
// {name} the rendition name. Doubled slashes from an empty {dirname} are
// collapsed. An unknown placeholder is an error.
func ExpandTemplate(tmpl, bucket, key, name string) (string, error) {
	base := path.Base(key)
	dir := path.Dir(key)
	if dir == "." {
		dir = ""
	}
	ext := path.Ext(base)
	vals := map[string]string{
		"bucket": bucket, "key": key, "dirname": dir, "basename": base,
		"stem": strings.TrimSuffix(base, ext), "ext": strings.TrimPrefix(ext, "."), "name": name,
	}
	var b strings.Builder
	rest := tmpl
	for {
		i := strings.IndexByte(rest, '{')
		if i < 0 {
			b.WriteString(rest)
			break
		}
		j := strings.IndexByte(rest[i:], '}')
		if j < 0 {
			return "", fmt.Errorf("target template %q has an unclosed '{'", tmpl)
		}
		ph := rest[i+1 : i+j]
		v, ok := vals[ph]
		if !ok {
			return "", fmt.Errorf("target template %q: unknown placeholder {%s}; use {bucket} {key} {dirname} {basename} {stem} {ext} {name}", tmpl, ph)
		}
		b.WriteString(rest[:i])
		b.WriteString(v)
		rest = rest[i+j+1:]
	}
	out := b.String()
	for strings.Contains(out, "//") {
		out = strings.ReplaceAll(out, "//", "/")
	}
	return strings.TrimPrefix(out, "/"), nil
}
