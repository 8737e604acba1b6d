package model_test

import (
	"testing"

	"github.com/clustr/clustr-explorer/generate"
	"github.com/clustr/clustr-explorer/model"
)

// The reference batch of the design: 10,000 clients, about fifteen
// opportunities each, with full engagement history, some 175 MB.
func bigBatch(b *testing.B) []byte {
	b.Helper()
	return generate.Payload(generate.Options{Clients: 10_000, Opportunities: 15, History: 3, Seed: 1})
}

func BenchmarkDecode10000Clients(b *testing.B) {
	body := bigBatch(b)
	b.SetBytes(int64(len(body)))
	b.ResetTimer()
	for range b.N {
		if _, err := model.Decode(body); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSummarize10000Clients(b *testing.B) {
	body := bigBatch(b)
	b.SetBytes(int64(len(body)))
	b.ResetTimer()
	for range b.N {
		if _, err := model.Summarize(body); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeClients10000Clients(b *testing.B) {
	body := bigBatch(b)
	b.SetBytes(int64(len(body)))
	b.ResetTimer()
	for range b.N {
		if _, err := model.DecodeClients(body); err != nil {
			b.Fatal(err)
		}
	}
}
