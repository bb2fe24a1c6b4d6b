package plan

import (
	"fmt"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"

	"github.com/runtime-lab/runtime-lab/api/contract"
	labv1 "github.com/runtime-lab/runtime-lab/api/v1alpha1"
	"github.com/runtime-lab/runtime-lab/workloads/catalog"
)

// Labels on every pod the operator creates.
const (
	LabelExperiment = "lab.runtimelab.io/experiment"
	LabelVariant    = "lab.runtimelab.io/variant"
	LabelRun        = "lab.runtimelab.io/run"
	LabelScenario   = "lab.runtimelab.io/scenario"
	LabelRole       = "lab.runtimelab.io/role"
	LabelAttempt    = "lab.runtimelab.io/attempt"
	LabelManagedBy  = "app.kubernetes.io/managed-by"
	LabelName       = "app.kubernetes.io/name"
	ManagedBy       = "runtimelab-operator"
	// ContainerName is the workload container's name.
	ContainerName = "workload"
	// SidecarName is the name of spec.pod.sidecar's container.
	SidecarName = "sidecar"
	// MetricsPort is where the workload serves /metrics.
	MetricsPort = 9090
	// ServicePort is where the service scenario's server listens.
	ServicePort = 8080
)

// TwoPods reports whether a scenario's runs have a server and a load
// generator, each in a pod of its own: the service scenario, and the app
// scenario, whose server is your own service.
func TwoPods(scenario string) bool {
	return scenario == catalog.Service.Name || scenario == catalog.App.Name
}

// ServerPort is where a run's server listens: your service's port
// (spec.scenario.app.port), the lab's ServicePort otherwise.
func ServerPort(scenario string, v *Variant) int {
	if scenario != catalog.App.Name {
		return ServicePort
	}
	p, _ := catalog.App.Param("port")
	text := p.Default
	if t, ok := v.Params[p.Name]; ok {
		text = t
	}
	n, err := strconv.Atoi(text)
	if err != nil || n < 1 || n > 65535 {
		return ServicePort // validated long before: unreachable
	}
	return n
}

// CheckCluster checks what only a run on a cluster needs: the app
// scenario's image, in every variant.
func CheckCluster(spec *labv1.ExperimentSpec, variants []Variant) error {
	if spec.Scenario.App == nil {
		return nil
	}
	for _, v := range variants {
		if v.Params["image"] == "" {
			return fmt.Errorf("spec.scenario.app.image: variant %s has none: a cluster runs your service from its image; set it, e.g. ghcr.io/acme/orders:v1.4.2 (binary is for local runs)", v.Name)
		}
	}
	return nil
}

// Roles of a run's pods (and processes). The service and app scenarios
// have a load generator.
const (
	RoleWorkload = "workload"
	RoleServer   = contract.RoleServer
	RoleLoadgen  = contract.RoleLoadgen
)

// PodOptions are the inputs of a pod that come from the cluster rather than
// the spec.
type PodOptions struct {
	// DefaultImage is used when neither the variant nor the spec names one.
	DefaultImage string
	// Node pins the pod (isolation Sequential, after the first run landed).
	Node string
	// ServerAddr is the server pod's IP:port, for a load generator.
	ServerAddr string
	// DefaultPyroscope is the Pyroscope server for Experiments without
	// spec.pyroscope; empty pushes no profiles.
	DefaultPyroscope string
}

// PodName is the name of a run's pod for an attempt and role, at most 63
// characters (experiment names are truncated and hashed when needed).
func PodName(exp *labv1.Experiment, r Run, attempt int, role string) string {
	suffix := fmt.Sprintf("-%s-a%d", r.ID(), attempt)
	if role == RoleLoadgen {
		suffix += "-lg"
	}
	name := exp.Name
	if len(name)+len(suffix) > 63 {
		name = name[:63-len(suffix)-9] + "-" + shortHash(exp.Name)
	}
	return name + suffix
}

