// Package registry joins each scenario of the catalogue to its
// implementation. Only the workload binary (and tests that run scenarios)
// import it: executors plan from workloads/catalog alone.
package registry

import (
	"github.com/runtime-lab/runtime-lab/workloads/catalog"
	"github.com/runtime-lab/runtime-lab/workloads/scenario"
	"github.com/runtime-lab/runtime-lab/workloads/scenarios/alloc"
	"github.com/runtime-lab/runtime-lab/workloads/scenarios/app"
	"github.com/runtime-lab/runtime-lab/workloads/scenarios/gc"
	"github.com/runtime-lab/runtime-lab/workloads/scenarios/memlimit"
	"github.com/runtime-lab/runtime-lab/workloads/scenarios/poller"
	"github.com/runtime-lab/runtime-lab/workloads/scenarios/scheduler"
	"github.com/runtime-lab/runtime-lab/workloads/scenarios/service"
	"github.com/runtime-lab/runtime-lab/workloads/scenarios/stack"
	"github.com/runtime-lab/runtime-lab/workloads/scenarios/timers"
)

// factories builds each catalogue scenario, by name.
var factories = map[string]scenario.Factory{
	catalog.Scheduler.Name: scheduler.New,
	catalog.Alloc.Name:     alloc.New,
	catalog.GC.Name:        gc.New,
	catalog.Service.Name:   service.New,
	catalog.Poller.Name:    poller.New,
	catalog.MemLimit.Name:  memlimit.New,
	catalog.Stack.Name:     stack.New,
	catalog.Timers.Name:    timers.New,
	catalog.App.Name:       app.New,
}

// Lookup returns a scenario's spec and the factory that builds it.
func Lookup(name string) (*catalog.Spec, scenario.Factory, bool) {
	spec, ok := catalog.Lookup(name)
	if !ok {
		return nil, nil, false
	}
	f, ok := factories[name]
	return spec, f, ok
}
