//! Operations of an `alb_config`: the load balancer, placeholder groups and listeners.

use alb_api::common::CertificateRef;
use alb_api::job::{TagResourcesRequest, UnTagResourcesRequest};
use alb_api::listener::{ListListenerCertificatesRequest, ListenerCertificatesRequest};
use alb_api::load_balancer::{
    DeletionProtectionRequest, EnableAccessLogRequest, LoadBalancerIdRequest,
    MoveResourceGroupRequest, UpdateAddressTypeRequest, UpdateLoadBalancerAttributeRequest,
    UpdateLoadBalancerEditionRequest, UpdateLoadBalancerZonesRequest,
};
use model::desired::{
    AccessLog, DesiredListener, DesiredLoadBalancer, ListenerKey, PlaceholderServerGroup,
};
use model::diff::{zones_need_update, GroupRef};
use model::ownership::{ResourceKind, Tags};
use model::spec::{BackendProtocol, ListenerProtocol};

use super::marks::{GROUP_RESOURCE, LB_RESOURCE};
use super::run::{derived_token, Run};
use crate::convert::{
    create_group_request, create_listener_request, create_load_balancer_request, tags_from_api,
    tags_to_api, update_listener_request, user_tags, zone_mapping_from_api, zone_mapping_to_api,
    NewGroup,
};
use crate::ReconcileError;

/// Tag resource type of listeners (not in the documented list, which names load balancers, ACLs,
/// security policies and server groups; the alicloud Terraform provider tags listeners with it
/// \[INF\]).
const LISTENER_RESOURCE: &str = "listener";
/// Tag resource type of ACLs.
const ACL_RESOURCE: &str = "acl";
/// Tag resource type of rules (not in the documented list \[INF\]; no op adopts rules yet).
const RULE_RESOURCE: &str = "rule";

/// The `TagResources` resource type of an object of kind `resource`.
pub(super) fn tag_resource_type(resource: ResourceKind) -> &'static str {
    match resource {
        ResourceKind::LoadBalancer => LB_RESOURCE,
        ResourceKind::Listener => LISTENER_RESOURCE,
        ResourceKind::Placeholder | ResourceKind::ServerGroup => GROUP_RESOURCE,
        ResourceKind::Acl => ACL_RESOURCE,
        ResourceKind::Rule => RULE_RESOURCE,
    }
}

