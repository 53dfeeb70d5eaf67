#!/usr/bin/env bash
# `make demo`: start the local ALB mock and the local Kubernetes API server (kube-local), create a
# sample workload through the Kubernetes API, plan examples/quickstart with real Terraform, show
# the plan-report of that plan, apply it, show what the load balancer holds, scale a workload and
# follow it with plan (and its report) and apply, re-plan empty, destroy. Needs `make build` first (the Makefile does it). Whatever it started is stopped on exit,
# on failure and on Ctrl-C.
#
# With ACC_KUBECONFIG set, the workload goes to that cluster instead of kube-local (token or
# client-certificate auth of the kubeconfig's first user): into a namespace named for this run,
# with nodes named and labelled for this run, all deleted again on exit.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bin="${CARGO_TARGET_DIR:-$root/target}/debug"
terraform="${TF_ACC_TERRAFORM_PATH:-terraform}"
provider="${TF_ACC_PROVIDER_PATH:-$bin/terraform-provider-alb}"
port="${ALB_MOCK_PORT:-18080}"
work="$(mktemp -d)"
pids=()
run_id="$(od -An -N5 -tx1 /dev/urandom | tr -d ' \n')"
cleanup_cluster() { :; }
stop_all() {
  cleanup_cluster
  for pid in ${pids[@]+"${pids[@]}"}; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap stop_all EXIT
trap 'echo "demo: interrupted" >&2; exit 130' INT TERM
trap 'echo "demo: FAILED at line $LINENO (logs above)" >&2' ERR
# step, wait_until, kube_field, kube, slice_json
source "$root/tools/demo_lib.sh"



if [[ -n "${ACC_KUBECONFIG:-}" ]]; then
  kube_what="the cluster of ACC_KUBECONFIG" started="alb-mock"
  namespace="demo-$run_id" node_suffix="-$run_id"
else
  kube_what="kube-local" started="alb-mock and kube-local"
  namespace="shop" node_suffix=""
fi
step "starting alb-mock on 127.0.0.1:$port; Kubernetes: $kube_what"
"$bin/alb-mock" --listen "127.0.0.1:$port" --async-delay-ms 100 >"$work/mock.log" 2>&1 &
pids+=($!)
state_url="http://127.0.0.1:$port/__mock/state"
if [[ -n "${ACC_KUBECONFIG:-}" ]]; then
  kubeconfig="$ACC_KUBECONFIG"
else
  kubeconfig="$work/kubeconfig"
  KUBE_LOCAL_TOKEN="demo-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')" "$bin/kube-local" \
    --listen 127.0.0.1:0 --kubeconfig-out "$kubeconfig" >"$work/kube.log" 2>&1 &
  pids+=($!)
fi
wait_until alb-mock curl -sf "$state_url"
wait_until kube-local test -s "$kubeconfig"

server="$(kube_field server)"
kube_field certificate-authority-data >"$work/ca.pem"
auth=()
token="$(kube_field token)"
if [[ -n "$token" ]]; then
  auth=(-H "Authorization: Bearer $token")
else
  kube_field client-certificate-data >"$work/client.pem"
  kube_field client-key-data >"$work/client.key"
  auth=(--cert "$work/client.pem" --key "$work/client.key")
fi
wait_until kube-local curl -sf --cacert "$work/ca.pem" "${auth[@]}" "$server/version"



step "creating the workload through the Kubernetes API: Services web and api (ip mode), legacy (NodePort) and three nodes in namespace $namespace"
# Deletes what the demo created in the cluster (on exit, before kube-local stops).
cleanup_cluster() {
  for node in a b c; do kube DELETE "/api/v1/nodes/node-$node$node_suffix" '' 2>/dev/null || true; done
  kube DELETE "/api/v1/namespaces/$namespace" '' 2>/dev/null || true
}
run_label='"alb.terraform.demo/run":"'"$run_id"'"'
kube POST /api/v1/namespaces '{"metadata":{"name":"'"$namespace"'"}}'
for node in a b c; do
  kube POST /api/v1/nodes "{\"metadata\":{\"name\":\"node-$node$node_suffix\",\"labels\":{$run_label}},\"spec\":{\"providerID\":\"cn-hangzhou.i-demo000$node\"}}"
  kube PATCH "/api/v1/nodes/node-$node$node_suffix/status" \
    '{"status":{"conditions":[{"type":"Ready","status":"True"}]}}' application/merge-patch+json
done
services=/api/v1/namespaces/$namespace/services
slices=/apis/discovery.k8s.io/v1/namespaces/$namespace/endpointslices
kube POST $services '{"metadata":{"name":"web"},"spec":{"ports":[{"name":"http","port":80,"targetPort":8080}]}}'
kube POST $services '{"metadata":{"name":"api"},"spec":{"ports":[{"name":"http","port":80,"targetPort":"api"}]}}'
kube POST $services '{"metadata":{"name":"legacy"},"spec":{"type":"NodePort","ports":[{"name":"http","port":80,"targetPort":8080,"nodePort":30080}]}}'
kube POST $slices "$(slice_json web http 8080 10.0.1.10@node-a 10.0.1.11@node-b)"
kube POST $slices "$(slice_json api http 9000 10.0.2.20@node-a 10.0.2.21@node-b 10.0.2.22@node-c)"
kube POST $slices "$(slice_json legacy http 8080 10.0.3.30@node-c)"

cat >"$work/cli.tfrc" <<CFG
provider_installation {
  dev_overrides {
    "example/alb" = "$(dirname "$provider")"
  }
  direct {}
}
CFG
export TF_CLI_CONFIG_FILE="$work/cli.tfrc" CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1
cp "$root/examples/quickstart/main.tf" "$work/main.tf"
cd "$work"
tf() {
  "$terraform" "$@" -input=false -no-color -compact-warnings \
    -var "endpoint=http://127.0.0.1:$port" -var "kubeconfig=$kubeconfig" \
    -var "namespace=$namespace" -var "node_selector={$run_label}"
}
tables() { python3 "$root/tools/demo_tables.py" "$state_url"; }

# report PLANFILE: the plan-report (the pull-request comment) of a saved plan. Its exit code 2
# means "something needs attention"; the demo only shows the report.
report() {
  "$terraform" show -json "$1" >"$1.json"
  "$provider" plan-report --no-attention-exit "$1.json"
}
# apply_saved PLANFILE: applies exactly that plan (a saved plan carries its variables).
apply_saved() { "$terraform" apply -input=false -no-color -compact-warnings "$1"; }

step "terraform plan examples/quickstart (members planned from the cluster)"
tf plan -out=create.tfplan
step "terraform-provider-alb plan-report of that plan (the pull-request comment)"
report create.tfplan
step "terraform apply of that plan"
apply_saved create.tfplan
step "what the local ALB now holds"
tables

step "scaling web from 2 to 4 pods: its EndpointSlice changes through the Kubernetes API"
kube PATCH $slices/web-demo \
  "$(slice_json web http 8080 10.0.1.10@node-a 10.0.1.11@node-b 10.0.1.12@node-c 10.0.1.13@node-a)" \
  application/merge-patch+json

step "terraform plan: the member drift (expected: exit code 2, two members added to web)"
code=0
tf plan -detailed-exitcode -out=scale.tfplan || code=$?
if [[ $code -ne 2 ]]; then
  echo "demo: expected the plan to show changes (exit code 2), got $code" >&2
  exit 1
fi
step "terraform-provider-alb plan-report of the drift"
report scale.tfplan

step "terraform apply: add the new members"
apply_saved scale.tfplan
step "what the local ALB now holds"
tables

step "terraform plan -detailed-exitcode (expected: no changes, exit code 0)"
tf plan -detailed-exitcode
step "terraform destroy"
# The destroy plan repeats the state printed above: show only the progress lines.
tf destroy -auto-approve | grep -E '^(alb_|Plan:|Destroy complete)'
step "done: stopping $started, deleting the demo's workload"
