package catalog

import (
	"regexp"
	"slices"
	"strings"
	"testing"
)

var lowerCamel = regexp.MustCompile(`^[a-z][a-zA-Z0-9]*$`)

// TestCatalogue checks what the operator will generate its API from: every
// parameter is named, documented and bounded, and its default is valid.
func TestCatalogue(t *testing.T) {
	seen := map[string]bool{}
	for _, s := range All() {
		t.Run(s.Name, func(t *testing.T) {
			if !lowerCamel.MatchString(s.Name) || seen[s.Name] {
				t.Errorf("scenario name %q: want a unique lowerCamel name", s.Name)
			}
			seen[s.Name] = true
			if s.Summary == "" || s.Doc == "" {
				t.Error("got an empty Summary or Doc, want both")
			}
			params := map[string]bool{}
			for _, p := range s.Params {
				if !lowerCamel.MatchString(p.Name) || params[p.Name] {
					t.Errorf("parameter %q: want a unique lowerCamel name", p.Name)
				}
				params[p.Name] = true
				if p.Doc == "" {
					t.Errorf("parameter %s: got no Doc", p.Name)
				}
				numeric := p.Kind != Bool && p.Kind != Enum && p.Kind != Text
				if p.Kind == Text {
					checkText(t, p)
				}
				if numeric && (p.Min == "" || p.Max == "") {
					t.Errorf("parameter %s: got bounds %q..%q, want both set", p.Name, p.Min, p.Max)
				}
				if p.Kind == Enum && !slices.Contains(p.Values, p.Default) {
					t.Errorf("parameter %s: default %q not among %v", p.Name, p.Default, p.Values)
				}
				for _, bound := range []string{p.Default, p.Min, p.Max} {
					if bound == "" {
						continue
					}
					if _, err := p.Parse(bound); err != nil {
						t.Errorf("parameter %s: %q: %v", p.Name, bound, err)
					}
				}
			}
			figures := map[string]bool{}
			for _, f := range s.Figures {
				if !regexp.MustCompile(`^[a-zA-Z0-9/.-]+$`).MatchString(f.Name) || figures[f.Name] {
					t.Errorf("figure %q: want a unique name usable as a benchmark unit", f.Name)
				}
				figures[f.Name] = true
				if f.Doc == "" || f.Unit == "" || (f.Better != Higher && f.Better != Lower) {
					t.Errorf("figure %s: want Doc, Unit and Better set", f.Name)
				}
			}
			if len(s.Headline) == 0 {
				t.Error("no headline figures: a report would show the first figure alone")
			}
			for _, h := range s.Headline {
				if _, ok := s.Figure(h); !ok {
					t.Errorf("headline figure %q is not a figure of %s", h, s.Name)
				}
			}
		})
	}
}

func TestLookup(t *testing.T) {
	for _, name := range Names() {
		if s, ok := Lookup(name); !ok || s.Name != name {
			t.Errorf("Lookup(%q): got %v, %v", name, s, ok)
		}
	}
	if _, ok := Lookup("nope"); ok {
		t.Error(`Lookup("nope"): got ok, want not found`)
	}
}

// checkText checks a Text parameter's pattern: it compiles, bounds the
// length, takes its example, and rejects what could reach a shell, leave a
// directory or split a line.
func checkText(t *testing.T, p Param) {
	t.Helper()
	if _, err := regexp.Compile(p.Pattern); err != nil || p.MaxLen <= 0 || p.MaxLen > 4096 {
		t.Errorf("parameter %s: pattern %q (%v) and MaxLen %d: want a valid pattern and 1..4096", p.Name, p.Pattern, err, p.MaxLen)
		return
	}
	if p.Example != "" {
		if _, err := p.Parse(p.Example); err != nil {
			t.Errorf("parameter %s: example: %v", p.Name, err)
		}
	}
	bad := []string{"/a\nb", "/a\rb", "/a\tb", "/a;id", "/$(id)", "/`id`", "/'a'", "/\"a\"", "/a|b", "/a\x00", "/a  /b", "/a>b", strings.Repeat("a", p.MaxLen+1)}
	if p.Name == "binary" {
		bad = append(bad, "/a/../etc/passwd", "relative/path", "/a/", "/a b")
	}
	for _, v := range bad {
		if _, err := p.Parse(v); err == nil {
			t.Errorf("parameter %s: %q accepted, want it refused", p.Name, v)
		}
	}
}
