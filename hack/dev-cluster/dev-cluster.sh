#!/usr/bin/env bash
# A real single-node Kubernetes cluster on this machine, for the e2e test
# and for trying the operator without Docker (with Docker, hack/kind.sh).
#
#   hack/dev-cluster/dev-cluster.sh up       # start (or check) it; prints the kubeconfig
#   hack/dev-cluster/dev-cluster.sh status   # what runs
#   hack/dev-cluster/dev-cluster.sh down     # stop everything, undo every change
#
# etcd and the Kubernetes components are built from Go modules at the
# versions in hack/versions.env (hack/k8s-bin.sh, cached); containerd, runc
# and the CNI plugins come from Debian (installed with apt when missing).
# The images in dist/*.tar (`make images`) are imported with ctr; the pod
# sandbox image is runtime-lab/pause:dev from dist/pause.tar.
#
# Everything lives on addresses and interfaces the script creates: a link
# rlab0 (one end of a veth pair) holding the node and API server address (10.213.0.1), a bridge
# rlabbr0 for the pod network (10.214.0.0/24), services in 10.215.0.0/24.
# Other listeners are on 127.0.0.1. See /work/shared/CLUSTER.md for why
# each setting is there. Needs root, and cgroup v1 or v2 with cpu and memory.
#
# Both commands are idempotent: `up` on a running cluster only re-imports
# the images and checks the node; `down` on nothing does nothing.
set -euo pipefail

root="$(cd "$(dirname "$0")/../.." && pwd)"
state="${RUNTIMELAB_DEV_STATE:-/var/lib/runtime-lab-dev}"
run="${RUNTIMELAB_DEV_RUN:-/run/runtime-lab-dev}"
node=rlab-node
node_ip=10.213.0.1
dummy=rlab0 # the node's link
bridge=rlabbr0
pod_cidr=10.214.0.0/24
pod_gw=10.214.0.1
svc_cidr=10.215.0.0/24
svc_ip=10.215.0.1
cgroot=runtimelab-dev # the kubelet's cgroupRoot, in every hierarchy
etcd_port=23790
sock="$run/containerd/containerd.sock"
pki="$state/pki"
logs="$state/logs"
pids="$run/pids"
# Start order; down stops them the other way round (see stop_all).
daemons=(etcd kube-apiserver containerd kubelet kube-proxy kube-controller-manager kube-scheduler)

log() { printf 'dev-cluster: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

[[ $(id -u) == 0 ]] || die "needs root (network, mounts, cgroups)"
# One up, down or status at a time on this machine.
exec 9>/tmp/runtime-lab-dev-cluster.lock
flock 9

# --- processes -------------------------------------------------------------

# pid_of NAME prints the PID of a daemon started by this script if it still
# runs the binary it was started with.
pid_of() {
  local f="$pids/$1" pid exe
  [[ -f "$f" ]] || return 1
  read -r pid exe < "$f"
  # A rebuilt binary shows as "PATH (deleted)" while the old one runs.
  local now
  now="$(readlink "/proc/$pid/exe" 2>/dev/null)" || return 1
  [[ -n "$pid" && ("$now" == "$exe" || "$now" == "$exe (deleted)") ]] || return 1
  echo "$pid"
}

# start NAME BINARY ARGS... runs a daemon in its own session with its output
# in $logs/NAME.log and records its real PID (setsid execs in place: the
# background job is the daemon itself).
start() {
  local name="$1" bin="$2"
  shift 2
  if pid_of "$name" >/dev/null; then return 0; fi
  # The daemon must not inherit this script's other descriptors: a lock
  # held by whoever ran the script (flock) would be held until `down`.
  (
    for fd in /proc/"$BASHPID"/fd/*; do
      fd="${fd##*/}"
      if ((fd > 2)); then eval "exec $fd>&-" 2>/dev/null || true; fi
    done
    exec setsid "$bin" "$@" </dev/null >>"$logs/$name.log" 2>&1
  ) &
  local pid=$!
  echo "$pid $(readlink -f "$bin")" > "$pids/$name"
  sleep 0.2
  pid_of "$name" >/dev/null || { tail -20 "$logs/$name.log" >&2; die "$name exited at once (log: $logs/$name.log)"; }
  log "started $name (pid $pid)"
}

