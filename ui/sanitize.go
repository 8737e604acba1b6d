package ui

import "github.com/clustr/clustr-explorer/termtext"

// clean makes a string from a payload safe to draw on one line; every
// payload string passes through it before it reaches the screen.
func clean(s string) string { return termtext.Line(s) }
