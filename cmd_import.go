package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/clustr/clustr-explorer/model"
	"github.com/clustr/clustr-explorer/storage"
)

// importCmd is `clustr-explorer import [--db FILE] SOURCE...`.
type importCmd struct {
	DB      string   `name:"db" default:"./clustr-capture.db" env:"CLUSTR_EXPLORER_DB" help:"${db}"`
	Sources []string `arg:"" name:"source" help:"Payload file, folder, NDJSON file or -."`
}

// Help is the text under import's usage line.
func (c *importCmd) Help() string {
	return "Each SOURCE is a file that holds one payload; a folder, whose files are " +
		"imported in the order of their names (its subfolders are not); an .ndjson " +
		"or .jsonl file of one payload a line; or - for NDJSON on standard input. " +
		"What is not a payload is named on stderr and left out, and the command " +
		"then ends with status 1."
}

// importStdin is what the source - reads. It is a variable so that tests
// can stand in for standard input, which runEnv does not carry.
var importStdin io.Reader = os.Stdin

// progressAbove is the size of input past which import shows its progress.
const progressAbove = 8 << 20

// importSource is one file to read payloads from.
type importSource struct {
	// path is where to read it; "-" is standard input.
	path string

	// name is how its deliveries and errors name it: the path as given.
	name string

	// ndjson says it holds one payload a line rather than one in all.
	ndjson bool

	// size is its length in bytes; 0 for standard input.
	size int64
}

// Run adds every payload of the sources to the capture file, in the order
// given. Each one is checked before it is stored, and stored in a
// transaction of its own, so that a bad one is left out whole and the good
// ones are kept. The sources are all looked at before the capture is
// opened, so that a mistyped path leaves the capture as it was.
func (c *importCmd) Run(env *runEnv) (err error) {
	sources, err := listSources(c.Sources, c.DB)
	if err != nil {
		return err
	}

	store, err := storage.Open(c.DB, storage.Options{})
	if err != nil {
		return err
	}
	defer func() {
		if closeErr := store.Close(); err == nil && closeErr != nil {
			err = fmt.Errorf("import into %s: %w", c.DB, closeErr)
		}
	}()

	imp := &importer{
		store:    store,
		stderr:   env.stderr,
		progress: newImportProgress(env.stderr, sources),
	}
	for _, src := range sources {
		if env.ctx.Err() != nil {
			imp.progress.clear()
			return fmt.Errorf("interrupted after importing %s into %s",
				deliveries(imp.imported), c.DB)
		}
		if err := imp.source(src); err != nil {
			imp.progress.clear()
			return fmt.Errorf("%w; %s had been imported before it",
				err, deliveries(imp.imported))
		}
	}
	imp.progress.clear()

	if imp.badFiles == 0 && imp.badLines == 0 {
		fmt.Fprintf(env.stdout, "Imported %s into %s.\n", deliveries(imp.imported), c.DB)
		return nil
	}
	fmt.Fprintf(env.stdout, "Imported %s into %s; %s.\n", deliveries(imp.imported), c.DB,
		notPayloads(imp.badFiles, imp.badLines))
	return errors.New("what is named above was not imported; " +
		"correct it and import it on its own")
}

// listSources turns the sources given into the files to read, in order.
// A folder stands for its regular files sorted by name, without the
// capture file db should it be among them.
func listSources(args []string, db string) ([]importSource, error) {
	dbInfo, _ := os.Stat(db)

	var sources []importSource
	for _, arg := range args {
		if arg == "-" {
			sources = append(sources, importSource{path: arg, name: "stdin", ndjson: true})
			continue
		}

		info, err := os.Stat(arg)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return nil, fmt.Errorf("%s does not exist; give a payload file, a folder of them, "+
				"an NDJSON file or - for standard input", arg)
		case err != nil:
			return nil, fmt.Errorf("import %s: %w", arg, err)
		case !info.IsDir():
			sources = append(sources, fileSource(arg, info))
			continue
		}

		entries, err := os.ReadDir(arg)
		if err != nil {
			return nil, fmt.Errorf("import %s: %w", arg, err)
		}
		for _, entry := range entries {
			path := filepath.Join(arg, entry.Name())
			// Stat, not the entry's own type, so that a link to a file
			// counts as the file.
			info, err := os.Stat(path)
			if err != nil || !info.Mode().IsRegular() ||
				(dbInfo != nil && os.SameFile(info, dbInfo)) {
				continue
			}
			sources = append(sources, fileSource(path, info))
		}
	}
	return sources, nil
}

// fileSource is the file at path.
func fileSource(path string, info fs.FileInfo) importSource {
	ext := strings.ToLower(filepath.Ext(path))
	return importSource{
		path:   path,
		name:   path,
		ndjson: ext == ".ndjson" || ext == ".jsonl",
		size:   info.Size(),
	}
}

// importer stores payloads into one capture and counts what it did.
type importer struct {
	store    *storage.Store
	stderr   io.Writer
	progress *importProgress

	imported int
	badFiles int
	badLines int
}

