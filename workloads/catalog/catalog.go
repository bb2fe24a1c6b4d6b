// Package catalog is the registry of every workload scenario: the one list
// the workload binary runs from and the operator builds its API from.
package catalog

import (
	"github.com/runtime-lab/runtime-lab/workloads/scenario"
	"github.com/runtime-lab/runtime-lab/workloads/scenarios/alloc"
	"github.com/runtime-lab/runtime-lab/workloads/scenarios/gc"
	"github.com/runtime-lab/runtime-lab/workloads/scenarios/memlimit"
	"github.com/runtime-lab/runtime-lab/workloads/scenarios/poller"
	"github.com/runtime-lab/runtime-lab/workloads/scenarios/scheduler"
	"github.com/runtime-lab/runtime-lab/workloads/scenarios/service"
	"github.com/runtime-lab/runtime-lab/workloads/scenarios/stack"
	"github.com/runtime-lab/runtime-lab/workloads/scenarios/timers"
)

// Entry is one registered scenario.
type Entry struct {
	Spec *scenario.Spec
	New  scenario.Factory
}

var entries = []Entry{
	{&scheduler.Spec, scheduler.New},
	{&alloc.Spec, alloc.New},
	{&gc.Spec, gc.New},
	{&service.Spec, service.New},
	{&poller.Spec, poller.New},
	{&memlimit.Spec, memlimit.New},
	{&stack.Spec, stack.New},
	{&timers.Spec, timers.New},
}

// All returns every scenario in catalogue order.
func All() []Entry { return append([]Entry(nil), entries...) }

// Names returns the scenario names in catalogue order.
func Names() []string {
	names := make([]string, len(entries))
	for i, e := range entries {
		names[i] = e.Spec.Name
	}
	return names
}

// Lookup finds a scenario by name.
func Lookup(name string) (Entry, bool) {
	for _, e := range entries {
		if e.Spec.Name == name {
			return e, true
		}
	}
	return Entry{}, false
}