// Pod builds the pod of one run attempt in one role, from the run's
// invocation: the container runs it as planned (JSON summary in the
// termination message, telemetry on MetricsPort), under the variant's
// limits, with activeDeadlineSeconds from plan.Deadline.
func Pod(exp *labv1.Experiment, r Run, attempt int, role string, o PodOptions) (*corev1.Pod, error) {
	v := r.Variant
	spec := &exp.Spec
	io := InvocationOptions{Output: contract.OutputJSON, Target: o.ServerAddr, DefaultPyroscope: o.DefaultPyroscope}
	if role == RoleServer {
		io.Serve = fmt.Sprintf(":%d", ServicePort)
	}
	inv, err := Invocation(exp, r, role, io)
	if err != nil {
		return nil, err
	}
	env := make([]corev1.EnvVar, len(inv.Env))
	for i, e := range inv.Env {
		env[i] = corev1.EnvVar{Name: e.Name, Value: e.Value}
	}
	resources := containerResources(v)
	ports := []corev1.ContainerPort{{Name: "metrics", ContainerPort: MetricsPort, Protocol: corev1.ProtocolTCP}}
	switch role {
	case RoleServer:
		ports = append(ports, corev1.ContainerPort{Name: "http", ContainerPort: int32(ServerPort(spec.Scenario.Name(), v)), Protocol: corev1.ProtocolTCP})
	case RoleLoadgen:
		resources = corev1.ResourceRequirements{}
		if spec.LoadGenerator != nil {
			resources = *spec.LoadGenerator.Resources.DeepCopy()
		}
	}
	image := v.Knobs.Image
	if image == "" {
		image = o.DefaultImage
	}
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Name:      PodName(exp, r, attempt, role),
			Namespace: exp.Namespace,
			Labels: map[string]string{
				LabelName: "runtimelab-workload", LabelManagedBy: ManagedBy,
				LabelExperiment: LabelValue(exp.Name), LabelVariant: v.Name, LabelRun: r.ID(),
				LabelScenario: spec.Scenario.Name(), LabelRole: role, LabelAttempt: strconv.Itoa(attempt),
			},
			Annotations: map[string]string{
				"prometheus.io/scrape": "true",
				"prometheus.io/port":   strconv.Itoa(MetricsPort),
				"prometheus.io/path":   "/metrics",
			},
			OwnerReferences: []metav1.OwnerReference{{
				APIVersion: labv1.GroupVersion.String(), Kind: "Experiment", Name: exp.Name, UID: exp.UID,
				Controller: ptr.To(true), BlockOwnerDeletion: ptr.To(true),
			}},
		},
		Spec: corev1.PodSpec{
			RestartPolicy:                corev1.RestartPolicyNever,
			ActiveDeadlineSeconds:        ptr.To(activeDeadlineSeconds(&inv)),
			AutomountServiceAccountToken: ptr.To(false),
			EnableServiceLinks:           ptr.To(false),
			NodeSelector:                 spec.NodeSelector,
			Tolerations:                  spec.Tolerations,
			SecurityContext:              podSecurityContext(),
			Containers: []corev1.Container{{
				Name:                     ContainerName,
				Image:                    image,
				Args:                     inv.Args(),
				Env:                      env,
				Resources:                resources,
				Ports:                    ports,
				TerminationMessagePolicy: corev1.TerminationMessageFallbackToLogsOnError,
				SecurityContext:          containerSecurityContext(),
			}},
		},
	}
	if role == RoleServer && spec.Scenario.Name() == catalog.App.Name {
		if err := appServer(pod, r.Variant); err != nil {
			return nil, err
		}
	}
	if role != RoleLoadgen && spec.Pod != nil {
		if err := shapePod(pod, spec.Pod, image); err != nil {
			return nil, err
		}
	}
	if o.Node != "" {
		// Through the scheduler, not spec.nodeName: a pod bound directly
		// skips it, and the kubelet rejects it (OutOfcpu) when the node is
		// still busy instead of the pod waiting its turn as Pending.
		pod.Spec.Affinity = &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{
			RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{NodeSelectorTerms: []corev1.NodeSelectorTerm{{
				MatchFields: []corev1.NodeSelectorRequirement{{Key: "metadata.name", Operator: corev1.NodeSelectorOpIn, Values: []string{o.Node}}},
			}}},
		}}
	}
	if spec.Isolation == labv1.IsolationSpread {
		pod.Spec.TopologySpreadConstraints = []corev1.TopologySpreadConstraint{{
			MaxSkew: 1, TopologyKey: corev1.LabelHostname, WhenUnsatisfiable: corev1.ScheduleAnyway,
			LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{LabelExperiment: LabelValue(exp.Name)}},
		}}
	}
	return pod, nil
}