// source imports the payloads of src. It fails only when the capture
// cannot store one; a payload that is bad, or a file that cannot be read,
// is reported and counted.
func (imp *importer) source(src importSource) error {
	defer imp.progress.fileDone()

	if src.ndjson {
		r := importStdin
		if src.path != "-" {
			f, err := os.Open(src.path)
			if err != nil {
				imp.bad(src.name, false, err)
				return nil
			}
			defer f.Close()
			r = f
		}
		return imp.lines(src.name, r)
	}

	body, err := os.ReadFile(src.path)
	if err != nil {
		imp.bad(src.name, false, err)
		return nil
	}
	imp.progress.read(int64(len(body)))
	return imp.payload(src.name, false, body)
}

// lines imports every non-blank line of r as a payload, named name:LINE.
// A line is stored without its line ending.
func (imp *importer) lines(name string, r io.Reader) error {
	// ReadBytes, not a Scanner: a line may be a delivery of hundreds of
	// megabytes, past any token limit worth setting.
	br := bufio.NewReaderSize(r, 1<<20)
	for n := 1; ; n++ {
		line, readErr := br.ReadBytes('\n')
		imp.progress.read(int64(len(line)))

		body := bytes.TrimRight(line, "\r\n")
		if len(bytes.TrimSpace(body)) > 0 {
			if err := imp.payload(fmt.Sprintf("%s:%d", name, n), true, body); err != nil {
				return err
			}
		}

		switch {
		case readErr == io.EOF:
			return nil
		case readErr != nil:
			imp.bad(fmt.Sprintf("%s:%d", name, n), true, readErr)
			return nil
		}
	}
}

// payload stores body as a delivery imported from name, or reports it when
// it is not a payload.
func (imp *importer) payload(name string, line bool, body []byte) error {
	digest, err := model.Summarize(body)
	if err != nil {
		imp.bad(name, line, err)
		return nil
	}

	rec := storage.Record{
		Request: storage.Request{
			Method:   "IMPORT",
			Imported: name,
			Header:   map[string][]string{"Content-Type": {"application/json"}},
		},
		Digest: digest,
	}
	if _, err := imp.store.Append(rec, body); err != nil {
		return fmt.Errorf("import %s: %w", name, err)
	}
	imp.imported++
	return nil
}

// bad reports that name, a file or a line of one, was not imported and why.
func (imp *importer) bad(name string, line bool, err error) {
	imp.progress.clear()
	fmt.Fprintf(imp.stderr, "%s: %v\n", name, err)
	if line {
		imp.badLines++
	} else {
		imp.badFiles++
	}
}

// deliveries is n deliveries, in words.
func deliveries(n int) string {
	if n == 1 {
		return "1 delivery"
	}
	return fmt.Sprintf("%d deliveries", n)
}

// notPayloads says how many files and lines were not payloads.
func notPayloads(files, lines int) string {
	count := func(n int, noun string) string {
		if n == 1 {
			return "1 " + noun
		}
		return fmt.Sprintf("%d %ss", n, noun)
	}
	switch {
	case files+lines == 1 && files == 1:
		return "1 file was not a payload"
	case files+lines == 1:
		return "1 line was not a payload"
	case lines == 0:
		return count(files, "file") + " were not payloads"
	case files == 0:
		return count(lines, "line") + " were not payloads"
	}
	return count(files, "file") + " and " + count(lines, "line") + " were not payloads"
}

// importProgress shows on a terminal how far a large import has got. It
// draws nothing when stderr is not a terminal, and nothing until the input
// is known to be over progressAbove.
type importProgress struct {
	w          io.Writer // nil when nothing is to be drawn
	files      int
	totalFiles int
	bytes      int64
	totalBytes int64 // without standard input, whose size is unknown
	drawn      bool
	lastDraw   time.Time
}

// newImportProgress is the progress of importing sources, drawn on stderr.
func newImportProgress(stderr io.Writer, sources []importSource) *importProgress {
	p := &importProgress{totalFiles: len(sources)}
	for _, src := range sources {
		p.totalBytes += src.size
	}
	if f, ok := stderr.(*os.File); ok {
		if info, err := f.Stat(); err == nil && info.Mode()&os.ModeCharDevice != 0 {
			p.w = stderr
		}
	}
	return p
}

// read counts n more bytes read.
func (p *importProgress) read(n int64) {
	p.bytes += n
	p.draw(false)
}

// fileDone counts one more source read to its end.
func (p *importProgress) fileDone() {
	p.files++
	p.draw(true)
}

// draw rewrites the progress line, at most ten times a second unless now.
func (p *importProgress) draw(now bool) {
	if p.w == nil || max(p.bytes, p.totalBytes) <= progressAbove {
		return
	}
	if !now && time.Since(p.lastDraw) < 100*time.Millisecond {
		return
	}
	p.lastDraw = time.Now()
	p.drawn = true

	mib := func(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }
	size := mib(p.bytes)
	if p.bytes <= p.totalBytes {
		size += " of " + mib(p.totalBytes)
	}
	fmt.Fprintf(p.w, "\r\x1b[KImporting: %d of %d files, %s", p.files, p.totalFiles, size)
}

// clear removes the progress line, so that what follows starts a line.
func (p *importProgress) clear() {
	if p.drawn {
		fmt.Fprint(p.w, "\r\x1b[K")
		p.drawn = false
	}
}
