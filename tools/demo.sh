#!/usr/bin/env bash
# `make demo`: start the local ALB mock, apply examples/complete with real Terraform, show what the
# load balancer now holds, then destroy it again. Needs `make build` first (the Makefile does it).
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
tf plan -input=false
echo "== terraform apply"
tf apply -input=false -auto-approve
echo "== what the local ALB now holds"
python3 - "$state_url" <<'PY'
import json, sys, urllib.request
state = json.load(urllib.request.urlopen(sys.argv[1]))
for kind, items in state.items():
    if isinstance(items, list):
        print(f"{kind}: {len(items)}")
PY
echo "== terraform plan (expected: no changes)"
tf plan -input=false -detailed-exitcode
echo "== terraform destroy"
tf destroy -input=false -auto-approve