// shapePod gives a run's pod spec.pod's shape: pod-level limits (requests
// equal to them) and a native sidecar, an init container that keeps
// running beside the workload and that the kubelet stops when the
// workload has exited, without limits of its own so that it draws on the
// pod's.
func shapePod(pod *corev1.Pod, shape *labv1.PodShape, labImage string) error {
	if l := shape.Limits; l != nil {
		list := corev1.ResourceList{}
		if l.CPU != nil {
			list[corev1.ResourceCPU] = l.CPU.DeepCopy()
		}
		if l.Memory != nil {
			q, err := resource.ParseQuantity(*l.Memory)
			if err != nil {
				return fmt.Errorf("spec.pod.limits.memory %q: %w", *l.Memory, err)
			}
			list[corev1.ResourceMemory] = q
		}
		pod.Spec.Resources = &corev1.ResourceRequirements{Limits: list, Requests: list.DeepCopy()}
	}
	if sc := shape.Sidecar; sc != nil {
		var mem int64
		if sc.Memory != nil {
			q, err := resource.ParseQuantity(*sc.Memory)
			if err != nil {
				return fmt.Errorf("spec.pod.sidecar.memory %q: %w", *sc.Memory, err)
			}
			mem = q.Value()
		}
		pod.Spec.InitContainers = append(pod.Spec.InitContainers, corev1.Container{
			Name:                     SidecarName,
			Image:                    labImage,
			Args:                     contract.SidecarArgs(sc.CPU.String(), mem),
			RestartPolicy:            ptr.To(corev1.ContainerRestartPolicyAlways),
			TerminationMessagePolicy: corev1.TerminationMessageFallbackToLogsOnError,
			SecurityContext:          containerSecurityContext(),
		})
	}
	return nil
}

// appServer turns a server pod into your service's (the app scenario's):
// its image and arguments in the constrained container, with the
// variant's limits and Go environment kept; its port; a readiness probe on
// readyPath; Prometheus pointed at its own metrics endpoint; and a
// writable /tmp, since the root filesystem stays read-only.
func appServer(pod *corev1.Pod, v *Variant) error {
	param := func(name string) string {
		if t, ok := v.Params[name]; ok {
			return t
		}
		p, _ := catalog.App.Param(name)
		return p.Default
	}
	image := param("image")
	if image == "" {
		return fmt.Errorf("spec.scenario.app.image: variant %s has none: set your service's image", v.Name)
	}
	port := ServerPort(catalog.App.Name, v)
	c := &pod.Spec.Containers[0]
	c.Image, c.Args = image, nil
	if a := param("args"); a != "" {
		c.Args = strings.Split(a, " ") // the catalogue's pattern: single spaces, no quoting
	}
	c.Ports = []corev1.ContainerPort{{Name: "http", ContainerPort: int32(port), Protocol: corev1.ProtocolTCP}}
	c.ReadinessProbe = &corev1.Probe{
		ProbeHandler:  corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: param("readyPath"), Port: intstr.FromInt32(int32(port))}},
		PeriodSeconds: 1, FailureThreshold: 3,
	}
	c.VolumeMounts = []corev1.VolumeMount{{Name: "tmp", MountPath: "/tmp"}}
	pod.Spec.Volumes = []corev1.Volume{{Name: "tmp", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}}
	if mp := param("metricsPath"); mp == "" {
		delete(pod.Annotations, "prometheus.io/scrape")
		delete(pod.Annotations, "prometheus.io/port")
		delete(pod.Annotations, "prometheus.io/path")
	} else {
		mport := port
		if n, err := strconv.Atoi(param("metricsPort")); err == nil && n > 0 {
			mport = n
		}
		pod.Annotations["prometheus.io/port"] = strconv.Itoa(mport)
		pod.Annotations["prometheus.io/path"] = mp
	}
	return nil
}

// containerResources sets requests and limits; a request left unset takes
// the limit, as Kubernetes itself defaults it.
func containerResources(v *Variant) corev1.ResourceRequirements {
	r := corev1.ResourceRequirements{}
	set := func(list *corev1.ResourceList, name corev1.ResourceName, q string) {
		if q == "" {
			return
		}
		if *list == nil {
			*list = corev1.ResourceList{}
		}
		(*list)[name] = mustQty(q)
	}
	set(&r.Limits, corev1.ResourceCPU, v.Knobs.CPULimit)
	set(&r.Requests, corev1.ResourceCPU, v.Knobs.CPURequest)
	set(&r.Limits, corev1.ResourceMemory, v.Knobs.MemoryLimit)
	set(&r.Requests, corev1.ResourceMemory, v.Knobs.MemoryRequest)
	return r
}

// podSecurityContext and containerSecurityContext meet the Pod Security
// "restricted" profile.
func podSecurityContext() *corev1.PodSecurityContext {
	return &corev1.PodSecurityContext{
		RunAsNonRoot:   ptr.To(true),
		RunAsUser:      ptr.To(int64(65532)),
		RunAsGroup:     ptr.To(int64(65532)),
		SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
	}
}

func containerSecurityContext() *corev1.SecurityContext {
	return &corev1.SecurityContext{
		AllowPrivilegeEscalation: ptr.To(false),
		ReadOnlyRootFilesystem:   ptr.To(true),
		RunAsNonRoot:             ptr.To(true),
		Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
		SeccompProfile:           &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
	}
}

// LabelValue fits a name into a label value (63 characters).
func LabelValue(s string) string {
	if len(s) <= 63 {
		return s
	}
	return s[:54] + "-" + shortHash(s)
}
