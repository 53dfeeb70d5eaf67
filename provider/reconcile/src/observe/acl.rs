//! Observation of listener ACLs: what is bound to a listener, and the config's managed ACLs.

use alb_api::acl::{ListAclEntriesRequest, ListAclsRequest};
use alb_api::listener::ListenerIdRequest;
use model::diff::ActualAcl;
use model::ownership::{config_tags, ResourceKind};
use model::spec::AclType;

use super::tag_filter;
use crate::convert::{parse_enum, tags_from_api};
use crate::{ReconcileError, Reconciler};

/// Binding statuses of an ACL on its way off a listener.
const UNBINDING: [&str; 2] = ["Dissociating", "Dissociated"];
/// Entry status of an entry on its way out \[INF\].
const REMOVING: &str = "Removing";

impl Reconciler {
    /// The type and ids of the ACLs bound to listener `id` (`GetListenerAttribute`
    /// `AclConfig`; ACLs being dissociated left out).
    pub(crate) async fn bound_acls(
        &self,
        id: &str,
    ) -> Result<(Option<AclType>, Vec<String>), ReconcileError> {
        let listener = self
            .client
            .get_listener_attribute(&ListenerIdRequest::new(id))
            .await?
            .listener;
        let Some(config) = listener.acl_config else {
            return Ok((None, Vec::new()));
        };
        let ids: Vec<String> = config
            .acl_relations
            .into_iter()
            .filter(|r| !r.status.as_deref().is_some_and(|s| UNBINDING.contains(&s)))
            .map(|r| r.acl_id)
            .collect();
        let kind = match config.acl_type.as_deref() {
            Some(t) if !t.is_empty() && !ids.is_empty() => Some(parse_enum("ACL type", t)?),
            _ => None,
        };
        Ok((kind, ids))
    }

    /// The ACLs the config `config` owns (ownership tags cluster + config + `acl`) with their
    /// entries.
    pub(crate) async fn owned_acls(&self, config: &str) -> Result<Vec<ActualAcl>, ReconcileError> {
        let filter = config_tags(&self.cluster_id, config, ResourceKind::Acl, None);
        let acls = self
            .client
            .list_all(ListAclsRequest {
                tags: tag_filter(&filter),
                ..Default::default()
            })
            .await?;
        let mut out = Vec::with_capacity(acls.len());
        for a in acls {
            let entries = self
                .client
                .list_all(ListAclEntriesRequest {
                    acl_id: a.acl_id.clone(),
                    ..Default::default()
                })
                .await?
                .into_iter()
                .filter(|e| e.status.as_deref() != Some(REMOVING))
                .map(|e| e.entry)
                .collect();
            out.push(ActualAcl {
                tags: tags_from_api(&a.tags),
                id: a.acl_id,
                name: a.acl_name,
                entries,
            });
        }
        Ok(out)
    }
}
