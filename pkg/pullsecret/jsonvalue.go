package pullsecret

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// object is a JSON object that keeps its keys in input order, so that a
// merge reproduces jq's output order (left object's keys first, new keys of
// the right object appended) and not only its content.
type object struct {
	keys []string
	vals map[string]any // *object, []any, string, json.Number, bool or nil
}

func newObject() *object { return &object{vals: map[string]any{}} }

func (o *object) get(k string) (any, bool) { v, ok := o.vals[k]; return v, ok }

func (o *object) set(k string, v any) {
	if _, ok := o.vals[k]; !ok {
		o.keys = append(o.keys, k)
	}
	o.vals[k] = v
}

func (o *object) clone() *object {
	c := newObject()
	for _, k := range o.keys {
		c.set(k, cloneValue(o.vals[k]))
	}
	return c
}

func cloneValue(v any) any {
	switch t := v.(type) {
	case *object:
		return t.clone()
	case []any:
		out := make([]any, len(t))
		for i := range t {
			out[i] = cloneValue(t[i])
		}
		return out
	}
	return v
}

// mergeObjects is jq's `a * b`: keys of b override those of a, except that
// when both values are objects they are merged the same way, recursively.
// Arrays and scalars are replaced, never combined.
func mergeObjects(a, b *object) *object {
	out := a.clone()
	for _, k := range b.keys {
		bv := b.vals[k]
		if ao, ok := out.vals[k].(*object); ok {
			if bo, ok := bv.(*object); ok {
				out.set(k, mergeObjects(ao, bo))
				continue
			}
		}
		out.set(k, cloneValue(bv))
	}
	return out
}

// errMalformed hides the offending bytes: encoding/json quotes the bad
// character, which in a credential file may be part of a secret.
type syntaxError struct {
	line, col int
	msg       string
}

func (e *syntaxError) Error() string {
	return fmt.Sprintf("malformed JSON at line %d column %d: %s", e.line, e.col, e.msg)
}

// parseJSON decodes one JSON value, keeping object key order. Duplicate keys
// keep the last value, as jq does.
func parseJSON(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	v, err := decodeValue(dec, 0)
	if err == nil {
		if _, err2 := dec.Token(); err2 != io.EOF {
			err = errors.New("trailing data after the JSON value")
		}
	}
	if err != nil {
		off := int(dec.InputOffset())
		line, col := lineCol(data, off)
		msg := "syntax error"
		var te *json.UnmarshalTypeError
		switch {
		case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
			msg = "unexpected end of input"
		case errors.As(err, &te):
			msg = "unexpected value type"
		case strings.HasPrefix(err.Error(), "trailing data"), strings.HasPrefix(err.Error(), "nesting"):
			msg = err.Error()
		}
		return nil, &syntaxError{line: line, col: col, msg: msg}
	}
	return v, nil
}

func lineCol(data []byte, off int) (int, int) {
	if off > len(data) {
		off = len(data)
	}
	line := 1 + bytes.Count(data[:off], []byte("\n"))
	col := off - bytes.LastIndexByte(data[:off], '\n')
	return line, col
}

const maxDepth = 100

func decodeValue(dec *json.Decoder, depth int) (any, error) {
	if depth > maxDepth {
		return nil, errors.New("nesting deeper than 100 levels")
	}
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			o := newObject()
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				k, ok := kt.(string)
				if !ok {
					return nil, errors.New("object key is not a string")
				}
				v, err := decodeValue(dec, depth+1)
				if err != nil {
					return nil, err
				}
				o.set(k, v)
			}
			if _, err := dec.Token(); err != nil {
				return nil, err
			}
			return o, nil
		case '[':
			arr := []any{}
			for dec.More() {
				v, err := decodeValue(dec, depth+1)
				if err != nil {
					return nil, err
				}
				arr = append(arr, v)
			}
			if _, err := dec.Token(); err != nil {
				return nil, err
			}
			return arr, nil
		}
		return nil, errors.New("unexpected delimiter")
	default:
		return t, nil // string, json.Number, bool, nil
	}
}

// writeJSON prints v the way `jq .` does: two-space indentation, keys in
// object order, no HTML escaping.
func writeJSON(w *bytes.Buffer, v any, indent int) {
	pad := func(n int) { w.WriteString(strings.Repeat("  ", n)) }
	switch t := v.(type) {
	case *object:
		if len(t.keys) == 0 {
			w.WriteString("{}")
			return
		}
		w.WriteString("{\n")
		for i, k := range t.keys {
			pad(indent + 1)
			writeString(w, k)
			w.WriteString(": ")
			writeJSON(w, t.vals[k], indent+1)
			if i < len(t.keys)-1 {
				w.WriteByte(',')
			}
			w.WriteByte('\n')
		}
		pad(indent)
		w.WriteByte('}')
	case []any:
		if len(t) == 0 {
			w.WriteString("[]")
			return
		}
		w.WriteString("[\n")
		for i, e := range t {
			pad(indent + 1)
			writeJSON(w, e, indent+1)
			if i < len(t)-1 {
				w.WriteByte(',')
			}
			w.WriteByte('\n')
		}
		pad(indent)
		w.WriteByte(']')
	case string:
		writeString(w, t)
	case json.Number:
		w.WriteString(t.String())
	case bool:
		if t {
			w.WriteString("true")
		} else {
			w.WriteString("false")
		}
	case nil:
		w.WriteString("null")
	default:
		panic(fmt.Sprintf("pullsecret: unexpected JSON value %T", v))
	}
}

func writeString(w *bytes.Buffer, s string) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // strings always encode
	w.Write(bytes.TrimRight(b.Bytes(), "\n"))
}
