package safetext

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// unsafe reports a rune that must not reach a terminal or a line-oriented
// file as itself.
func unsafe(r rune) bool {
	switch {
	case r == utf8.RuneError:
		return true
	case r < 0x20, r == 0x7f, r >= 0x80 && r < 0xa0: // C0, DEL, C1
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069, r == 0x200e, r == 0x200f, r == 0x061c: // bidi controls
		return true
	case r == 0x2028 || r == 0x2029: // line and paragraph separators
		return true
	}
	return unicode.Is(unicode.Cf, r) && r != 0xad && r != 0x200d // other format characters (zero-width joiner and soft hyphen are harmless)
}

// HasUnsafe reports whether s holds a character Line would escape.
func HasUnsafe(s string) bool {
	for i, r := range s {
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(s[i:]); size == 1 {
				return true
			}
		}
		if r != utf8.RuneError && unsafe(r) {
			return true
		}
	}
	return false
}

// Line returns s with every unsafe character written as a Go escape, so it
// prints as one line of plain text. Safe text is returned unchanged.
func Line(s string) string {
	if !HasUnsafe(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteString(`\x` + strconv.FormatUint(uint64(s[i])|0x100, 16)[1:])
		case unsafe(r):
			q := strconv.QuoteRuneToASCII(r)
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// Markdown returns Line(s) with the characters that would start Markdown
// or HTML markup inside a table cell escaped.
func Markdown(s string) string {
	return markdown.Replace(Line(s))
}

var markdown = strings.NewReplacer(`\`, `\\`, "|", `\|`, "<", "&lt;", ">", "&gt;", "`", "\\`", "*", `\*`, "_", `\_`)

// Clip returns s cut to at most n bytes, ending in "..." when it was cut,
// and never inside a UTF-8 sequence: what fits a status field with a
// length limit.
func Clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := max(n-len("..."), 0)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "..."
}
