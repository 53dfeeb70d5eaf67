//! Operations on listener ACLs: creating a managed ACL, changing its entries, binding ACLs to
//! listeners and unbinding them (deletion is in `delete`).

use alb_api::acl::{
    AclEntryInput, AssociateAclsWithListenerRequest, CreateAclRequest,
    DissociateAclsFromListenerRequest,
};
use model::diff::{AclRef, ListenerRef};
use model::ownership::Tags;
use model::spec::AclType;

use super::run::Run;
use crate::convert::tags_to_api;
use crate::ReconcileError;

impl Run<'_> {
    /// `CreateAcl` with its ownership tags, recorded as ACL `key`, job awaited.
    pub(super) async fn create_acl(
        &self,
        key: &str,
        name: &str,
        tags: &Tags,
        token: &str,
    ) -> Result<(), ReconcileError> {
        let request = CreateAclRequest {
            acl_name: name.to_owned(),
            tags: tags_to_api(tags),
            ..Default::default()
        };
        let response = self.client().create_acl(&request, Some(token)).await?;
        self.created_acl(key, &response.acl_id);
        self.job_done(response.job_id).await?;
        tracing::info!(%key, acl_id = %response.acl_id, "ACL ready");
        Ok(())
    }

    /// Adds (`add`) or removes entries of an ACL, ≤20 per call, each job awaited.
    pub(super) async fn change_acl_entries(
        &self,
        acl: &AclRef,
        entries: &[String],
        add: bool,
        token: &str,
    ) -> Result<(), ReconcileError> {
        let id = self.acl_id(acl)?;
        let (client, wait) = (self.client(), self.wait());
        if add {
            let inputs: Vec<AclEntryInput> = entries.iter().map(AclEntryInput::new).collect();
            client
                .add_acl_entries_batched(&id, &inputs, Some(token), wait)
                .await?;
        } else {
            client
                .remove_acl_entries_batched(&id, entries, Some(token), wait)
                .await?;
        }
        Ok(())
    }

    /// `AssociateAclsWithListener` with the type, job awaited.
    pub(super) async fn associate_acls(
        &self,
        listener: &ListenerRef,
        kind: AclType,
        acls: &[AclRef],
        token: &str,
    ) -> Result<(), ReconcileError> {
        let listener_id = match &listener.id {
            Some(id) => id.clone(),
            None => self.listener_id(listener.key).await?,
        };
        let acl_ids = acls
            .iter()
            .map(|a| self.acl_id(a))
            .collect::<Result<Vec<_>, _>>()?;
        let request = AssociateAclsWithListenerRequest {
            listener_id,
            acl_ids,
            acl_type: kind.as_str().to_owned(),
        };
        let response = self
            .client()
            .associate_acls_with_listener(&request, Some(token))
            .await?;
        self.job_done(response.job_id).await
    }

    /// `DissociateAclsFromListener`, job awaited.
    pub(super) async fn dissociate_acls(
        &self,
        listener_id: &str,
        acl_ids: &[String],
        token: &str,
    ) -> Result<(), ReconcileError> {
        let request = DissociateAclsFromListenerRequest {
            listener_id: listener_id.to_owned(),
            acl_ids: acl_ids.to_vec(),
        };
        let response = self
            .client()
            .dissociate_acls_from_listener(&request, Some(token))
            .await?;
        self.job_done(response.job_id).await
    }
}
