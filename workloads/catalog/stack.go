package catalog

import (
	"fmt"
)

// Stack is the stack scenario's catalogue entry.
var Stack = Spec{
	Name:    "stack",
	Summary: "goroutines recurse deep and return; stack growth by copying, and shrinking at GC",
	Doc: "Starts `goroutines` goroutines that park between cycles. Each cycle, every goroutine recurses `depth` " +
		"frames, each holding `frameBytes` of locals, so its stack grows by doubling and copying; all wait at " +
		"the bottom on a barrier while the scenario reads /memory/classes/heap/stacks:bytes. Then they return " +
		"and park at the top, the scenario forces one GC and reads the figure again: a GC halves each stack " +
		"less than a quarter used, so the stacks shrink by about half per cycle, never at once. Stack figures " +
		"are those of the last cycle completed by the end of the window.",
	Memory: stackMemory,
	Params: []Param{
		{Name: "goroutines", Kind: Int, Default: "100", Min: "1", Max: "100000",
			Doc: "goroutines that recurse together"},
		{Name: "depth", Kind: Int, Default: "1000", Min: "1", Max: "1000000",
			Doc: "frames each goroutine recurses"},
		{Name: "frameBytes", Kind: Bytes, Default: "256", Min: "64", Max: "64Ki", PowerOfTwo: true,
			Doc: "bytes of locals in each frame"},
	},
	Headline: []string{"cycles/s", "stack-B/goroutine"},
	Figures: []Figure{
		{Name: "cycles/s", Unit: "1/s", Better: Higher, Doc: "recurse, barrier, return and GC cycles per second"},
		{Name: "stack-depth-B", Unit: "B", Better: Lower, Doc: "stack memory (/memory/classes/heap/stacks) with every goroutine at the bottom"},
		{Name: "stack-gc-B", Unit: "B", Better: Lower, Doc: "stack memory after the goroutines returned and one forced GC"},
		{Name: "stack-B/goroutine", Unit: "B", Better: Lower, Doc: "stack memory per scenario goroutine at depth, less what the process had before they started"},
		{Name: "goroutines/MiB", Unit: "1/MiB", Better: Higher, Doc: "scenario goroutines per MiB of stack memory at depth"},
	},
}

// stackMemory: every goroutine at the bottom of its recursion at once,
// each stack the power of two that holds depth frames (a stack grows by
// doubling), a frame being frameBytes of locals and about 64 B of call.
func stackMemory(v Values, _ MemoryInput) Need {
	g, depth, frame := int64(v.Int("goroutines")), int64(v.Int("depth")), v.Bytes("frameBytes")
	per := nextPow2(satMul(depth, frame+64))
	return Need{satMul(g, per), fmt.Sprintf("%d goroutines × a %s stack (%d frames of %d bytes)", g, approxBytes(per), depth, frame)}
}
