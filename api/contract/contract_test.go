package contract

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestArgs(t *testing.T) {
	off := ""
	tests := []struct {
		name string
		inv  Invocation
		want []string
	}{
		{"a pod's workload", Invocation{Scenario: "gc", Duration: 20 * time.Second, Warmup: 2 * time.Second, Output: OutputJSON,
			Params: map[string]string{"liveHeap": "128Mi", "goroutines": "2"}},
			[]string{"run", "gc", "--duration", "20s", "--warmup", "2s", "--output", "json", "--set", "goroutines=2", "--set", "liveHeap=128Mi"}},
		{"a local server", Invocation{Scenario: "service", Duration: 32 * time.Second, Warmup: time.Second, Output: OutputBench,
			Role: RoleServer, Serve: "127.0.0.1:0", ResultFile: "runs/v000-r0-server.json", ReadyFile: "ready", Listen: &off},
			[]string{"run", "service", "--duration", "32s", "--warmup", "1s", "--output", "bench", "--role", "server", "--serve", "127.0.0.1:0",
				"--result-file", "runs/v000-r0-server.json", "--ready-file", "ready", "--listen", ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, tt.inv.Args()); diff != "" {
				t.Errorf("args (-want +got):\n%s", diff)
			}
		})
	}
}

func TestReady(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ready")
	if _, err := ReadReady(path); !os.IsNotExist(err) {
		t.Errorf("before: got %v, want not-exist", err)
	}
	if err := WriteReady(path, "127.0.0.1:39213"); err != nil {
		t.Fatal(err)
	}
	r, err := ReadReady(path)
	if err != nil || r.Addr != "127.0.0.1:39213" {
		t.Errorf("got %+v, %v", r, err)
	}
	os.WriteFile(path, []byte(`{"v":1,"addr":"x y"}`), 0o644)
	if _, err := ReadReady(path); err == nil {
		t.Error("accepted an address with a space")
	}
}

func TestIsRunEnv(t *testing.T) {
	for name, want := range map[string]bool{"GOMAXPROCS": true, "GODEBUG": true, EnvRun: true, EnvPyroscope: true, "HOME": false, "GOPATH": false} {
		if IsRunEnv(name) != want {
			t.Errorf("IsRunEnv(%s) = %v, want %v", name, !want, want)
		}
	}
}
