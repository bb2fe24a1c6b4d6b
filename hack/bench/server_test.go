package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/runtime-lab/runtime-lab/api/contract"
)

// fakeServerEnv makes the test binary stand in for `workload run service
// --role server`: "serve" answers the readiness handshake and exits
// 128+SIGTERM on SIGTERM, as the driver does; "fail" exits before serving.
const fakeServerEnv = "BENCH_FAKE_SERVER"

func TestMain(m *testing.M) {
	switch os.Getenv(fakeServerEnv) {
	case "serve":
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, syscall.SIGTERM)
		for _, a := range os.Args {
			if f, ok := strings.CutPrefix(a, "--ready-file="); ok {
				contract.WriteReady(f, "127.0.0.1:41234")
			}
		}
		select {
		case <-sig:
			os.Exit(128 + int(syscall.SIGTERM))
		case <-time.After(time.Minute):
			os.Exit(0)
		}
	case "fail":
		fmt.Fprintln(os.Stderr, "listen: address in use")
		os.Exit(1)
	}
	os.Exit(m.Run())
}

func TestServerStartsAndStopsOnSIGTERM(t *testing.T) {
	t.Setenv(fakeServerEnv, "serve")
	s, err := startServer(context.Background(), os.Args[0], t.TempDir(), time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if s.addr != "127.0.0.1:41234" {
		t.Errorf("address: got %q, want 127.0.0.1:41234", s.addr)
	}
	if err := s.check(); err != nil {
		t.Errorf("running server: got %v, want nil", err)
	}
	if err := s.stop(); err != nil {
		t.Errorf("stop: got %v, want nil (exit 128+SIGTERM is clean)", err)
	}
	if s.cmd.ProcessState == nil || !s.cmd.ProcessState.Exited() {
		t.Errorf("process state after stop: got %v, want exited", s.cmd.ProcessState)
	}
	if err := s.check(); err == nil {
		t.Error("stopped server: got nil, want an error")
	}
}

func TestServerExitingBeforeServing(t *testing.T) {
	t.Setenv(fakeServerEnv, "fail")
	_, err := startServer(context.Background(), os.Args[0], t.TempDir(), time.Minute)
	if err == nil || !strings.Contains(err.Error(), "exited before it was ready") ||
		!strings.Contains(err.Error(), "address in use") {
		t.Fatalf("got %v, want an error saying it exited before it was ready, with its log", err)
	}
}

func TestServerStoppedWithTheBench(t *testing.T) {
	t.Setenv(fakeServerEnv, "serve")
	ctx, cancel := context.WithCancel(context.Background())
	s, err := startServer(ctx, os.Args[0], t.TempDir(), time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	select {
	case <-s.done:
	case <-time.After(5 * time.Second):
		t.Fatal("server still running 5s after the bench's context ended, want it stopped by SIGTERM")
	}
	if err := s.stop(); err != nil {
		t.Errorf("stop after cancel: got %v, want nil", err)
	}
}
