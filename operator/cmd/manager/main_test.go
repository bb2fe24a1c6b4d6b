package main

import (
	"strings"
	"testing"
)

func TestCheckPyroscopeAddress(t *testing.T) {
	tests := []struct {
		name, in string
		wantErr  bool
	}{
		{name: "empty pushes nothing", in: ""},
		{name: "http", in: "http://pyroscope.monitoring:4040"},
		{name: "https", in: "https://profiles.example.com"},
		{name: "no scheme", in: "pyroscope:4040", wantErr: true},
		{name: "other scheme", in: "grpc://pyroscope:4040", wantErr: true},
		{name: "no host", in: "http://", wantErr: true},
		{name: "unparsable", in: "http://[::1", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkPyroscopeAddress(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("got error %v, want error %v", err, tt.wantErr)
			}
			if err != nil && !strings.Contains(err.Error(), "--pyroscope-address") {
				t.Errorf("got %q, want the flag named", err)
			}
		})
	}
}
