package result

import (
	"encoding/json"
	"testing"
)

// FuzzDecode: any bytes either fail to decode or give a Summary that, if
// it passes Check, has only figures CheckFigure accepts and re-encodes to
// JSON that decodes to the same figures.
func FuzzDecode(f *testing.F) {
	f.Add([]byte(`{"v":1,"scenario":"gc","phase":"done","settings":{"gomaxprocs":2},"figures":{"ops/s":7,"gc/s":1.5},"cpu":{"cores":0.5}}`))
	f.Add([]byte(`{"v":2,"scenario":"gc"}`))
	f.Add([]byte(`{"v":1,"scenario":"x","phase":"done","figures":{"a":-1}}`))
	f.Add([]byte(`{"v":1,"scenario":"x","phase":"done","figures":{"a":1e300}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := Decode(b)
		if err != nil {
			return
		}
		if err := Check(s); err != nil {
			return
		}
		for k, v := range s.Figures {
			if err := CheckFigure(v); err != nil {
				t.Fatalf("Check passed a bad figure %q: %v", k, err)
			}
		}
		out, err := json.Marshal(s)
		if err != nil {
			t.Fatalf("a checked summary does not encode: %v", err)
		}
		back, err := Decode(out)
		if err != nil || len(back.Figures) != len(s.Figures) {
			t.Fatalf("re-decoding: %v, %d figures for %d", err, len(back.Figures), len(s.Figures))
		}
	})
}
