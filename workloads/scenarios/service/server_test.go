package service

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/runtime-lab/runtime-lab/workloads/cpuwork"
	"github.com/runtime-lab/runtime-lab/workloads/scenario"
)

// TestDrainOverrunIsNotAFailure: a server told to stop while a request's
// CPU work (which does not look at its context) outlasts the drain time
// still ends as asked (ErrDone), not with an error: the window was over,
// and a starved server is the experiment's finding, not a failed run.
func TestDrainOverrunIsNotAFailure(t *testing.T) {
	m := scenario.NewMeter()
	cfg := &config{role: RoleServer, work: cpuwork.For(time.Second)}
	s := &server{cfg: cfg, served: m.Counter("served", ""), panics: m.Counter("panics", ""), leaks: m.Counter("leaks", ""),
		runDone: make(chan struct{}), stop: make(chan struct{}), first: make(chan struct{}), drainBy: 100 * time.Millisecond}
	ready := make(chan string, 1)
	errc := make(chan error, 1)
	go func() { errc <- s.serve(context.Background(), "127.0.0.1:0", ready) }()
	addr := "http://" + <-ready
	go func() {
		if resp, err := http.Get(addr + "/work"); err == nil {
			resp.Body.Close()
		}
	}()
	<-s.first // the request is in its second of CPU work
	resp, err := http.Post(addr+StopPath, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	select {
	case err := <-errc:
		if !errors.Is(err, scenario.ErrDone) {
			t.Errorf("serve: got %v, want ErrDone: a drain that runs out of time is a warning, not a failed run", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("serve did not return within 5s of a 100ms drain")
	}
}
