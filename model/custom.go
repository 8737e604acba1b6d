package model

import (
	"bytes"
	"encoding/json"
	"strings"

	"github.com/go-json-experiment/json/jsontext"
)

// Field is one member of a passed-through object, its value as JSON text
// exactly as sent (a string is shown without its quotes).
type Field struct {
	Key   string
	Value string
}

// Fields lists the members of the custom object in the order they were
// sent. Values are kept as the sender wrote them, so a large integer is
// never rounded. A custom value that is not an object is one field named "".
func Fields(raw json.RawMessage) []Field {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	if raw[0] != '{' {
		return []Field{{Value: compact(raw)}}
	}

	dec := jsontext.NewDecoder(bytes.NewReader(raw), jsontext.AllowInvalidUTF8(true),
		jsontext.AllowDuplicateNames(true))
	if _, err := dec.ReadToken(); err != nil {
		return []Field{{Value: compact(raw)}}
	}
	var fields []Field
	for dec.PeekKind() != '}' {
		name, err := dec.ReadToken()
		if err != nil {
			break
		}
		key := name.String() // the token is void after the next read
		value, err := dec.ReadValue()
		if err != nil {
			break
		}
		fields = append(fields, Field{Key: key, Value: valueText(value)})
	}
	return fields
}

func valueText(v jsontext.Value) string {
	if v.Kind() == '"' {
		// Most strings carry no escape: their text is between the quotes.
		if inner := v[1 : len(v)-1]; bytes.IndexByte(inner, '\\') < 0 {
			return string(inner)
		}
		var s string
		if err := json.Unmarshal(v, &s); err == nil {
			return s
		}
	}
	return compact(v)
}

// compact removes insignificant white space without touching numbers.
func compact(raw []byte) string {
	if bytes.IndexAny(raw, " \t\r\n") < 0 {
		return string(raw)
	}
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		return strings.TrimSpace(string(raw))
	}
	return b.String()
}
