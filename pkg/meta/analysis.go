package meta

import (
	"bytes"
	"encoding/json"
	"sort"
	"strings"
)

// NSacsAI is the namespace of the analysis keys (prefix acs-ai): the
// values of an analysis rendition, merged into xmp and
// machine-metadata-json renditions when they ask for it. See KEYS.md.
const NSacsAI = "http://ns.assetcompute.io/acs-ai/1.0/"

// PrefixAI is the prefix of the analysis keys.
const PrefixAI = "acs-ai"

// MergeAnalysis adds the values of an analysis (the keys of an analysis
// rendition, "acs-ai:..."; other keys are ignored) to m as properties, so
// that XMP and JSON write them, and adds the names of acs-ai:tags to
// dc:subject (after the keywords already there, without duplicates,
// compared case-insensitively).
//
// A value is written as a property of its kind: a string as text, a
// number, a boolean, a list of simple values as an ordered list
// (rdf:Seq). An object becomes a structure (key/acs-ai:field), and a list
// of objects a structure of ordered lists, one per field, in the order of
// the list (acs-ai:colours/acs-ai:hex, acs-ai:colours/acs-ai:share, ...).
// Values nested deeper, and nulls, are left out. Existing acs-ai
// properties are replaced.
func (m *Metadata) MergeAnalysis(values map[string]any) error {
	raw, err := json.Marshal(values)
	if err != nil {
		return err
	}
	var generic map[string]any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&generic); err != nil {
		return err
	}
	props := map[string]Value{}
	for key, v := range generic {
		if p, _ := splitKey(key); p != PrefixAI || strings.Contains(key, "/") {
			continue
		}
		flatten(props, key, v)
	}
	if tags, ok := generic[PrefixAI+":tags"].([]any); ok && len(tags) > 0 {
		var subject []Value
		seen := map[string]bool{}
		if old, ok := m.Get("dc:subject"); ok {
			for _, it := range old.Items {
				subject = append(subject, it)
				seen[strings.ToLower(it.String())] = true
			}
		}
		for _, t := range tags {
			s, ok := t.(string)
			if ok && s != "" && !seen[strings.ToLower(s)] {
				seen[strings.ToLower(s)] = true
				subject = append(subject, Text(s))
			}
		}
		props["dc:subject"] = Bag(subject...)
	}
	kept := m.Properties[:0:0]
	for _, p := range m.Properties {
		prefix, _ := splitKey(p.Key)
		if _, replaced := props[p.Key]; !replaced && prefix != PrefixAI {
			kept = append(kept, p)
		}
	}
	for k, v := range props {
		kept = append(kept, Property{Key: k, Value: v})
	}
	sort.SliceStable(kept, func(i, j int) bool { return propLess(kept[i].Key, kept[j].Key, m) })
	m.Properties = kept
	return nil
}

// flatten sets key to v, a value decoded from JSON, as described by
// MergeAnalysis.
func flatten(props map[string]Value, key string, v any) {
	if s, ok := simple(v); ok {
		props[key] = s
		return
	}
	switch v := v.(type) {
	case map[string]any:
		for f, fv := range v {
			if s, ok := simple(fv); ok {
				props[key+"/"+PrefixAI+":"+f] = s
			} else if list, ok := fv.([]any); ok {
				if items, ok := simpleList(list); ok {
					props[key+"/"+PrefixAI+":"+f] = Seq(items...)
				}
			}
		}
	case []any:
		if items, ok := simpleList(v); ok {
			props[key] = Seq(items...)
			return
		}
		// A list of objects: one ordered list per field, in list order;
		// a field some object lacks, or whose value is not simple, is
		// left out, so that the lists stay parallel.
		fields := map[string][]Value{}
		for i, it := range v {
			obj, ok := it.(map[string]any)
			if !ok {
				return
			}
			for f, fv := range obj {
				s, ok := simple(fv)
				if !ok {
					continue
				}
				if len(fields[f]) == i {
					fields[f] = append(fields[f], s)
				}
			}
		}
		for f, items := range fields {
			if len(items) == len(v) {
				props[key+"/"+PrefixAI+":"+f] = Seq(items...)
			}
		}
	}
}

// simple converts a JSON string, number or boolean.
func simple(v any) (Value, bool) {
	switch v := v.(type) {
	case string:
		return Text(v), true
	case bool:
		return Bool(v), true
	case json.Number:
		f, err := v.Float64()
		if err != nil {
			return Value{}, false
		}
		return Number(f), true
	}
	return Value{}, false
}

// simpleList converts a list of simple values; false when an item is not
// one. An empty list is an empty list.
func simpleList(list []any) ([]Value, bool) {
	items := make([]Value, 0, len(list))
	for _, it := range list {
		s, ok := simple(it)
		if !ok {
			return nil, false
		}
		items = append(items, s)
	}
	return items, true
}
