//! `Retag`: an object another tool made becomes this provider's (a takeover, see
//! `model::takeover`).

use alb_api::job::UnTagResourcesRequest;
use model::ownership::{ResourceKind, Tags};

use super::config::tag_resource_type;
use super::run::{derived_token, Run};
use crate::ReconcileError;

impl Run<'_> {
    /// The tags `add` (as [`Run::adopt`] adds ownership tags), then `UnTagResources` of `remove`
    /// (each only when not empty). A re-tagged server group is known to the run by `key` from
    /// then on, so the rules of the same run forward to it.
    pub(super) async fn retag(
        &self,
        resource: ResourceKind,
        (id, key): (&str, &str),
        add: &Tags,
        remove: &[String],
        token: &str,
    ) -> Result<(), ReconcileError> {
        if !add.is_empty() {
            self.adopt(resource, id, add, token).await?;
        }
        if !remove.is_empty() {
            let request = UnTagResourcesRequest {
                resource_type: tag_resource_type(resource).to_owned(),
                resource_id: vec![id.to_owned()],
                tag_key: remove.to_vec(),
                ..Default::default()
            };
            let t = derived_token(token, "UnTagResources", &request);
            self.client().un_tag_resources(&request, Some(&t)).await?;
        }
        if resource == ResourceKind::ServerGroup {
            self.adopted_group(key, id);
        }
        Ok(())
    }
}
