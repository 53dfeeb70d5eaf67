//! Observation of an `alb_config`: the load balancer, its listeners (with their ACLs) and the
//! config's placeholder server groups and ACLs.

use alb_api::listener::ListListenerCertificatesRequest;
use alb_api::load_balancer::ListLoadBalancersRequest;
use model::acl::listener_acl;
use model::desired::AccessLog;
use model::diff::{ActualListener, ActualLoadBalancer, ActualPlaceholder};
use model::ownership::{
    config_tags, in_creation, owns_config_object, ResourceKind, TAG_CONFIG, TAG_RESOURCE,
};
use model::spec::ListenerProtocol;

use super::tag_filter;
use crate::convert::{
    default_server_group, listener_attributes_from_api, parse_enum, tags_from_api,
    zone_mapping_from_api,
};
use crate::{ReconcileError, Reconciler};

impl Reconciler {
    /// The load balancer, all its listeners (whoever owns them; the bound ACLs read for the
    /// config's own listeners only, each listener's `acl` reconstructed from them), and the
    /// config's placeholder groups and ACLs (found by the ownership tags cluster + config +
    /// `placeholder` / `acl`); `Ok(None)` when the load balancer does not exist.
    pub async fn observe_config(
        &self,
        lb_id: &str,
        config: &str,
    ) -> Result<Option<ActualLoadBalancer>, ReconcileError> {
        let Some(lb) = self.load_balancer(lb_id).await? else {
            return Ok(None);
        };
        let mut listeners = Vec::new();
        for (key, l) in self.listeners(lb_id).await?.iter().cloned() {
            let certificates = if key.protocol == ListenerProtocol::Http {
                Vec::new()
            } else {
                self.client
                    .list_all(ListListenerCertificatesRequest {
                        listener_id: l.listener_id.clone(),
                        ..Default::default()
                    })
                    .await?
            };
            let tags = tags_from_api(&l.tags);
            let (acl_type, acl_ids) = if owns_config_object(&tags, &self.cluster_id, config) {
                self.bound_acls(&l.listener_id).await?
            } else {
                (None, Vec::new())
            };
            listeners.push(ActualListener {
                attributes: listener_attributes_from_api(&l, key, &certificates)?,
                default_server_group_id: default_server_group(&l),
                tags,
                id: l.listener_id,
                key,
                acl_type,
                acl_ids,
            });
        }
        let acls = self.owned_acls(config).await?;
        for l in &mut listeners {
            l.attributes.acl = listener_acl(l, &acls);
        }
        let placeholders = self
            .config_groups(lb_id, config)
            .await?
            .iter()
            .map(|g| (g, tags_from_api(&g.tags)))
            .filter(|(_, tags)| {
                tags.get(TAG_RESOURCE).map(String::as_str)
                    == Some(ResourceKind::Placeholder.as_str())
            })
            .map(|(g, tags)| ActualPlaceholder {
                tags,
                id: g.server_group_id.clone(),
            })
            .collect();
        let access_log = lb.access_log_config.as_ref().and_then(|a| {
            match (a.log_project.as_deref(), a.log_store.as_deref()) {
                (Some(p), Some(s)) if !p.is_empty() && !s.is_empty() => Some(AccessLog {
                    project: p.to_owned(),
                    logstore: s.to_owned(),
                }),
                _ => None,
            }
        });
        tracing::debug!(
            lb_id,
            config,
            listeners = listeners.len(),
            "observed config"
        );
        Ok(Some(ActualLoadBalancer {
            id: lb.load_balancer_id.clone(),
            name: lb.load_balancer_name.clone().unwrap_or_default(),
            deletion_protection: lb
                .deletion_protection_config
                .as_ref()
                .is_some_and(|d| d.enabled),
            access_log,
            tags: tags_from_api(&lb.tags),
            // Tolerant: a spelling the model does not know is reported as unknown (`None`).
            edition: lb
                .load_balancer_edition
                .as_deref()
                .and_then(|e| parse_enum("edition", e).ok()),
            address_type: lb
                .address_type
                .as_deref()
                .and_then(|t| parse_enum("address type", t).ok()),
            zone_mappings: lb.zone_mappings.iter().map(zone_mapping_from_api).collect(),
            resource_group_id: lb.resource_group_id.clone().filter(|rg| !rg.is_empty()),
            listeners,
            placeholders,
            acls,
        }))
    }

    /// The load balancers that carry the ownership tags of `config` in this cluster (cluster,
    /// config and `load-balancer`), oldest first, those being deleted left out: what a create
    /// adopts (marked as in creation) or refuses (finished), see `model::ownership`.
    pub async fn find_config(
        &self,
        config: &str,
    ) -> Result<Vec<FoundLoadBalancer>, ReconcileError> {
        let filter = config_tags(&self.cluster_id, config, ResourceKind::LoadBalancer, None);
        self.found_load_balancers(ListLoadBalancersRequest {
            tag: tag_filter(&filter),
            ..Default::default()
        })
        .await
    }

    /// The load balancers named `name` that the provider created for cluster id `cluster_id`
    /// (tags cluster and `load-balancer`; whatever this reconciler's own cluster id), oldest
    /// first, those being deleted left out.
    pub async fn find_by_name(
        &self,
        name: &str,
        cluster_id: &str,
    ) -> Result<Vec<FoundLoadBalancer>, ReconcileError> {
        let owner = config_tags(cluster_id, name, ResourceKind::LoadBalancer, None);
        let filter = owner.iter().filter(|(k, _)| *k != TAG_CONFIG);
        self.found_load_balancers(ListLoadBalancersRequest {
            load_balancer_names: vec![name.to_owned()],
            tag: tag_filter(filter),
            ..Default::default()
        })
        .await
    }

    /// Every load balancer `request` lists, oldest first, those being deleted left out.
    async fn found_load_balancers(
        &self,
        request: ListLoadBalancersRequest,
    ) -> Result<Vec<FoundLoadBalancer>, ReconcileError> {
        let mut found = self.client.list_all(request).await?;
        found.retain(|lb| lb.load_balancer_status != "Deleting");
        found.sort_by(|a, b| {
            (&a.create_time, &a.load_balancer_id).cmp(&(&b.create_time, &b.load_balancer_id))
        });
        Ok(found
            .into_iter()
            .map(|lb| FoundLoadBalancer {
                in_creation: in_creation(&tags_from_api(&lb.tags)),
                name: lb.load_balancer_name.unwrap_or_default(),
                id: lb.load_balancer_id,
            })
            .collect())
    }
}

/// A load balancer found by its ownership tags.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FoundLoadBalancer {
    /// Load balancer id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Whether it carries a creation mark (an unfinished create made it).
    pub in_creation: bool,
}
