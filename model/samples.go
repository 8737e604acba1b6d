package model

import (
	"embed"
	"path"
)

//go:embed samples/*.json
var sampleFiles embed.FS

// Sample is one of the vendor's documented example payloads, built in so
// that a new user can see real data before Clustr sends any.
type Sample struct {
	Name string // file name, as in doc-completed.json
	Body []byte
}

// Samples returns the documented completed, failed and full-history
// payloads, in that order.
func Samples() []Sample {
	names := []string{"doc-completed.json", "doc-failed.json", "doc-full-history.json"}
	samples := make([]Sample, 0, len(names))
	for _, name := range names {
		body, err := sampleFiles.ReadFile(path.Join("samples", name))
		if err != nil {
			panic("built-in sample missing: " + name) // the embed directive guarantees them
		}
		samples = append(samples, Sample{Name: name, Body: body})
	}
	return samples
}
