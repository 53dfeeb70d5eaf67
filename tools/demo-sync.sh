#!/usr/bin/env bash
# `make demo-sync`: the in-cluster agent alb-member-sync keeping a server group's members in step
# with a workload scaled through kube-local, with no Terraform run in between. Starts alb-mock and
# kube-local, applies examples/member-sync once (its ingress hands the members to the agent with
# member_sync = "agent"), starts the agent, scales and replaces the workload's pods through the
# Kubernetes API and shows the members following, then an empty `terraform plan`, the agent's
# metrics, SIGTERM (the Lease is released) and destroy. Needs `make build` first (the Makefile
# does it). Whatever it started is stopped on exit, on failure and on Ctrl-C.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bin="${CARGO_TARGET_DIR:-$root/target}/debug"
terraform="${TF_ACC_TERRAFORM_PATH:-terraform}"
provider="${TF_ACC_PROVIDER_PATH:-$bin/terraform-provider-alb}"
port="${ALB_MOCK_PORT:-18080}"
agent_port="${ALB_MEMBER_SYNC_PORT:-18081}"
work="$(mktemp -d)"
namespace="shop" node_suffix=""
pids=()
stop_all() {
  for pid in ${pids[@]+"${pids[@]}"}; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap stop_all EXIT
trap 'echo "demo-sync: interrupted" >&2; exit 130' INT TERM
trap 'echo "demo-sync: FAILED at line $LINENO (agent log: tail below)" >&2; tail -20 "$work/agent.log" >&2 || true' ERR
# step, wait_until, kube_field, kube, slice_json
source "$root/tools/demo_lib.sh"

step "starting alb-mock on 127.0.0.1:$port and kube-local"
"$bin/alb-mock" --listen "127.0.0.1:$port" --async-delay-ms 100 >"$work/mock.log" 2>&1 &
pids+=($!)
state_url="http://127.0.0.1:$port/__mock/state"
kubeconfig="$work/kubeconfig"
KUBE_LOCAL_TOKEN="demo-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')" "$bin/kube-local" \
  --listen 127.0.0.1:0 --kubeconfig-out "$kubeconfig" >"$work/kube.log" 2>&1 &
pids+=($!)
wait_until alb-mock curl -sf "$state_url"
wait_until kube-local test -s "$kubeconfig"
server="$(kube_field server)"
kube_field certificate-authority-data >"$work/ca.pem"
auth=(-H "Authorization: Bearer $(kube_field token)")
wait_until kube-local curl -sf --cacert "$work/ca.pem" "${auth[@]}" "$server/version"

step "creating the workload: Service web with 2 pods in namespace $namespace"
slices=/apis/discovery.k8s.io/v1/namespaces/$namespace/endpointslices
kube POST /api/v1/namespaces '{"metadata":{"name":"'"$namespace"'"}}'
kube POST /api/v1/namespaces/$namespace/services \
  '{"metadata":{"name":"web"},"spec":{"ports":[{"name":"http","port":80,"targetPort":8080}]}}'
kube POST $slices "$(slice_json web http 8080 10.0.1.10@node-a 10.0.1.11@node-b)"

cat >"$work/cli.tfrc" <<CFG
provider_installation {
  dev_overrides {
    "example/alb" = "$(dirname "$provider")"
  }
  direct {}
}
CFG
export TF_CLI_CONFIG_FILE="$work/cli.tfrc" CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1
cp "$root/examples/member-sync/main.tf" "$work/main.tf"
cd "$work"
tf() {
  "$terraform" "$@" -input=false -no-color -compact-warnings \
    -var "endpoint=http://127.0.0.1:$port" -var "kubeconfig=$kubeconfig" -var "namespace=$namespace"
}
# members: the IPs of the agent's group as the mock holds them (servers being removed left out).
members() {
  curl -sf "$state_url" | python3 -c '
import json, sys
groups = [g for g in json.load(sys.stdin)["ServerGroups"]
          if {"Key": "alb.terraform/members", "Value": "agent"} in g.get("Tags", [])]
print(" ".join(sorted(s["ServerId"] for g in groups for s in g["Servers"] if s["Status"] != "Removing")))'
}
# follow WANTED...: waits (up to 30 s) until the group holds exactly WANTED, prints how long it took.
follow() {
  local want started=$SECONDS
  want="$(printf '%s\n' "$@" | sort | tr '\n' ' ' | sed 's/ $//')"
  for _ in $(seq 600); do
    if [[ "$(members)" == "$want" ]]; then
      echo "members now: $want (after ~$((SECONDS - started)) s, no Terraform run)"
      return 0
    fi
    sleep 0.05
  done
  echo "demo-sync: members are '$(members)', expected '$want'" >&2
  return 1
}

step "terraform apply examples/member-sync (member_sync = \"agent\": Terraform creates the group, the agent owns its members)"
tf apply -auto-approve | grep -E '^(alb_|Apply complete)'

step "starting alb-member-sync (leader election on a Lease in kube-system, /metrics on 127.0.0.1:$agent_port)"
"$bin/alb-member-sync" --region cn-hangzhou --endpoint "http://127.0.0.1:$port" \
  --access-key mock-access-key --secret-key mock-secret-key --cluster-id c-demo \
  --kubeconfig "$kubeconfig" --identity demo-agent --debounce 500ms \
  --listen "127.0.0.1:$agent_port" --log-format text >"$work/agent.log" 2>&1 &
agent_pid=$!
pids+=("$agent_pid")
wait_until alb-member-sync curl -sf "http://127.0.0.1:$agent_port/readyz"
follow 10.0.1.10 10.0.1.11

step "scaling web from 2 to 5 pods through the Kubernetes API"
kube PATCH $slices/web-demo "$(slice_json web http 8080 10.0.1.10@node-a 10.0.1.11@node-b \
  10.0.1.12@node-c 10.0.1.13@node-a 10.0.1.14@node-b)" application/merge-patch+json
follow 10.0.1.10 10.0.1.11 10.0.1.12 10.0.1.13 10.0.1.14

step "rolling update: all 5 pods replaced by 3 new ones"
kube PATCH $slices/web-demo "$(slice_json web http 8080 10.0.2.20@node-a 10.0.2.21@node-b \
  10.0.2.22@node-c)" application/merge-patch+json
follow 10.0.2.20 10.0.2.21 10.0.2.22
curl -sf "$state_url" | python3 -c '
import json, sys
for g in json.load(sys.stdin)["ServerGroups"]:
    if {"Key": "alb.terraform/members", "Value": "agent"} in g.get("Tags", []):
        print("fewest members serving at any moment so far:", g["MinServingServers"],
              "(adds come before removals)")'

step "terraform plan -detailed-exitcode (expected: no changes, exit code 0: Terraform does not plan the agent's members)"
tf plan -detailed-exitcode | tail -3

step "the agent's metrics"
curl -sf "http://127.0.0.1:$agent_port/metrics" | grep -E '^alb_member_sync_(members_(added|removed)_total|reconciles_total|leader|groups|alb_api_calls_total\{action="(Add|Remove)Servers)'

step "SIGTERM: the agent stops and releases its Lease"
kill -TERM "$agent_pid"
wait "$agent_pid"
kube GET /apis/coordination.k8s.io/v1/namespaces/kube-system/leases/alb-member-sync ''
python3 -c 'import json,sys; s=json.load(open(sys.argv[1]))["spec"]; print("lease holder:", s.get("holderIdentity") or "(none)")' "$work/kube.out"

step "terraform destroy"
tf destroy -auto-approve | grep -E '^(Destroy complete)'
step "done"
