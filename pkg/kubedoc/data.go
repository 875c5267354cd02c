package kubedoc

import (
	"encoding/base64"
	"fmt"
	"sort"
)

// Data is the content of a ConfigMap or a Secret, by key, as a pod that
// mounts it would see it: a ConfigMap's data and binaryData (base64), a
// Secret's data (base64) with stringData written over it, as the API server
// merges them on create.
type Data struct {
	doc    *Document
	values map[string][]byte
	field  map[string]string // key → the field path it came from
}

// Data reads the document's data. Other kinds, values that are not strings
// and bad base64 are *InputErrors naming the field (never the value).
func (d *Document) Data() (*Data, error) {
	out := &Data{doc: d, values: map[string][]byte{}, field: map[string]string{}}
	type source struct {
		name   string
		base64 bool
	}
	var fields []source
	switch {
	case d.Kind == "ConfigMap" && d.APIVersion == "v1":
		fields = []source{{"data", false}, {"binaryData", true}}
	case d.Kind == "Secret" && d.APIVersion == "v1":
		// stringData last: it wins over data, as on create.
		fields = []source{{"data", true}, {"stringData", false}}
	default:
		return nil, &InputError{File: d.File, Line: d.Line, Field: "kind", Msg: fmt.Sprintf("%s %s is not a v1 ConfigMap or Secret", d.APIVersion, d.Kind)}
	}
	for _, f := range fields {
		raw, ok := d.Object[f.name]
		if !ok || raw == nil {
			continue
		}
		m, ok := raw.(map[string]any)
		if !ok {
			return nil, &InputError{File: d.File, Line: d.Position(f.name).Line, Field: f.name, Msg: "must be an object of key → string"}
		}
		for k, v := range m {
			path := f.name + "." + k
			s, ok := v.(string)
			if !ok {
				if v == nil {
					s = ""
				} else {
					return nil, &InputError{File: d.File, Line: d.Position(path).Line, Field: path, Msg: "must be a string, not " + jsonType(v)}
				}
			}
			b := []byte(s)
			if f.base64 {
				var err error
				if b, err = base64.StdEncoding.DecodeString(s); err != nil {
					return nil, &InputError{File: d.File, Line: d.Position(path).Line, Field: path, Msg: "is not base64"}
				}
			}
			out.values[k], out.field[k] = b, path
		}
	}
	return out, nil
}

// Get returns the value of key and whether it is present.
func (x *Data) Get(key string) ([]byte, bool) {
	v, ok := x.values[key]
	return v, ok
}

// String is Get as a string ("" when absent).
func (x *Data) String(key string) string { return string(x.values[key]) }

// Keys lists the keys, sorted.
func (x *Data) Keys() []string {
	out := make([]string, 0, len(x.values))
	for k := range x.values {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Field is the field path a key was read from (data.KEY, stringData.KEY,
// binaryData.KEY), for messages; "data.KEY" for an absent key.
func (x *Data) Field(key string) string {
	if f, ok := x.field[key]; ok {
		return f
	}
	return "data." + key
}

// Position is where key is written (its parent when absent).
func (x *Data) Position(key string) Pos { return x.doc.Position(x.Field(key)) }

// Require returns the value of key or an *InputError naming the field.
func (x *Data) Require(key string) ([]byte, error) {
	v, ok := x.values[key]
	if !ok || len(v) == 0 {
		return nil, &InputError{File: x.doc.File, Line: x.Position(key).Line, Field: x.Field(key),
			Msg: fmt.Sprintf("%s has no %q (or it is empty)", x.doc.Describe(), key)}
	}
	return v, nil
}
