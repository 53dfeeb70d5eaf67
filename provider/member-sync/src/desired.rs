//! A group's wanted members from the caches, with the provider's member selection
//! (`cluster::select::members`): the same rules in Terraform plans and in the agent.

use std::collections::HashMap;
use std::sync::Arc;

use cluster::select::{self, SERVICE_NAME_LABEL};
use cluster::BackendError;
use k8s_openapi::api::core::v1::{Node, Pod};
use k8s_openapi::api::discovery::v1::EndpointSlice;
use kube::ResourceExt;
use model::desired::Member;
use model::expand::MemberRequest;
use model::spec::MemberMode;

use crate::caches::Caches;
use crate::gates;

/// The members `request` wants now: ready endpoints (plus those only waiting for the readiness
/// gate, see [`gates::with_pending_ready`]) in ip mode, eligible nodes in node-port mode.
pub fn members(request: &MemberRequest, caches: &Caches) -> Result<Vec<Member>, BackendError> {
    let services = caches.services.in_namespace(&request.namespace);
    let service = services.iter().find(|s| s.name_any() == request.service);
    let pods: HashMap<String, Arc<Pod>> = caches
        .pods
        .in_namespace(&request.namespace)
        .into_iter()
        .map(|p| (p.name_any(), p))
        .collect();
    let slices: Vec<EndpointSlice> = caches
        .slices
        .in_namespace(&request.namespace)
        .iter()
        .filter(|s| s.labels().get(SERVICE_NAME_LABEL) == Some(&request.service))
        .map(|s| gates::with_pending_ready(s, &pods))
        .collect();
    let slices: Vec<&EndpointSlice> = slices.iter().collect();
    let nodes: Vec<Node> = match request.mode {
        MemberMode::NodePort => caches.nodes.all().iter().map(|n| (**n).clone()).collect(),
        MemberMode::Ip => Vec::new(),
    };
    select::members(request, service.map(|s| &**s), &slices, &nodes)
}
