package catalog

// specs are the scenarios in catalogue order.
var specs = []*Spec{&Scheduler, &Alloc, &GC, &Service, &Poller, &MemLimit, &Stack, &Timers, &App}

// All returns every scenario's spec in catalogue order.
func All() []*Spec { return append([]*Spec(nil), specs...) }

// Names returns the scenario names in catalogue order.
func Names() []string {
	names := make([]string, len(specs))
	for i, s := range specs {
		names[i] = s.Name
	}
	return names
}

// Lookup finds a scenario's spec by name.
func Lookup(name string) (*Spec, bool) {
	for _, s := range specs {
		if s.Name == name {
			return s, true
		}
	}
	return nil, false
}
