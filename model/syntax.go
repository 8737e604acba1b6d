package model

import "fmt"

// SyntaxError says where a body stopped being a JSON object. Line and Column
// count from 1; Column counts bytes, as editors and jq do.
type SyntaxError struct {
	Line   int
	Column int
	Offset int64
	Reason string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("not a JSON object: %s at line %d, column %d", e.Reason, e.Line, e.Column)
}

// position turns a byte offset into a line and column, both from 1.
func position(body []byte, offset int64) (line, column int) {
	if offset > int64(len(body)) {
		offset = int64(len(body))
	}
	line, column = 1, 1
	for _, b := range body[:offset] {
		if b == '\n' {
			line++
			column = 1
			continue
		}
		column++
	}
	return line, column
}
