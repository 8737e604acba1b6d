// Package export writes tables of deliveries, opportunities or companies as
// CSV, JSON or NDJSON, for the export command and for the interface's
// export of what is on screen.
//
// A Table keeps every cell with its kind, so that each format writes it the
// way it should: JSON and NDJSON keep numbers as numbers, booleans as
// booleans and a missing score as null, with every string exactly as sent.
// CSV is read by spreadsheets and by people at a terminal, so its text cells
// are made harmless: a cell that a spreadsheet would run as a formula gets a
// leading quote, and control characters show as printable look-alikes.
package export

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Format is a file format an export can be written in.
type Format string

// The formats, named as on the command line and in file extensions.
const (
	CSV    Format = "csv"
	JSON   Format = "json"
	NDJSON Format = "ndjson"
)

// Formats lists every format, in the order help texts name them.
var Formats = []Format{CSV, JSON, NDJSON}

// ParseFormat reads a format name such as "csv", in any case.
func ParseFormat(s string) (Format, error) {
	f := Format(strings.ToLower(strings.TrimSpace(s)))
	if !f.known() {
		return "", unknownFormat(s)
	}
	return f, nil
}

func (f Format) known() bool { return f == CSV || f == JSON || f == NDJSON }

func unknownFormat(s string) error {
	return fmt.Errorf("%q is not an export format; use csv, json or ndjson", s)
}

// View is what a table holds: one row per delivery, per opportunity or per
// company.
type View string

// The views, named as on the command line and in export file names.
const (
	DeliveriesView    View = "deliveries"
	OpportunitiesView View = "opportunities"
	CompaniesView     View = "companies"
)

// Views lists every view, in the order help texts name them.
var Views = []View{DeliveriesView, OpportunitiesView, CompaniesView}

// ParseView reads a view name such as "opportunities", in any case.
func ParseView(s string) (View, error) {
	v := View(strings.ToLower(strings.TrimSpace(s)))
	if !v.known() {
		return "", unknownView(s)
	}
	return v, nil
}

func (v View) known() bool {
	return v == DeliveriesView || v == OpportunitiesView || v == CompaniesView
}

func unknownView(s string) error {
	return fmt.Errorf("%q is not an export view; use deliveries, opportunities or companies", s)
}

// fileTimeLayout stamps export file names; it sorts as text and has no
// characters that any file system refuses.
const fileTimeLayout = "20060102-150405"

// maxSameName is how many exports of one view and format WriteFile makes in
// the same second before it gives up; far more than anyone presses a key.
const maxSameName = 1000

// WriteFile writes t in format f to a new file in dir, named after the view
// and now, as in dir/clustr-opportunities-20261203-150405.csv, and returns
// its path. It never replaces a file: when the name is taken it tries -2,
// -3 and so on. The file is readable by its owner only, since exports hold
// people's names and profiles, and a failed write leaves no file behind.
func WriteFile(dir string, view View, t Table, f Format, now time.Time) (string, error) {
	// Both go into the file name, so only the names this package knows
	// may: a view of "../x" must not choose the directory.
	if !view.known() {
		return "", fmt.Errorf("export: %w", unknownView(string(view)))
	}
	if !f.known() {
		return "", fmt.Errorf("export: %w", unknownFormat(string(f)))
	}

	base := "clustr-" + string(view) + "-" + now.Format(fileTimeLayout)
	for n := 1; n <= maxSameName; n++ {
		name := base
		if n > 1 {
			name += "-" + strconv.Itoa(n)
		}
		path := filepath.Join(dir, name+"."+string(f))

		// O_EXCL makes the name check and the creation one step, so two
		// exports in the same second cannot both take a name.
		file, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return "", fmt.Errorf("create export file: %w", err)
		}

		err = t.Write(file, f)
		if closeErr := file.Close(); err == nil && closeErr != nil {
			err = fmt.Errorf("write %s: %w", path, closeErr)
		}
		if err != nil {
			// Half an export looks like a whole one; leave none.
			_ = os.Remove(path)
			return "", err
		}
		return path, nil
	}
	return "", fmt.Errorf("create export file: %s.%s and %d numbered copies already exist "+
		"in %s; move some exports away", base, f, maxSameName-1, dir)
}