# stop NAME [GRACE] sends SIGTERM, then SIGKILL after GRACE seconds.
stop() {
  local name="$1" grace="${2:-20}" pid i
  if pid="$(pid_of "$name")"; then
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < grace * 10; i++)); do
      [[ -d "/proc/$pid" ]] || break
      sleep 0.1
    done
    if [[ -d "/proc/$pid" ]]; then
      log "$name (pid $pid) still runs after ${grace}s: SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      while [[ -d "/proc/$pid" ]]; do sleep 0.1; done
    fi
    log "stopped $name"
  fi
  rm -f "$pids/$name"
}

# wait_for DESC SECONDS CMD... polls CMD until it succeeds.
wait_for() {
  local desc="$1" secs="$2" i
  shift 2
  for ((i = 0; i < secs * 5; i++)); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.2
  done
  die "timed out after ${secs}s waiting for $desc"
}

kctl() { "$kubectl" --kubeconfig "$state/admin.kubeconfig" "$@"; }

# --- machine set-up (each step checks before it changes) -------------------

install_packages() {
  local need=()
  command -v containerd >/dev/null || need+=(containerd)
  command -v runc >/dev/null || need+=(runc)
  [[ -x /usr/lib/cni/bridge && -x /usr/lib/cni/host-local && -x /usr/lib/cni/portmap ]] || need+=(containernetworking-plugins)
  command -v iptables >/dev/null || need+=(iptables)
  command -v conntrack >/dev/null || need+=(conntrack)
  command -v openssl >/dev/null || need+=(openssl)
  ((${#need[@]} == 0)) && return 0
  log "installing ${need[*]} with apt"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
}

# save_sysctl records a setting's value before this script first changes
# it (or lets the kubelet change it), for down to restore.
save_sysctl() {
  local key="$1" f="$state/sysctl.saved"
  grep -q "^$key=" "$f" 2>/dev/null || echo "$key=$(sysctl -n "$key")" >> "$f"
}

setup_network() {
  # A veth pair, not a dummy link: kernels without the dummy module have
  # veth (containers need it anyway). Both ends stay on this machine.
  ip link show "$dummy" >/dev/null 2>&1 || ip link add "$dummy" type veth peer name "${dummy}p"
  [[ "$(ip -4 -o addr show dev "$dummy")" == *" $node_ip/32 "* ]] || ip addr add "$node_ip/32" dev "$dummy"
  ip link set "${dummy}p" up
  ip link set "$dummy" up
  # The kubelet changes these at start; down puts them back.
  for key in net.ipv4.ip_forward vm.overcommit_memory vm.panic_on_oom kernel.panic kernel.panic_on_oops \
    kernel.keys.root_maxkeys kernel.keys.root_maxbytes; do
    save_sysctl "$key"
  done
  sysctl -qw net.ipv4.ip_forward=1
  mkdir -p "$state/cni/net.d" "$state/cni/ipam"
  write_file "$state/cni/net.d/10-rlab.conflist" <<EOF
{
  "cniVersion": "1.0.0",
  "name": "rlab",
  "plugins": [
    {
      "type": "bridge", "bridge": "$bridge", "isGateway": true, "ipMasq": false, "hairpinMode": true,
      "ipam": {
        "type": "host-local", "dataDir": "$state/cni/ipam",
        "ranges": [[{"subnet": "$pod_cidr", "gateway": "$pod_gw"}]],
        "routes": [{"dst": "0.0.0.0/0"}]
      }
    },
    {"type": "portmap", "capabilities": {"portMappings": true}}
  ]
}
EOF
  # Without a namespace listing, cleaning up can tell ours from others'.
  [[ -f "$state/netns.before" ]] || ls /run/netns 2>/dev/null > "$state/netns.before" || true
}

# --- certificates and kubeconfigs ------------------------------------------

# cert NAME CN [O] [SANS] issues NAME.crt/NAME.key signed by the CA.
cert() {
  local name="$1" cn="$2" org="${3:-}" sans="${4:-}"
  [[ -f "$pki/$name.crt" ]] && return 0
  local subj="/CN=$cn"
  [[ -n "$org" ]] && subj="/O=$org$subj"
  openssl genrsa -out "$pki/$name.key" 2048 2>/dev/null
  openssl req -new -key "$pki/$name.key" -subj "$subj" -out "$pki/$name.csr" 2>/dev/null
  {
    echo "basicConstraints=CA:FALSE"
    echo "keyUsage=critical,digitalSignature,keyEncipherment"
    if [[ -n "$sans" ]]; then
      echo "extendedKeyUsage=serverAuth,clientAuth"
      echo "subjectAltName=$sans"
    else
      echo "extendedKeyUsage=clientAuth"
    fi
  } > "$pki/$name.ext"
  openssl x509 -req -in "$pki/$name.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" -CAcreateserial \
    -days 365 -sha256 -extfile "$pki/$name.ext" -out "$pki/$name.crt" 2>/dev/null
  rm -f "$pki/$name.csr" "$pki/$name.ext"
}

kubeconfig() {
  local name="$1" f="$state/$1.kubeconfig"
  [[ -f "$f" ]] && return 0
  cat > "$f" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: runtime-lab-dev
  cluster:
    server: https://$node_ip:6443
    certificate-authority-data: $(base64 -w0 < "$pki/ca.crt")
users:
- name: $name
  user:
    client-certificate-data: $(base64 -w0 < "$pki/$name.crt")
    client-key-data: $(base64 -w0 < "$pki/$name.key")
contexts:
- name: runtime-lab-dev
  context: {cluster: runtime-lab-dev, user: $name}
current-context: runtime-lab-dev
EOF
  chmod 600 "$f"
}

setup_pki() {
  mkdir -p "$pki"
  chmod 700 "$pki"
  if [[ ! -f "$pki/ca.crt" ]]; then
    openssl req -x509 -newkey rsa:2048 -nodes -keyout "$pki/ca.key" -out "$pki/ca.crt" \
      -days 365 -subj "/CN=runtime-lab-dev-ca" 2>/dev/null
  fi
  [[ -f "$pki/sa.key" ]] || { openssl genrsa -out "$pki/sa.key" 2048 2>/dev/null && openssl rsa -in "$pki/sa.key" -pubout -out "$pki/sa.pub" 2>/dev/null; }
  cert apiserver kube-apiserver "" \
    "IP:$node_ip,IP:$svc_ip,IP:127.0.0.1,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
  cert apiserver-kubelet-client kube-apiserver-kubelet-client system:masters
  cert admin admin system:masters
  cert kubelet "system:node:$node" system:nodes
  cert controller-manager system:kube-controller-manager
  cert scheduler system:kube-scheduler
  cert kube-proxy system:kube-proxy
  for k in admin kubelet controller-manager scheduler kube-proxy; do kubeconfig "$k"; done
}

# --- components ------------------------------------------------------------

# write_file FILE writes stdin to FILE only when it differs: kube-proxy
# exits when its configuration file changes under it.
write_file() {
  local tmp="$1.tmp"
  cat > "$tmp"
  if cmp -s "$tmp" "$1"; then rm -f "$tmp"; else mv "$tmp" "$1"; fi
}

write_configs() {
  write_file "$state/containerd.toml" <<EOF
version = 2
root = "$state/containerd/root"
state = "$run/containerd/state"
[grpc]
  address = "$sock"
[ttrpc]
  address = "$run/containerd/containerd.sock.ttrpc"
[debug]
  address = ""
[metrics]
  address = ""
[plugins."io.containerd.internal.v1.opt"]
  path = "$state/containerd/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "docker.io/runtime-lab/pause:dev"
  # Root here may not lower oom_score_adj (no CAP_SYS_RESOURCE).
  restrict_oom_score_adj = true
  enable_selinux = false
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$state/cni/net.d"
EOF
  write_file "$state/kubelet.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: $node_ip
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: 10248
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: false}
  x509: {clientCAFile: $pki/ca.crt}
authorization:
  mode: AlwaysAllow
cgroupDriver: cgroupfs
# Pods under a cgroup of this cluster's own: down removes only it, never
# another kubelet's kubepods on the same machine.
cgroupRoot: /$cgroot
failCgroupV1: false
failSwapOn: false
containerRuntimeEndpoint: unix://$sock
# The disk and memory are shared with builds: evict only when nearly full.
evictionHard:
  memory.available: 100Mi
  nodefs.available: 1%
  nodefs.inodesFree: 1%
  imagefs.available: 1%
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
serializeImagePulls: false
rotateCertificates: false
serverTLSBootstrap: false
resolvConf: /etc/resolv.conf
EOF
  write_file "$state/kube-proxy.yaml" <<EOF
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
mode: iptables
clientConnection:
  kubeconfig: $state/kube-proxy.kubeconfig
hostnameOverride: $node
clusterCIDR: $pod_cidr
bindAddress: 127.0.0.1
healthzBindAddress: 127.0.0.1:10256
metricsBindAddress: 127.0.0.1:10249
nodePortAddresses: ["$node_ip/32"]
conntrack:
  maxPerCore: 0
EOF
}

start_all() {
  start etcd "$bins/etcd" --name rlab --data-dir "$state/etcd" \
    --listen-client-urls "http://127.0.0.1:$etcd_port" --advertise-client-urls "http://127.0.0.1:$etcd_port" \
    --listen-peer-urls http://127.0.0.1:23800 --initial-advertise-peer-urls http://127.0.0.1:23800 \
    --initial-cluster rlab=http://127.0.0.1:23800 --listen-metrics-urls "" --log-level warn
  wait_for "etcd" 30 curl -fsS "http://127.0.0.1:$etcd_port/health"

  start kube-apiserver "$bins/kube-apiserver" \
    --advertise-address "$node_ip" --bind-address "$node_ip" --secure-port 6443 \
    --etcd-servers "http://127.0.0.1:$etcd_port" \
    --service-cluster-ip-range "$svc_cidr" \
    --client-ca-file "$pki/ca.crt" --tls-cert-file "$pki/apiserver.crt" --tls-private-key-file "$pki/apiserver.key" \
    --kubelet-client-certificate "$pki/apiserver-kubelet-client.crt" --kubelet-client-key "$pki/apiserver-kubelet-client.key" \
    --kubelet-preferred-address-types InternalIP,Hostname \
    --service-account-issuer https://kubernetes.default.svc.cluster.local \
    --service-account-key-file "$pki/sa.pub" --service-account-signing-key-file "$pki/sa.key" \
    --authorization-mode Node,RBAC --allow-privileged=true \
    --endpoint-reconciler-type lease
  wait_for "kube-apiserver" 90 kctl get --raw /readyz

  start containerd /usr/bin/containerd --config "$state/containerd.toml"
  wait_for "containerd" 30 ctr --address "$sock" version
  import_images

  make_cgroot
  start kubelet "$bins/kubelet" --config "$state/kubelet.yaml" --kubeconfig "$state/kubelet.kubeconfig" \
    --root-dir "$state/kubelet" --cert-dir "$state/kubelet/pki" \
    --hostname-override "$node" --node-ip "$node_ip"
  start kube-proxy "$bins/kube-proxy" --config "$state/kube-proxy.yaml"
  start kube-controller-manager "$bins/kube-controller-manager" \
    --kubeconfig "$state/controller-manager.kubeconfig" --bind-address 127.0.0.1 --leader-elect=false \
    --service-account-private-key-file "$pki/sa.key" --root-ca-file "$pki/ca.crt" \
    --cluster-signing-cert-file "$pki/ca.crt" --cluster-signing-key-file "$pki/ca.key" \
    --use-service-account-credentials --service-cluster-ip-range "$svc_cidr"
  start kube-scheduler "$bins/kube-scheduler" \
    --kubeconfig "$state/scheduler.kubeconfig" --bind-address 127.0.0.1 --leader-elect=false
}

import_images() {
  local f
  for f in "$root"/dist/*.tar; do
    [[ -f "$f" ]] || die "no images in $root/dist: run 'make images' first"
    ctr --address "$sock" -n k8s.io images import "$f" >/dev/null || die "ctr import $f failed"
    log "imported $(basename "$f")"
  done
}

up() {
  local t0=$SECONDS
  install_packages
  bins="$("$root/hack/k8s-bin.sh" etcd kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy kubectl)"
  kubectl="$bins/kubectl"
  [[ -f "$root/dist/pause.tar" ]] || die "no $root/dist/pause.tar: run 'make images' first"
  mkdir -p "$state" "$run" "$logs" "$pids"
  setup_network
  setup_pki
  write_configs
  start_all
  wait_for "node $node Ready" 120 bash -c "'$kubectl' --kubeconfig '$state/admin.kubeconfig' get node $node -o jsonpath='{.status.conditions[?(@.type==\"Ready\")].status}' | grep -qx True"
  # The default ServiceAccount must exist before pods can be created.
  wait_for "default service account" 60 kctl -n default get serviceaccount default
  log "up in $((SECONDS - t0))s; node $node Ready"
  echo "$state/admin.kubeconfig"
}

status() {
  local name pid
  for name in "${daemons[@]}"; do
    if pid="$(pid_of "$name")"; then echo "$name running (pid $pid)"; else echo "$name stopped"; fi
  done
  ip -br addr show "$dummy" 2>/dev/null || echo "$dummy absent"
  ip -br addr show "$bridge" 2>/dev/null || echo "$bridge absent"
  [[ -f "$state/admin.kubeconfig" ]] && echo "kubeconfig: $state/admin.kubeconfig"
  return 0
}

# --- teardown --------------------------------------------------------------

down() {
  local t0=$SECONDS
  bins="$("$root/hack/k8s-bin.sh" kubectl kube-proxy)"
  kubectl="$bins/kubectl"
  mkdir -p "$pids"
  stop kube-controller-manager
  stop kube-scheduler
  # Delete pods while kubelet and containerd run, so CNI releases their
  # addresses and veths and the kubelet unmounts their volumes.
  if pid_of kube-apiserver >/dev/null && pid_of kubelet >/dev/null; then
    kctl delete pods --all --all-namespaces --grace-period=5 --wait=true --timeout=60s >/dev/null 2>&1 ||
      log "some pods did not go in 60s; removing their containers directly"
  fi
  stop kubelet
  if pid_of containerd >/dev/null; then
    # Whatever the kubelet left: stop and remove the pods' containers.
    local c
    for c in $(ctr --address "$sock" -n k8s.io tasks ls -q 2>/dev/null); do
      ctr --address "$sock" -n k8s.io tasks kill -s SIGKILL "$c" >/dev/null 2>&1 || true
    done
    sleep 1
    for c in $(ctr --address "$sock" -n k8s.io tasks ls -q 2>/dev/null); do
      ctr --address "$sock" -n k8s.io tasks delete -f "$c" >/dev/null 2>&1 || true
    done
  fi
  stop kube-proxy
  stop containerd
  kill_shims
  stop kube-apiserver 20
  stop etcd
  unmount_all
  remove_cgroups
  remove_netns
  if [[ -x "$bins/kube-proxy" ]]; then
    "$bins/kube-proxy" --cleanup >/dev/null 2>&1 || true
  fi
  remove_chains
  ip link del "$bridge" 2>/dev/null || true
  ip link del "$dummy" 2>/dev/null || true
  restore_sysctls
  # Folders containerd and its CNI library made, when nothing else uses them.
  rmdir /run/netns /var/lib/cni/results /var/lib/cni 2>/dev/null || true
  # The next up starts from an empty cluster; certificates and logs stay
  # (RUNTIMELAB_DEV_WIPE=1 removes them too). Nothing is removed while a
  # mount is left under the state directory.
  if awk -v s="$state/" -v r="$run/" 'index($5, s) == 1 || index($5, r) == 1 {found = 1} END {exit !found}' /proc/self/mountinfo; then
    die "mounts remain under $state or $run; not removing them (see /proc/self/mountinfo)"
  fi
  rm -rf "$run" "$state/etcd" "$state/kubelet" "$state/containerd" "$state/cni"
  if [[ "${RUNTIMELAB_DEV_WIPE:-}" == 1 ]]; then rm -rf "$state"; fi
  log "down in $((SECONDS - t0))s"
}

# kill_shims ends containerd-shim processes serving our containerd: found
# by the socket address on their command line, each killed by PID.
kill_shims() {
  local p
  for p in /proc/[0-9]*; do
    [[ "$(readlink "$p/exe" 2>/dev/null)" == *containerd-shim* ]] || continue
    if [[ "$(tr '\0' ' ' < "$p/cmdline" 2>/dev/null)" == *"$sock"* ]]; then
      log "killing leftover shim ${p#/proc/}"
      kill -KILL "${p#/proc/}" 2>/dev/null || true
    fi
  done
}

unmount_all() {
  local m
  # Deepest first; only mounts under this script's own directories.
  while read -r m; do
    umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || log "cannot unmount $m"
  done < <(awk -v s="$state/" -v r="$run/" 'index($5, s) == 1 || index($5, r) == 1 || $5 == substr(s, 1, length(s) - 1) {print $5}' /proc/self/mountinfo | sort -r)
}

# cgroup_dirs prints this cluster's cgroup root in every hierarchy (v1: one
# per controller; v2: the unified one).
cgroup_dirs() {
  local h
  for h in /sys/fs/cgroup/*/ /sys/fs/cgroup/; do
    [[ -L "${h%/}" || ! -f "$h/cgroup.procs" ]] && continue
    echo "${h%/}/$cgroot"
  done
}

# make_cgroot creates the kubelet's cgroupRoot, which must exist before it
# starts; a v1 cpuset child needs its CPUs and memory nodes set.
make_cgroot() {
  local d
  while read -r d; do
    mkdir -p "$d"
    if [[ -f "$d/cpuset.cpus" && -z "$(cat "$d/cpuset.cpus")" ]]; then
      cat "$(dirname "$d")/cpuset.cpus" > "$d/cpuset.cpus"
      cat "$(dirname "$d")/cpuset.mems" > "$d/cpuset.mems"
    fi
  done < <(cgroup_dirs)
}

remove_cgroups() {
  local d pid
  # Containers whose shim is gone (containerd killed) still run in their
  # pod cgroups: every process there is one the kubelet started.
  while read -r pid; do
    log "killing leftover container process $pid"
    kill -KILL "$pid" 2>/dev/null || true
  done < <(cgroup_dirs | while read -r d; do [[ -d "$d" ]] && find "$d" -name cgroup.procs -exec cat {} +; done 2>/dev/null | sort -u)
  sleep 0.2
  while read -r d; do
    [[ -d "$d" ]] || continue
    find "$d" -depth -type d -exec rmdir {} + 2>/dev/null || true
  done < <(cgroup_dirs)
}

remove_netns() {
  local f n
  for f in /run/netns/cni-*; do
    [[ -e "$f" ]] || continue
    n="${f##*/}"
    grep -qx "$n" "$state/netns.before" 2>/dev/null && continue
    umount "/run/netns/$n" 2>/dev/null || true
    rm -f "/run/netns/$n"
  done
  rm -f "$state/netns.before"
}

# remove_chains deletes the chains the kubelet and the portmap plugin leave.
remove_chains() {
  local ipt table chain
  for ipt in iptables ip6tables; do
    command -v "$ipt" >/dev/null || continue
    for table in filter nat mangle; do
      for chain in $("$ipt" -t "$table" -S 2>/dev/null | awk '$1 == "-N" && ($2 ~ /^KUBE-/ || $2 ~ /^CNI-/) {print $2}'); do
        # Rules in built-in chains that jump to it go first.
        "$ipt" -t "$table" -S 2>/dev/null | awk -v c="$chain" '$1 == "-A" && $0 ~ ("-j " c "( |$)") {sub(/^-A/, "-D"); print}' |
          while read -r rule; do eval "$ipt -t $table $rule" 2>/dev/null || true; done
      done
      for chain in $("$ipt" -t "$table" -S 2>/dev/null | awk '$1 == "-N" && ($2 ~ /^KUBE-/ || $2 ~ /^CNI-/) {print $2}'); do
        "$ipt" -t "$table" -F "$chain" 2>/dev/null || true
      done
      for chain in $("$ipt" -t "$table" -S 2>/dev/null | awk '$1 == "-N" && ($2 ~ /^KUBE-/ || $2 ~ /^CNI-/) {print $2}'); do
        "$ipt" -t "$table" -X "$chain" 2>/dev/null || true
      done
    done
  done
}

restore_sysctls() {
  local f="$state/sysctl.saved" line
  [[ -f "$f" ]] || return 0
  while IFS= read -r line; do
    sysctl -qw "$line" || log "cannot restore $line"
  done < "$f"
  rm -f "$f"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) status ;;
  *) echo "usage: $0 up|down|status" >&2; exit 2 ;;
esac
