//! `Retag`: an object another tool made becomes this provider's (a takeover, see
//! `model::takeover`).

use alb_api::job::{TagResourcesRequest, UnTagResourcesRequest};
use model::ownership::Tags;
use model::takeover::RetagTarget;

use super::run::{derived_token, Run};
use crate::convert::tags_to_api;
use crate::ReconcileError;

impl Run<'_> {
    /// `TagResources` with `add`, then `UnTagResources` of `remove` (each only when not
    /// empty). A re-tagged server group is known to the run by `key` from then on, so the
    /// rules of the same run forward to it.
    pub(super) async fn retag(
        &self,
        target: RetagTarget,
        (id, key): (&str, &str),
        add: &Tags,
        remove: &[String],
        token: &str,
    ) -> Result<(), ReconcileError> {
        let resource_type = target.resource_type().to_owned();
        let resource_id = vec![id.to_owned()];
        if !add.is_empty() {
            let request = TagResourcesRequest {
                resource_type: resource_type.clone(),
                resource_id: resource_id.clone(),
                tag: tags_to_api(add),
            };
            let t = derived_token(token, "TagResources", &request);
            self.client().tag_resources(&request, Some(&t)).await?;
        }
        if !remove.is_empty() {
            let request = UnTagResourcesRequest {
                resource_type,
                resource_id,
                tag_key: remove.to_vec(),
                ..Default::default()
            };
            let t = derived_token(token, "UnTagResources", &request);
            self.client().un_tag_resources(&request, Some(&t)).await?;
        }
        if target == RetagTarget::ServerGroup {
            self.adopted_group(key, id);
        }
        Ok(())
    }
}
