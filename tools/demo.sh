#!/usr/bin/env bash
# `make demo`: start the local ALB mock, plan examples/complete with real Terraform and show the
# plan-report of that plan, apply it, show what the load balancer now holds, then destroy it again.
# Needs `make build` first (the Makefile does it).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
terraform="${TF_ACC_TERRAFORM_PATH:-terraform}"
port="${ALB_MOCK_PORT:-18080}"
work="$(mktemp -d)"
trap 'kill "${mock_pid:-}" 2>/dev/null || true; rm -rf "$work"' EXIT

"$root/target/debug/alb-mock" --listen "127.0.0.1:$port" --async-delay-ms 100 >"$work/mock.log" 2>&1 &
mock_pid=$!
state_url="http://127.0.0.1:$port/__mock/state"
# Wait until the mock answers (it binds within milliseconds; give up after 10 s).
python3 - "$state_url" <<'PY'
import sys, time, urllib.request
deadline = time.time() + 10
while True:
    try:
        urllib.request.urlopen(sys.argv[1], timeout=1).read()
        break
    except OSError:
        if time.time() > deadline:
            sys.exit("alb-mock did not start")
        time.sleep(0.05)
PY

cat >"$work/cli.tfrc" <<CFG
provider_installation {
  dev_overrides {
    "example/alb" = "$root/target/debug"
  }
  direct {}
}
CFG
export TF_CLI_CONFIG_FILE="$work/cli.tfrc" CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1
cp "$root/examples/complete/main.tf" "$work/main.tf"
cd "$work"
tf() { "$terraform" "$@" -no-color -var "endpoint=http://127.0.0.1:$port"; }

echo "== terraform plan"
tf plan -input=false -out=demo.tfplan
echo "== terraform-provider-alb plan-report (the pull-request comment for this plan)"
"$terraform" show -json demo.tfplan >plan.json
# Exit 2 means "something needs attention"; the demo only shows the report.
"$root/target/debug/terraform-provider-alb" plan-report --no-attention-exit plan.json
echo "== terraform apply"
"$terraform" apply -no-color -input=false demo.tfplan   # a saved plan carries its variables
echo "== what the local ALB now holds"
python3 - "$state_url" <<'PY'
import json, sys, urllib.request
state = json.load(urllib.request.urlopen(sys.argv[1]))
for kind, items in state.items():
    if isinstance(items, list):
        print(f"{kind}: {len(items)}")
ports = {l["ListenerId"]: f'{l["ListenerProtocol"]}:{l["ListenerPort"]}' for l in state["Listeners"]}
groups = {g["ServerGroupId"]: g["ServerGroupName"] for g in state["ServerGroups"]}
def values(c):
    config = next((v for k, v in c.items() if k.endswith("Config")), {})
    vals = config.get("Values") or [f'{kv.get("Key")}={kv.get("Value")}' for kv in config.get("Values", [])]
    key = config.get("Key")
    return f'{c["Type"]}{"[" + key + "]" if key else ""}={",".join(map(str, vals))}'
def action(a):
    tuples = (a.get("ForwardGroupConfig") or {}).get("ServerGroupTuples") or []
    targets = ",".join(f'{groups.get(t["ServerGroupId"], t["ServerGroupId"])}({t.get("Weight")})' for t in tuples)
    return a["Type"] + (f" {targets}" if targets else "")
print("rules:")
for r in sorted(state["Rules"], key=lambda r: (ports.get(r["ListenerId"], ""), r["Priority"])):
    conditions = " ".join(values(c) for c in r["RuleConditions"])
    actions = " + ".join(action(a) for a in sorted(r["RuleActions"], key=lambda a: a["Order"]))
    print(f'  {ports.get(r["ListenerId"])} #{r["Priority"]} {conditions} -> {actions}')
PY
echo "== terraform plan (expected: no changes)"
tf plan -input=false -detailed-exitcode
echo "== terraform destroy"
tf destroy -input=false -auto-approve
