package plan

import (
	"fmt"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/runtime-lab/runtime-lab/api/contract"
	labv1 "github.com/runtime-lab/runtime-lab/api/v1alpha1"
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

// Roles of a run's pods (and processes). Only the service scenario has a
// load generator.
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
		ports = append(ports, corev1.ContainerPort{Name: "http", ContainerPort: ServicePort, Protocol: corev1.ProtocolTCP})
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
	if role != RoleLoadgen && spec.Pod != nil {
		if err := shapePod(pod, spec.Pod); err != nil {
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
func shapePod(pod *corev1.Pod, shape *labv1.PodShape) error {
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
			Image:                    pod.Spec.Containers[0].Image,
			Args:                     contract.SidecarArgs(sc.CPU.String(), mem),
			RestartPolicy:            ptr.To(corev1.ContainerRestartPolicyAlways),
			TerminationMessagePolicy: corev1.TerminationMessageFallbackToLogsOnError,
			SecurityContext:          containerSecurityContext(),
		})
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
