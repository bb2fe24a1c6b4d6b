// Package cpuwork burns a fixed amount of CPU work per call.
//
// A scenario that spins until a wall-clock deadline measures nothing under
// a CPU quota: a throttled thread's deadline passes while it is not running.
// Work is therefore a count of loop iterations, calibrated once to a
// duration on an unthrottled burst, so a throttled task takes longer.
package cpuwork
