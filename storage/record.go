package storage

import (
	"encoding/binary"
	"time"

	"github.com/clustr/clustr-explorer/model"
)

// Request is the HTTP metadata of one delivery.
type Request struct {
	Method     string              `json:"method"`
	Path       string              `json:"path"`
	RemoteAddr string              `json:"remote_addr"`
	Host       string              `json:"host,omitempty"`
	Header     map[string][]string `json:"header,omitempty"`

	// ContentEncoding is the Content-Encoding as sent, e.g. "gzip"; the
	// listener stores the body decoded.
	ContentEncoding string `json:"content_encoding,omitempty"`

	// WireSize is the number of bytes read off the wire, before decoding.
	WireSize int64 `json:"wire_size"`

	// Imported is the file a delivery was imported from, as in a.json or
	// deliveries.ndjson:12; empty for deliveries that came over HTTP.
	Imported string `json:"imported,omitempty"`
}

// Record is the small summary record of one delivery, kept apart from its
// body so that a capture can be listed without reading any body.
type Record struct {
	Seq uint64 `json:"seq"`

	// RedeliveryOf is the number of the first delivery of the same body for
	// the same job, when this one repeats it (Clustr retries); 0 otherwise.
	// Append sets it. Rejected deliveries and those without a job id are
	// never marked, nor marked as repeated.
	//
	// It follows Seq so that Append can write both numbers into a record
	// encoded beforehand: see withNumbers.
	RedeliveryOf uint64 `json:"redelivery_of,omitempty"`

	ReceivedAt time.Time `json:"received_at"`
	Request    Request   `json:"request"`

	// BodySize is the length of the stored body, which Append sets.
	BodySize int64 `json:"body_size"`

	// Truncated says the body was cut at the size limit, so only its first
	// bytes are stored.
	Truncated bool `json:"truncated,omitempty"`

	// Digest is embedded so that its JSON fields sit inline in the record.
	model.Digest
}

// seqKey is the bbolt key of delivery seq: big-endian, so that the keys sort
// in delivery order and a cursor can seek to any point.
func seqKey(seq uint64) []byte {
	return binary.BigEndian.AppendUint64(make([]byte, 0, 8), seq)
}

// keySeq reads a key written by seqKey; ok is false for a key of the wrong
// length, which only a damaged file holds.
func keySeq(key []byte) (seq uint64, ok bool) {
	if len(key) != 8 {
		return 0, false
	}
	return binary.BigEndian.Uint64(key), true
}
