package catalog

import (
	"testing"
	"time"
)

// FuzzParse: any --set text for any scenario either is refused with a
// *ParseError naming the scenario, or gives values whose canonical text
// parses back to the same values, and whose memory estimate is a
// positive number.
func FuzzParse(f *testing.F) {
	for i, s := range All() {
		for _, p := range s.Params {
			f.Add(uint8(i), p.Name, p.Default)
			f.Add(uint8(i), p.Name, p.Max)
		}
	}
	f.Add(uint8(6), "frameBytes", "100")
	f.Add(uint8(0), "work", "5us\nBenchmarkX")
	f.Fuzz(func(t *testing.T, which uint8, key, value string) {
		s := All()[int(which)%len(All())]
		v, err := Parse(s, []string{key + "=" + value})
		if err != nil {
			if _, ok := err.(*ParseError); !ok {
				t.Fatalf("got %T %v, want a *ParseError", err, err)
			}
			return
		}
		back, err := ParseMap(s, v.Text())
		if err != nil {
			t.Fatalf("canonical text %v does not parse back: %v", v.Text(), err)
		}
		for k, txt := range v.Text() {
			if back.Text()[k] != txt {
				t.Fatalf("%s: %q parsed back as %q", k, txt, back.Text()[k])
			}
		}
		if n := s.MemoryNeed(v, MemoryInput{Window: time.Minute, Limit: 256 << 20}); n.Bytes < BaseMemory || n.How == "" {
			t.Fatalf("memory need %+v: want at least the base and an explanation", n)
		}
	})
}
