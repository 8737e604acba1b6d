package listener

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
)

// accepted is the answer to a delivery that was stored and read.
type accepted struct {
	OK       bool     `json:"ok"`
	Seq      uint64   `json:"seq"`
	JobID    string   `json:"job_id"`
	BatchID  string   `json:"batch_id"`
	Warnings []string `json:"warnings"`
}

// refusal is the answer to anything that was not accepted. Seq is set when
// the delivery was stored all the same; Line and Column when the body broke
// at a known place.
type refusal struct {
	OK     bool   `json:"ok"`
	Seq    uint64 `json:"seq,omitempty"`
	Error  string `json:"error"`
	Line   int    `json:"line,omitempty"`
	Column int    `json:"column,omitempty"`
}

// statusAnswer is the short status shown at the root and health paths.
type statusAnswer struct {
	OK         bool   `json:"ok"`
	App        string `json:"app"`
	Version    string `json:"version"`
	Deliveries int    `json:"deliveries"`
}

// writeJSON answers with v as one line of JSON.
func writeJSON(w http.ResponseWriter, code int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	// Errors quote bodies and paths; escaping < and > would garble them.
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		// Only the types above are encoded, and they always encode.
		panic("listener: encoding an answer: " + err.Error())
	}

	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_, _ = w.Write(buf.Bytes()) // the sender went away; nothing to tell it
}

// methodNotAllowed refuses a method, naming the ones the path accepts.
func methodNotAllowed(w http.ResponseWriter, allow string) {
	w.Header().Set("Allow", allow)
	writeJSON(w, http.StatusMethodNotAllowed, refusal{
		Error: "method not allowed here; use " + allow,
	})
}
