# Shell functions shared by tools/demo.sh and tools/demo-sync.sh (sourced, not run). They use the
# caller's variables: work (scratch directory), kubeconfig, server and auth (the Kubernetes API
# and its credentials, set after kube_field), node_suffix.

step() { printf '\n==> [%3ss] %s\n' "$SECONDS" "$*"; }

# Polls `test_command...` every 50 ms for up to 10 s.
wait_until() {
  local what="$1"
  shift
  for _ in $(seq 200); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.05
  done
  echo "demo: $what did not start" >&2
  return 1
}

# The first occurrence of a kubeconfig field (kube-local writes JSON strings, kind plain
# scalars; `*-data` fields are decoded). Enough for one-cluster kubeconfigs like theirs.
kube_field() { python3 - "$kubeconfig" "$1" <<'PY'
import base64, json, sys
for line in open(sys.argv[1]):
    key, _, value = line.strip().lstrip("- ").partition(": ")
    if key == sys.argv[2]:
        value = json.loads(value) if value.startswith('"') else value
        print(base64.b64decode(value).decode() if key.endswith("-data") else value)
        break
PY
}

# kube METHOD PATH BODY [CONTENT-TYPE]: one Kubernetes API call; fails with the API's Status.
kube() {
  local code
  code="$(curl -sS -o "$work/kube.out" -w '%{http_code}' --cacert "$work/ca.pem" \
    "${auth[@]}" -H "Content-Type: ${4:-application/json}" \
    -X "$1" --data "$3" "$server$2")"
  if [[ "$code" != 2* ]]; then
    echo "demo: $1 $2 -> HTTP $code: $(cat "$work/kube.out")" >&2
    return 1
  fi
}

# The JSON of an EndpointSlice of SERVICE with one port (NAME, NUMBER) and ready endpoints
# "IP@NODE ...", managed by this demo (no controller owns Services without a selector).
slice_json() {
  local service="$1" port_name="$2" port_number="$3" endpoints="" ip node
  shift 3
  for endpoint in "$@"; do
    ip="${endpoint%@*}" node="${endpoint#*@}"
    endpoints+="${endpoints:+,}{\"addresses\":[\"$ip\"],\"nodeName\":\"$node$node_suffix\",\"conditions\":{\"ready\":true}}"
  done
  printf '{"metadata":{"name":"%s-demo","labels":{"kubernetes.io/service-name":"%s","endpointslice.kubernetes.io/managed-by":"make-demo"}},"addressType":"IPv4","ports":[{"name":"%s","port":%s,"protocol":"TCP"}],"endpoints":[%s]}' \
    "$service" "$service" "$port_name" "$port_number" "$endpoints"
}
