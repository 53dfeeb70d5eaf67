//! Reading what exists on the load balancer into the model's actual-state types.

mod acl;
mod config;

pub use config::FoundLoadBalancer;
pub(crate) mod ingress;

use std::collections::BTreeMap;

use alb_api::common::Tag;
use alb_api::listener::{ListListenersRequest, Listener};
use model::desired::ListenerKey;

use crate::convert::listener_key;
use crate::{ReconcileError, Reconciler};

impl Reconciler {
    /// Every listener of the load balancer with its key; listeners whose protocol or port the
    /// model cannot represent are skipped (with a warning).
    pub(crate) async fn list_listeners(
        &self,
        lb_id: &str,
    ) -> Result<Vec<(ListenerKey, Listener)>, ReconcileError> {
        let listeners = self
            .client
            .list_all(ListListenersRequest {
                load_balancer_ids: vec![lb_id.to_owned()],
                ..Default::default()
            })
            .await?;
        Ok(listeners
            .into_iter()
            .filter_map(|l| match listener_key(&l) {
                Ok(key) => Some((key, l)),
                Err(e) => {
                    tracing::warn!(listener = %l.listener_id, error = %e, "listener skipped");
                    None
                }
            })
            .collect())
    }

    /// The ids of the load balancer's listeners by key (see [`Self::list_listeners`]): what
    /// [`Self::observe_ingress`] reads rules from.
    pub async fn listener_ids(
        &self,
        lb_id: &str,
    ) -> Result<BTreeMap<ListenerKey, String>, ReconcileError> {
        Ok(self
            .list_listeners(lb_id)
            .await?
            .into_iter()
            .map(|(key, l)| (key, l.listener_id))
            .collect())
    }
}

/// A tag filter from (key, value) pairs.
fn tag_filter<'a>(pairs: impl IntoIterator<Item = (&'a String, &'a String)>) -> Vec<Tag> {
    pairs.into_iter().map(|(k, v)| Tag::new(k, v)).collect()
}
