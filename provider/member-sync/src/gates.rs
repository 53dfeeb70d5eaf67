//! The pod readiness gate: a pod whose `spec.readinessGates` lists [`CONDITION_TYPE`] becomes
//! Ready only once the agent has set that condition `True`, which it does after the pod's IP is
//! a member of every agent server group (ip mode) that wants it. Rolling updates therefore
//! never take an old pod away before its replacement serves through the load balancer.
//!
//! Until then the pod is not Ready, so its endpoint is `ready: false`; the agent still
//! registers such an endpoint when the pod's containers are ready and only the gate is missing
//! ([`with_pending_ready`]), as ACK's readiness gates do.

use std::collections::HashMap;
use std::sync::Arc;

use k8s_openapi::api::core::v1::Pod;
use k8s_openapi::api::discovery::v1::EndpointSlice;
use kube::api::{Patch, PatchParams};
use kube::{Api, Client, ResourceExt};
use serde_json::json;

/// The condition type of the readiness gate.
pub const CONDITION_TYPE: &str = "alb.terraform/registered";

/// The reason written with the condition.
const REASON: &str = "RegisteredInServerGroups";

/// Whether the pod declares the gate.
pub fn declares_gate(pod: &Pod) -> bool {
    pod.spec
        .as_ref()
        .and_then(|s| s.readiness_gates.as_deref())
        .unwrap_or_default()
        .iter()
        .any(|g| g.condition_type == CONDITION_TYPE)
}

fn condition<'a>(pod: &'a Pod, kind: &str) -> Option<&'a str> {
    pod.status
        .as_ref()?
        .conditions
        .as_deref()?
        .iter()
        .find(|c| c.type_ == kind)
        .map(|c| c.status.as_str())
}

/// Whether the pod declares the gate and the gate is not yet `True`.
pub fn waiting(pod: &Pod) -> bool {
    declares_gate(pod) && condition(pod, CONDITION_TYPE) != Some("True")
}

/// Whether the pod waits only for the gate: gate not `True`, containers ready, not deleting.
pub fn pending(pod: &Pod) -> bool {
    waiting(pod)
        && condition(pod, "ContainersReady") == Some("True")
        && pod.metadata.deletion_timestamp.is_none()
}

/// The pod's IPv4 address, if it has one.
pub fn pod_ip(pod: &Pod) -> Option<&str> {
    pod.status
        .as_ref()?
        .pod_ip
        .as_deref()
        .filter(|ip| !ip.is_empty() && !ip.contains(':'))
}

/// `slice` with the endpoints of [`pending`] pods (by `targetRef`) counted ready, so the
/// member selection registers them; every other endpoint is unchanged.
pub fn with_pending_ready(
    slice: &EndpointSlice,
    pods: &HashMap<String, Arc<Pod>>,
) -> EndpointSlice {
    let mut slice = slice.clone();
    for endpoint in slice.endpoints.iter_mut().flatten() {
        let Some(target) = endpoint.target_ref.as_ref() else {
            continue;
        };
        let is_pending_pod = target.kind.as_deref() == Some("Pod")
            && target
                .name
                .as_ref()
                .and_then(|name| pods.get(name))
                .is_some_and(|pod| pending(pod));
        let conditions = endpoint.conditions.get_or_insert_with(Default::default);
        if is_pending_pod && conditions.terminating != Some(true) {
            conditions.ready = Some(true);
        }
    }
    slice
}

/// Sets the gate's condition `True` on the pod (`pods/status`, strategic merge by type).
pub async fn open(client: &Client, pod: &Pod) -> Result<(), kube::Error> {
    let namespace = pod.namespace().unwrap_or_default();
    let api: Api<Pod> = Api::namespaced(client.clone(), &namespace);
    let now =
        k8s_openapi::apimachinery::pkg::apis::meta::v1::Time(k8s_openapi::jiff::Timestamp::now());
    let patch = json!({"status": {"conditions": [{
        "type": CONDITION_TYPE,
        "status": "True",
        "reason": REASON,
        "message": "registered in every server group of alb-member-sync that wants it",
        "lastTransitionTime": now,
    }]}});
    api.patch_status(
        &pod.name_any(),
        &PatchParams::default(),
        &Patch::Strategic(&patch),
    )
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pod(gate: bool, containers_ready: &str, gate_status: Option<&str>) -> Pod {
        let mut conditions = vec![json!({"type": "ContainersReady", "status": containers_ready})];
        if let Some(status) = gate_status {
            conditions.push(json!({"type": CONDITION_TYPE, "status": status}));
        }
        let gates = if gate {
            json!([{"conditionType": CONDITION_TYPE}])
        } else {
            json!([])
        };
        serde_json::from_value(json!({
            "metadata": {"name": "web-1", "namespace": "shop"},
            "spec": {"containers": [{"name": "c", "image": "i"}], "readinessGates": gates},
            "status": {"podIP": "10.0.0.1", "conditions": conditions},
        }))
        .unwrap()
    }

    #[test]
    fn a_pod_is_pending_while_only_the_gate_is_missing() {
        assert!(pending(&pod(true, "True", None)));
        assert!(pending(&pod(true, "True", Some("False"))));
        assert!(!pending(&pod(true, "True", Some("True"))), "gate open");
        assert!(!pending(&pod(true, "False", None)), "containers not ready");
        assert!(!pending(&pod(false, "True", None)), "no gate");
        assert_eq!(pod_ip(&pod(true, "True", None)), Some("10.0.0.1"));
    }

    #[test]
    fn only_endpoints_of_pending_pods_count_ready() {
        let slice: EndpointSlice = serde_json::from_value(json!({
            "metadata": {"name": "web-a"},
            "addressType": "IPv4",
            "endpoints": [
                {"addresses": ["10.0.0.1"], "conditions": {"ready": false},
                 "targetRef": {"kind": "Pod", "name": "web-1"}},
                {"addresses": ["10.0.0.2"], "conditions": {"ready": false},
                 "targetRef": {"kind": "Pod", "name": "web-2"}},
                {"addresses": ["10.0.0.3"], "conditions": {"ready": false, "terminating": true},
                 "targetRef": {"kind": "Pod", "name": "web-3"}},
            ],
        }))
        .unwrap();
        let pods: HashMap<String, Arc<Pod>> = [
            ("web-1".to_owned(), Arc::new(pod(true, "True", None))),
            ("web-2".to_owned(), Arc::new(pod(true, "False", None))),
            ("web-3".to_owned(), Arc::new(pod(true, "True", None))),
        ]
        .into();
        let ready: Vec<Option<bool>> = with_pending_ready(&slice, &pods)
            .endpoints
            .unwrap_or_default()
            .iter()
            .map(|e| e.conditions.as_ref().and_then(|c| c.ready))
            .collect();
        assert_eq!(ready, [Some(true), Some(false), Some(false)]);
    }
}
