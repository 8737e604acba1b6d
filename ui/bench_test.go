package ui

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/clustr/clustr-explorer/generate"
	"github.com/clustr/clustr-explorer/model"
	"github.com/clustr/clustr-explorer/storage"
)

// peakEnv names the capture a child test process opens to measure the
// interface's peak memory, apart from the parent's own.
const peakEnv = "CLUSTR_EXPLORER_PEAK_RSS_CAPTURE"

func TestMain(m *testing.M) {
	if path := os.Getenv(peakEnv); path != "" {
		os.Exit(measurePeak(path))
	}
	os.Exit(m.Run())
}

// measurePeak opens the capture as the interface does, opens its newest
// batch and the Opportunities view over it, draws both, and prints the
// process's peak resident memory in KiB.
func measurePeak(path string) int {
	store, err := storage.Open(path, storage.Options{ReadOnly: true})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer store.Close()

	a := New(Options{Store: store})
	drive(a, tea.WindowSizeMsg{Width: 160, Height: 50})
	drive(a, loadRecords(store)())
	drive(a, tea.KeyPressMsg{Code: tea.KeyEnter})
	_ = a.render()
	drive(a, tea.KeyPressMsg{Code: '2', Text: "2"})
	_ = a.render()
	if got := a.opportunitiesPage().table.total(); got == 0 {
		fmt.Fprintln(os.Stderr, "the Opportunities view is empty")
		return 1
	}

	// VmHWM is the peak of this process image alone: unlike getrusage's
	// maxrss, it does not carry over what the parent held before exec.
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	for _, line := range strings.Split(string(status), "\n") {
		if kib, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			fmt.Println(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(kib), "kB")))
			return 0
		}
	}
	fmt.Fprintln(os.Stderr, "no VmHWM in /proc/self/status")
	return 1
}

// drive hands msg to the app and runs the commands it returns that finish
// at once, as the program would, skipping those that wait (ticks, change
// signals) so that the caller is not held.
func drive(a *App, msg tea.Msg) {
	queue := []tea.Msg{msg}
	for len(queue) > 0 {
		m := queue[0]
		queue = queue[1:]
		if batch, ok := m.(tea.BatchMsg); ok {
			for _, cmd := range batch {
				queue = append(queue, run(cmd)...)
			}
			continue
		}
		_, cmd := a.Update(m)
		queue = append(queue, run(cmd)...)
	}
}

// run runs cmd, giving it a moment to answer; a command still waiting
// after that (a tick, a change signal) is left behind.
func run(cmd tea.Cmd) []tea.Msg {
	if cmd == nil {
		return nil
	}
	done := make(chan tea.Msg, 1)
	go func() { done <- cmd() }()
	select {
	case m := <-done:
		if m == nil {
			return nil
		}
		return []tea.Msg{m}
	case <-time.After(30 * time.Second):
		return nil
	}
}

// bigCapture writes a capture holding one delivery of the given size and
// returns its path.
func bigCapture(b *testing.B, clients, history int) string {
	b.Helper()
	path := filepath.Join(b.TempDir(), "big.db")
	store, err := storage.Open(path, storage.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer store.Close()

	body := generate.Payload(generate.Options{Clients: clients, Opportunities: 15,
		History: history, Seed: 1})
	appendBody(b, store, body)
	b.ReportMetric(float64(len(body))/1e6, "body-MB")
	return path
}

// BenchmarkOpenBatchOf10000Clients opens a capture and draws the first
// screen of its 10,000-client batch: the clients listed, while the rest of
// the body is still to be decoded.
func BenchmarkOpenBatchOf10000Clients(b *testing.B) {
	path := bigCapture(b, 10_000, 3)
	b.ResetTimer()
	for range b.N {
		store, err := storage.Open(path, storage.Options{ReadOnly: true})
		if err != nil {
			b.Fatal(err)
		}
		a := New(Options{Store: store})
		drive(a, tea.WindowSizeMsg{Width: 160, Height: 50})
		drive(a, loadRecords(store)())

		// Enter, then the first answer, as the program would; the decode of
		// the whole body it starts is not waited for.
		_, cmd := a.Update(tea.KeyPressMsg{Code: tea.KeyEnter})
		for _, m := range run(cmd) {
			a.Update(m)
		}
		screen := a.render()
		if !strings.Contains(screen, "10,000 clients") || !strings.Contains(screen, "CLIENT") {
			b.Fatalf("the batch page does not list its clients:\n%s", screen)
		}
		a.Close()
		store.Close()
	}
}

// BenchmarkOpenCaptureOf10000Deliveries opens a capture of 10,000 small
// deliveries and draws the Batches page, from the summary records alone.
func BenchmarkOpenCaptureOf10000Deliveries(b *testing.B) {
	path := filepath.Join(b.TempDir(), "many.db")
	store, err := storage.Open(path, storage.Options{})
	if err != nil {
		b.Fatal(err)
	}
	body := generate.Payload(generate.Options{Clients: 3, Opportunities: 4, Seed: 1})
	digest, err := model.Summarize(body)
	if err != nil {
		b.Fatal(err)
	}
	for i := range 10_000 {
		d := digest
		d.BatchID = fmt.Sprintf("batch_%05d", i)
		if _, err := store.Append(storage.Record{Digest: d}, body); err != nil {
			b.Fatal(err)
		}
	}
	store.Close()

	b.ResetTimer()
	for range b.N {
		store, err := storage.Open(path, storage.Options{ReadOnly: true})
		if err != nil {
			b.Fatal(err)
		}
		a := New(Options{Store: store})
		drive(a, tea.WindowSizeMsg{Width: 160, Height: 50})
		drive(a, loadRecords(store)())
		if screen := a.render(); !strings.Contains(screen, "batch_09999") {
			b.Fatalf("the Batches page is not drawn:\n%s", screen)
		}
		a.Close()
		store.Close()
	}
}

// BenchmarkPeakMemoryOf150000RowBatch measures, in a child process, the
// peak resident memory of the interface with the 10,000-client batch and
// its 150,000 opportunities open.
func BenchmarkPeakMemoryOf150000RowBatch(b *testing.B) {
	path := bigCapture(b, 10_000, 3)
	b.ResetTimer()
	for range b.N {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), peakEnv+"="+path, "GOMEMLIMIT=250MiB")
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			b.Fatalf("measure: %v\n%s", err, stderr.String())
		}
		kib, err := strconv.ParseFloat(strings.TrimSpace(string(out)), 64)
		if err != nil {
			b.Fatalf("measure printed %q", out)
		}
		b.ReportMetric(kib/1024, "peak-RSS-MiB")
	}
}
