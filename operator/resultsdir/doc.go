// Package resultsdir is the on-disk form of an Experiment's results, as
// `kubectl lab run --local` writes them and `kubectl lab report DIR` and
// `compare` read them. By default DIR is results/NAME-TIMESTAMP, with -2, -3,
// ... added when runs of the same Experiment start in the same second
// (Create):
//
//	DIR/experiment.yaml      the Experiment with its status filled in (same schema as in-cluster)
//	DIR/runs/RUN.json        each run's result summary (api/result), RUN = "<variant>-r<index>"
//	DIR/bench.txt            every run's Go benchmark-format lines (benchstat reads them)
//	DIR/report.md            the markdown report
//	DIR/plots/               PNG and SVG plots
package resultsdir
