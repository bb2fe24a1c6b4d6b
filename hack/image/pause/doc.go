// Command pause is the dev cluster's pod sandbox process: it holds the
// pod's namespaces, reaps the orphans re-parented to it (it is PID 1 of the
// pod when the pod shares its process namespace) and exits cleanly on
// SIGTERM or SIGINT. hack/image packages it as runtime-lab/pause:dev.
package main
