// Command localexec-bench measures what the local executor costs beyond
// the runs themselves: it runs a short Experiment with `kubectl lab`'s
// executor and prints wall time against the sum of the runs' planned
// warmup + duration. `make bench` runs it.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	labv1 "github.com/runtime-lab/runtime-lab/api/v1alpha1"
	"github.com/runtime-lab/runtime-lab/operator/localexec"
)

const target = 0.03

func main() {
	workload := flag.String("workload", "bin/workload", "workload binary")
	runs := flag.Int("runs", 6, "runs in the Experiment")
	duration := flag.Duration("duration", 5*time.Second, "measured window of each run")
	flag.Parse()
	dir, err := os.MkdirTemp("", "localexec-bench")
	if err != nil {
		fail(err)
	}
	defer os.RemoveAll(dir)
	warmup := time.Second
	exp := &labv1.Experiment{
		ObjectMeta: metav1.ObjectMeta{Name: "overhead", CreationTimestamp: metav1.Now()},
		Spec: labv1.ExperimentSpec{
			Scenario:    labv1.ScenarioSpec{Scheduler: &labv1.SchedulerScenario{Goroutines: ptr.To(int64(8))}},
			Matrix:      labv1.Matrix{Memory: []labv1.MemorySetting{{Limit: ptr.To("256Mi")}}},
			Duration:    metav1.Duration{Duration: *duration},
			Warmup:      metav1.Duration{Duration: warmup},
			Repetitions: int32(*runs), Parallelism: 1,
		},
	}
	start := time.Now()
	if err := localexec.Run(context.Background(), exp, localexec.Options{Workload: *workload, Dir: dir, Parallel: 1}); err != nil {
		fail(err)
	}
	wall := time.Since(start)
	planned := time.Duration(*runs) * (*duration + warmup)
	over := wall.Seconds()/planned.Seconds() - 1
	verdict := "PASS"
	if over > target {
		verdict = "MISS"
	}
	fmt.Printf("== local executor: %d sequential runs of %s warmup + %s, each in a fresh cgroup\n", *runs, warmup, *duration)
	fmt.Printf("wall %.2fs  planned %.2fs  overhead %.2f%% (%.0fms per run)  target <= %.0f%%  %s\n",
		wall.Seconds(), planned.Seconds(), 100*over, float64((wall-planned).Milliseconds())/float64(*runs), 100*target, verdict)
	fmt.Printf("phase %s, progress %s\n", exp.Status.Phase, exp.Status.Progress)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "localexec-bench:", err)
	os.Exit(1)
}
