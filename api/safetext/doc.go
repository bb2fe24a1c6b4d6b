// Package safetext makes text from outside the lab safe to print on a
// terminal, in a line-oriented file (Go benchmark lines) or in Markdown:
// control characters, Unicode bidirectional overrides and invalid UTF-8
// are written as Go escapes (\x1b, \n, \u202e), so no name, reason or
// setting can move the cursor, recolour a terminal, forge a line or reorder
// what a reader sees. It has no dependencies beyond the standard library,
// so workloads and the operator share it.
package safetext
