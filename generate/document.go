package generate

import (
	"math"
	"strconv"
	"time"
	"unicode/utf8"
)

// This file writes the parts of a payload around its results, in the order
// Clustr's documentation shows them.

// header writes the status, the ids and the summary, leaving the object
// open.
func (g *generator) header() {
	status := "completed"
	if g.opts.Failed {
		status = "failed"
	}
	g.raw(`{"status":`)
	g.str(status)
	g.raw(`,"job_id":`)
	g.quote(g.jobID)
	g.raw(`,"batch_id":`)
	g.quote(g.batchID)

	// A failed job reports that it processed nothing, as in the documented
	// example, and took a moment to find out.
	processed, opportunities := g.opts.Clients, g.totalOpportunities
	seconds := 0.8 + 0.05*float64(processed) + 0.004*float64(opportunities) +
		3*g.rng.Float64()
	if g.opts.Failed {
		processed, opportunities = 0, 0
		seconds = 20 * g.rng.Float64()
	}
	g.raw(`,"summary":{"total_processed":`)
	g.int(processed)
	g.raw(`,"total_opportunities":`)
	g.int(opportunities)
	g.raw(`,"processing_time_seconds":`)
	g.tenths(seconds)
	g.raw("}")
}

// failure writes the error block of a failed job.
func (g *generator) failure() {
	e := pick(g.rng, errorCodes)
	g.raw(`,"error":{"code":`)
	g.str(e.code)
	g.raw(`,"message":`)
	g.str(e.message)
	g.raw(`,"details":`)
	g.str(e.details)
	g.raw("}")
}

// trailer writes the custom passthrough and the timestamp, and closes the
// document.
func (g *generator) trailer() {
	g.raw(`,"custom":{"crm_batch_id":"sync_`)
	g.buf = g.base.AppendFormat(g.buf, "20060102")
	g.raw("_")
	g.int(g.rng.IntN(1000))
	g.raw(`","triggered_by":`)
	g.str(pick(g.rng, triggers))
	g.raw(`,"filters":{"min_score":`)
	g.int(10 * g.rng.IntN(8))
	g.raw(`,"regions":["EMEA","NA"]},"generated_by":"clustr-explorer","seed":`)
	g.buf = strconv.AppendInt(g.buf, g.opts.Seed, 10)
	g.raw("}")

	g.raw(`,"timestamp":"`)
	g.buf = g.base.AppendFormat(g.buf, time.RFC3339)
	g.raw(`"}`)
}

// raw appends JSON text as it is.
func (g *generator) raw(s string) { g.buf = append(g.buf, s...) }

// str appends a string from the vocabulary, which needs no escapes.
func (g *generator) str(s string) {
	g.buf = append(g.buf, '"')
	g.buf = append(g.buf, s...)
	g.buf = append(g.buf, '"')
}

// quote appends a string that came from the caller, escaped as JSON needs.
func (g *generator) quote(s string) { g.buf = appendQuoted(g.buf, s) }

// int appends a whole number.
func (g *generator) int(n int) { g.buf = strconv.AppendInt(g.buf, int64(n), 10) }

// tenths appends a number with one decimal, as Clustr sends scores.
func (g *generator) tenths(f float64) {
	g.buf = strconv.AppendFloat(g.buf, math.Round(f*10)/10, 'f', 1, 64)
}

// appendQuoted appends s as a JSON string. Invalid UTF-8 is replaced, so
// that the document stays valid whatever ids the caller gives.
func appendQuoted(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b = append(b, '\\', byte(r))
		case r < 0x20:
			b = append(b, '\\', 'u', '0', '0', hex[r>>4], hex[r&0xf])
		default:
			b = utf8.AppendRune(b, r)
		}
	}
	return append(b, '"')
}