impl Run<'_> {
    /// `TagResources` of ownership `tags` on object `id` another tool made (see
    /// [`model::adopt`]).
    pub(super) async fn adopt(
        &self,
        resource: ResourceKind,
        id: &str,
        tags: &Tags,
        token: &str,
    ) -> Result<(), ReconcileError> {
        let request = TagResourcesRequest {
            resource_type: tag_resource_type(resource).to_owned(),
            resource_id: vec![id.to_owned()],
            tag: tags_to_api(tags),
        };
        let t = derived_token(token, "TagResources", &request);
        self.client().tag_resources(&request, Some(&t)).await?;
        tracing::info!(%id, kind = resource.as_str(), "adopted");
        Ok(())
    }

    /// `CreateLoadBalancer`, wait `Active`, then the access log.
    pub(super) async fn create_load_balancer(
        &self,
        lb: &DesiredLoadBalancer,
        tags: &Tags,
        token: &str,
    ) -> Result<(), ReconcileError> {
        let request = create_load_balancer_request(lb, &self.marked(tags));
        let id = self
            .client()
            .create_load_balancer(&request, Some(token))
            .await?
            .load_balancer_id;
        self.created_load_balancer(&id, &lb.vpc_id);
        tracing::info!(lb_id = %id, "load balancer created");
        self.client()
            .wait_load_balancer_active(&id, self.wait())
            .await?;
        if let Some(log) = &lb.access_log {
            self.enable_access_log(&id, log, token).await?;
        }
        Ok(())
    }

    /// Applies what differs between the load balancer and `lb`, in this order: edition, zones,
    /// network type (on the new zones), resource group, name, deletion protection, access log,
    /// user tags (ownership tags are left alone). Each asynchronous change is awaited before the
    /// next one starts.
    pub(super) async fn update_load_balancer(
        &self,
        id: &str,
        lb: &DesiredLoadBalancer,
        token: &str,
    ) -> Result<(), ReconcileError> {
        self.update_network(id, lb, token).await?;
        let client = self.client();
        let actual = client
            .get_load_balancer_attribute(&LoadBalancerIdRequest::new(id))
            .await?
            .load_balancer;
        if actual.load_balancer_name.as_deref() != Some(lb.name.as_str()) {
            let request = UpdateLoadBalancerAttributeRequest {
                load_balancer_id: id.to_owned(),
                load_balancer_name: Some(lb.name.clone()),
                ..Default::default()
            };
            let job = client
                .update_load_balancer_attribute(&request, Some(token))
                .await?
                .job_id;
            self.job_done(job).await?;
        }
        let protected = actual
            .deletion_protection_config
            .as_ref()
            .is_some_and(|d| d.enabled);
        if protected != lb.deletion_protection {
            let request = DeletionProtectionRequest {
                resource_id: id.to_owned(),
                dry_run: None,
            };
            if lb.deletion_protection {
                let t = derived_token(token, "EnableDeletionProtection", &request);
                client
                    .enable_deletion_protection(&request, Some(&t))
                    .await?;
            } else {
                let t = derived_token(token, "DisableDeletionProtection", &request);
                client
                    .disable_deletion_protection(&request, Some(&t))
                    .await?;
            }
        }
        let current_log = actual.access_log_config.as_ref().and_then(|a| {
            Some(AccessLog {
                project: a.log_project.clone().filter(|p| !p.is_empty())?,
                logstore: a.log_store.clone().filter(|s| !s.is_empty())?,
            })
        });
        if current_log != lb.access_log {
            if current_log.is_some() {
                let request = LoadBalancerIdRequest::new(id);
                let t = derived_token(token, "DisableLoadBalancerAccessLog", &request);
                let job = client
                    .disable_load_balancer_access_log(&request, Some(&t))
                    .await?
                    .job_id;
                self.job_done(job).await?;
            }
            if let Some(log) = &lb.access_log {
                self.enable_access_log(id, log, token).await?;
            }
        }
        let have = user_tags(&tags_from_api(&actual.tags));
        let add: Tags = lb
            .tags
            .iter()
            .filter(|(k, v)| have.get(*k) != Some(*v))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        if !add.is_empty() {
            let request = TagResourcesRequest {
                resource_type: LB_RESOURCE.to_owned(),
                resource_id: vec![id.to_owned()],
                tag: tags_to_api(&add),
            };
            let t = derived_token(token, "TagResources", &request);
            client.tag_resources(&request, Some(&t)).await?;
        }
        let remove: Vec<String> = have
            .keys()
            .filter(|k| !lb.tags.contains_key(*k))
            .cloned()
            .collect();
        if !remove.is_empty() {
            let request = UnTagResourcesRequest {
                resource_type: LB_RESOURCE.to_owned(),
                resource_id: vec![id.to_owned()],
                tag_key: remove,
                ..Default::default()
            };
            let t = derived_token(token, "UnTagResources", &request);
            client.un_tag_resources(&request, Some(&t)).await?;
        }
        Ok(())
    }

    /// Edition, zones, network type and resource group: the attributes the API changes in
    /// place on its own actions.
    async fn update_network(
        &self,
        id: &str,
        lb: &DesiredLoadBalancer,
        token: &str,
    ) -> Result<(), ReconcileError> {
        let client = self.client();
        let actual = client
            .get_load_balancer_attribute(&LoadBalancerIdRequest::new(id))
            .await?
            .load_balancer;
        if actual.load_balancer_edition.as_deref() != Some(lb.edition.as_str()) {
            let request = UpdateLoadBalancerEditionRequest {
                load_balancer_id: id.to_owned(),
                load_balancer_edition: lb.edition.as_str().to_owned(),
                dry_run: None,
            };
            let t = derived_token(token, "UpdateLoadBalancerEdition", &request);
            client
                .update_load_balancer_edition(&request, Some(&t))
                .await?;
            // No job: the load balancer is Configuring until the edition is in place.
            client.wait_load_balancer_active(id, self.wait()).await?;
        }
        let zones: Vec<_> = actual
            .zone_mappings
            .iter()
            .map(zone_mapping_from_api)
            .collect();
        if zones_need_update(&lb.zone_mappings, &zones) {
            let request = UpdateLoadBalancerZonesRequest {
                load_balancer_id: id.to_owned(),
                zone_mappings: lb.zone_mappings.iter().map(zone_mapping_to_api).collect(),
                dry_run: None,
            };
            let t = derived_token(token, "UpdateLoadBalancerZones", &request);
            let job = client
                .update_load_balancer_zones(&request, Some(&t))
                .await?
                .job_id;
            self.job_done(job).await?;
        }
        if actual.address_type.as_deref() != Some(lb.address_type.as_str()) {
            let request = UpdateAddressTypeRequest {
                load_balancer_id: id.to_owned(),
                address_type: lb.address_type.as_str().to_owned(),
                zone_mappings: lb.zone_mappings.iter().map(zone_mapping_to_api).collect(),
                dry_run: None,
            };
            let t = derived_token(token, "UpdateLoadBalancerAddressTypeConfig", &request);
            let job = client
                .update_load_balancer_address_type(&request, Some(&t))
                .await?
                .job_id;
            self.job_done(job).await?;
        }
        if let Some(group) = lb
            .resource_group_id
            .as_ref()
            .filter(|rg| actual.resource_group_id.as_ref() != Some(*rg))
        {
            let request = MoveResourceGroupRequest {
                resource_id: id.to_owned(),
                resource_type: LB_RESOURCE.to_owned(),
                new_resource_group_id: group.clone(),
            };
            let t = derived_token(token, "MoveResourceGroup", &request);
            client.move_resource_group(&request, Some(&t)).await?;
        }
        Ok(())
    }

    async fn enable_access_log(
        &self,
        id: &str,
        log: &AccessLog,
        token: &str,
    ) -> Result<(), ReconcileError> {
        let request = EnableAccessLogRequest {
            load_balancer_id: id.to_owned(),
            log_project: log.project.clone(),
            log_store: log.logstore.clone(),
            dry_run: None,
        };
        let t = derived_token(token, "EnableLoadBalancerAccessLog", &request);
        let job = self
            .client()
            .enable_load_balancer_access_log(&request, Some(&t))
            .await?
            .job_id;
        self.job_done(job).await
    }

    /// `CreateServerGroup` for a listener's placeholder, wait `Available`.
    pub(super) async fn create_placeholder(
        &self,
        group: &PlaceholderServerGroup,
        tags: &Tags,
        token: &str,
    ) -> Result<(), ReconcileError> {
        let new = |vpc_id: &str| {
            create_group_request(
                &NewGroup {
                    name: &group.name,
                    kind: "Instance",
                    protocol: BackendProtocol::Http,
                    vpc_id,
                    tags,
                },
                None,
            )
        };
        let id = self.create_group(&group.key, new, token).await?;
        tracing::info!(key = %group.key, server_group_id = %id, "placeholder group ready");
        Ok(())
    }

    /// `CreateListener` with the default certificate, then the additional certificates.
    pub(super) async fn create_listener(
        &self,
        listener: &DesiredListener,
        default_group: &GroupRef,
        tags: &Tags,
        token: &str,
    ) -> Result<(), ReconcileError> {
        let lb_id = self.lb_id()?;
        let placeholder = self.group_id(default_group).await?;
        let request = create_listener_request(
            &lb_id,
            listener.key,
            &listener.attributes,
            &placeholder,
            tags,
        );
        let response = self.client().create_listener(&request, Some(token)).await?;
        let id = response.listener_id;
        self.created_listener(listener.key, &id);
        self.job_done(response.job_id).await?;
        let extra = listener.attributes.certificate_ids.iter().skip(1).cloned();
        self.change_certificates(&id, extra.collect(), true, token)
            .await?;
        tracing::info!(listener = %listener.key, listener_id = %id, "listener ready");
        Ok(())
    }

    /// Dissociates unwanted additional certificates, updates every attribute and the default
    /// action, then associates the new additional certificates.
    pub(super) async fn update_listener(
        &self,
        id: &str,
        listener: &DesiredListener,
        default_group: &GroupRef,
        token: &str,
    ) -> Result<(), ReconcileError> {
        let placeholder = self.group_id(default_group).await?;
        let wanted: Vec<String> = listener
            .attributes
            .certificate_ids
            .iter()
            .skip(1)
            .cloned()
            .collect();
        let current = self.additional_certificates(id, listener.key).await?;
        let stale: Vec<String> = current
            .iter()
            .filter(|c| !wanted.contains(c))
            .cloned()
            .collect();
        self.change_certificates(id, stale, false, token).await?;
        let request = update_listener_request(id, &listener.attributes, &placeholder);
        let job = self
            .client()
            .update_listener_attribute(&request, Some(token))
            .await?
            .job_id;
        self.job_done(job).await?;
        let new = wanted
            .into_iter()
            .filter(|c| !current.contains(c))
            .collect();
        self.change_certificates(id, new, true, token).await
    }

    /// The listener's server certificates that are not the default one.
    async fn additional_certificates(
        &self,
        id: &str,
        key: ListenerKey,
    ) -> Result<Vec<String>, ReconcileError> {
        if key.protocol == ListenerProtocol::Http {
            return Ok(Vec::new());
        }
        let certificates = self
            .client()
            .list_all(ListListenerCertificatesRequest {
                listener_id: id.to_owned(),
                certificate_type: Some("Server".to_owned()),
                ..Default::default()
            })
            .await?;
        Ok(certificates
            .into_iter()
            .filter(|c| c.is_default != Some(true))
            .filter(|c| !matches!(c.status.as_deref(), Some("Dissociating" | "Dissociated")))
            .map(|c| c.certificate_id)
            .collect())
    }

    /// Associates (`associate`) or dissociates additional certificates of listener `id` and
    /// waits for the job; nothing to do when `certificates` is empty.
    async fn change_certificates(
        &self,
        id: &str,
        certificates: Vec<String>,
        associate: bool,
        token: &str,
    ) -> Result<(), ReconcileError> {
        if certificates.is_empty() {
            return Ok(());
        }
        let request = certificates_request(id, certificates);
        let client = self.client();
        let job = if associate {
            let t = derived_token(
                token,
                "AssociateAdditionalCertificatesWithListener",
                &request,
            );
            client
                .associate_additional_certificates_with_listener(&request, Some(&t))
                .await?
                .job_id
        } else {
            let t = derived_token(
                token,
                "DissociateAdditionalCertificatesFromListener",
                &request,
            );
            client
                .dissociate_additional_certificates_from_listener(&request, Some(&t))
                .await?
                .job_id
        };
        self.job_done(job).await
    }
}

fn certificates_request(id: &str, certificates: Vec<String>) -> ListenerCertificatesRequest {
    ListenerCertificatesRequest {
        listener_id: id.to_owned(),
        certificates: certificates.into_iter().map(CertificateRef::new).collect(),
        dry_run: None,
    }
}
