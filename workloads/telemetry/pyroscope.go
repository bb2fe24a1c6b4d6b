package telemetry

import (
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/grafana/pyroscope-go"
)

// Profiler pushes profiles to Pyroscope.
type Profiler struct{ p *pyroscope.Profiler }

// StartPyroscope pushes CPU, allocation, in-use and goroutine profiles to
// addr every uploadRate, tagged with the run's labels so a flame graph can
// be filtered to one variant or run.
//
// The agent's forced GC before each heap profile is turned off: it would
// add GC cycles the scenario did not cause to every figure the lab reports.
func StartPyroscope(addr string, uploadRate time.Duration, l Labels, log *slog.Logger) (*Profiler, error) {
	tags := map[string]string{}
	for k, v := range l.prom() {
		tags[k] = v
	}
	host, _ := os.Hostname()
	tags["hostname"] = host
	p, err := pyroscope.Start(pyroscope.Config{
		ApplicationName: "runtimelab.workload",
		ServerAddress:   addr,
		Tags:            tags,
		Logger:          pyroscopeLogger{log},
		UploadRate:      uploadRate,
		DisableGCRuns:   true,
		ProfileTypes: []pyroscope.ProfileType{
			pyroscope.ProfileCPU,
			pyroscope.ProfileAllocObjects, pyroscope.ProfileAllocSpace,
			pyroscope.ProfileInuseObjects, pyroscope.ProfileInuseSpace,
			pyroscope.ProfileGoroutines,
		},
	})
	if err != nil {
		return nil, fmt.Errorf("start pyroscope push to %s: %w", addr, err)
	}
	return &Profiler{p: p}, nil
}

// Stop flushes the last profiles and stops pushing.
func (p *Profiler) Stop() error { return p.p.Stop() }

// pyroscopeLogger adapts slog to pyroscope's logger; its info and debug
// chatter goes to debug.
type pyroscopeLogger struct{ l *slog.Logger }

func (p pyroscopeLogger) Infof(f string, a ...any)  { p.l.Debug(fmt.Sprintf(f, a...)) }
func (p pyroscopeLogger) Debugf(f string, a ...any) { p.l.Debug(fmt.Sprintf(f, a...)) }
func (p pyroscopeLogger) Errorf(f string, a ...any) { p.l.Warn(fmt.Sprintf(f, a...)) }
