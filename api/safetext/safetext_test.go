package safetext

import (
	"testing"
	"unicode/utf8"
)

func TestLine(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"plain", "v000 cpu=500m gomaxprocs=2", "v000 cpu=500m gomaxprocs=2"},
		{"non-ASCII letters stay", "Grüße µs", "Grüße µs"},
		{"newline forges no line", "gctrace=1\nBenchmarkX 1 9 ns/op", `gctrace=1\nBenchmarkX 1 9 ns/op`},
		{"terminal escape", "\x1b[2J\x1b[31mred", `\x1b[2J\x1b[31mred`},
		{"carriage return and tab", "a\rb\tc", `a\rb\tc`},
		{"C1 and DEL", "a\u009bb\x7f", `a\u009bb\x7f`},
		{"bidi override", "abc\u202edcba", `abc\u202edcba`},
		{"zero-width space", "a\u200bb", `a\u200bb`},
		{"invalid UTF-8", "a\xffb", `a\xffb`},
		{"a literal replacement character stays", "a\uFFFDb", "a\uFFFDb"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Line(tt.in); got != tt.want {
				t.Errorf("Line(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if got := HasUnsafe(tt.in); got != (tt.in != tt.want) {
				t.Errorf("HasUnsafe(%q) = %v, want %v", tt.in, got, tt.in != tt.want)
			}
		})
	}
}

func TestMarkdown(t *testing.T) {
	if got, want := Markdown("a|b <img src=x> `c` *d*\n"), `a\|b &lt;img src=x&gt; \`+"`"+`c\`+"`"+` \*d\*\\n`; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func FuzzLine(f *testing.F) {
	for _, s := range []string{"", "abc", "\x1b[31m", "a\nb", "\xff\xfe", "\u202e"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := Line(s)
		if HasUnsafe(out) {
			t.Errorf("Line(%q) = %q still holds unsafe characters", s, out)
		}
		if !HasUnsafe(s) && out != s {
			t.Errorf("Line changed safe text %q to %q", s, out)
		}
	})
}

func TestClip(t *testing.T) {
	for _, tt := range []struct {
		s    string
		n    int
		want string
	}{
		{"short", 10, "short"},
		{"exactly10!", 10, "exactly10!"},
		{"eleven chars", 10, "eleven ..."},
		{"p ≥ α=0.05", 7, "p ..."}, // a cut at byte 4 is inside "≥" (bytes 2-4): it backs off to 2
		{"≥≥≥≥", 9, "≥≥..."},
		{"abc", 2, "..."},
	} {
		got := Clip(tt.s, tt.n)
		if got != tt.want || !utf8.ValidString(got) {
			t.Errorf("Clip(%q, %d) = %q, want %q (valid UTF-8)", tt.s, tt.n, got, tt.want)
		}
	}
}
