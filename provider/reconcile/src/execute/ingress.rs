//! Operations of an `alb_ingress`: server groups, members and rules.

use alb_api::job::{TagResourcesRequest, UnTagResourcesRequest};
use alb_api::rule::{NewRule as ApiNewRule, RuleUpdate as ApiRuleUpdate};
use alb_api::server_group::{BackendServer, ListServerGroupServersRequest, ReplaceServersRequest};
use model::desired::{DesiredServerGroup, ListenerKey, Member, ServerGroupAttributes};
use model::diff::{GroupRef, NewRule, RuleUpdate};
use model::ownership::{creating_rule_name, Tags, MEMBERS_AGENT, TAG_MEMBERS};

use super::listener_turns;
use super::marks::{PendingRule, GROUP_RESOURCE};
use super::run::{derived_token, Run};
use crate::convert::{
    action_to_api, condition_to_api, create_group_request, member_to_api, server_group_type,
    tags_to_api, update_group_request, NewGroup,
};
use crate::error::ConvertError;
use crate::ReconcileError;

impl Run<'_> {
    /// `CreateServerGroup` with its attributes and tags, wait `Available`.
    pub(super) async fn create_server_group(
        &self,
        group: &DesiredServerGroup,
        tags: &Tags,
        token: &str,
    ) -> Result<(), ReconcileError> {
        let marked = self.marks_ingress_objects();
        let tags = &if marked {
            self.marked(tags)
        } else {
            tags.clone()
        };
        let new = |vpc_id: &str| {
            create_group_request(
                &NewGroup {
                    name: &group.name,
                    kind: server_group_type(group.member_mode),
                    protocol: group.attributes.protocol,
                    vpc_id,
                    tags,
                },
                Some(&group.attributes),
            )
        };
        let id = self.create_group(&group.key, new, token).await?;
        if marked {
            self.marked_group(&id);
        }
        tracing::info!(key = %group.key, server_group_id = %id, "server group ready");
        Ok(())
    }

    /// `AddServersToServerGroup` in batches, each job awaited.
    pub(super) async fn add_members(
        &self,
        group: &GroupRef,
        members: &[Member],
        token: &str,
    ) -> Result<(), ReconcileError> {
        let id = self.group_id(group).await?;
        let servers: Vec<BackendServer> = members.iter().map(member_to_api).collect();
        self.client()
            .add_servers_batched(&id, &servers, Some(token), self.wait())
            .await?;
        Ok(())
    }

    /// `ReplaceServersInServerGroup` (one call, job awaited): `removed` leave and `added` join
    /// atomically. When the service says a removed server is not in the group (removed
    /// meanwhile), the change is made as an add followed by a remove of what is still there.
    pub(super) async fn replace_members(
        &self,
        group: &GroupRef,
        added: &[Member],
        removed: &[Member],
        token: &str,
    ) -> Result<(), ReconcileError> {
        let id = self.group_id(group).await?;
        let request = ReplaceServersRequest {
            server_group_id: id,
            added_servers: added.iter().map(member_to_api).collect(),
            removed_servers: removed.iter().map(removed_server).collect(),
            dry_run: None,
        };
        match self
            .client()
            .replace_servers_in_server_group(&request, Some(token))
            .await
        {
            Ok(response) => self.job_done(response.job_id).await,
            Err(e) if e.is_not_found() => {
                let t = derived_token(token, "AddServersToServerGroup", &request.added_servers);
                self.add_members(group, added, &t).await?;
                let t = derived_token(
                    token,
                    "RemoveServersFromServerGroup",
                    &request.removed_servers,
                );
                self.remove_members(group, removed, &t).await
            }
            Err(e) => Err(e.into()),
        }
    }

    /// `UpdateServerGroupServersAttribute` (weights) in batches, each job awaited.
    pub(super) async fn update_members(
        &self,
        group: &GroupRef,
        members: &[Member],
        token: &str,
    ) -> Result<(), ReconcileError> {
        let id = self.group_id(group).await?;
        let servers: Vec<BackendServer> = members.iter().map(member_to_api).collect();
        self.client()
            .update_servers_attribute_batched(&id, &servers, Some(token), self.wait())
            .await?;
        Ok(())
    }

    /// `RemoveServersFromServerGroup` in batches. When the service says a server is not in the
    /// group (removed meanwhile), the servers still present are removed in one more attempt.
    pub(super) async fn remove_members(
        &self,
        group: &GroupRef,
        members: &[Member],
        token: &str,
    ) -> Result<(), ReconcileError> {
        let id = self.group_id(group).await?;
        let servers: Vec<BackendServer> = members.iter().map(removed_server).collect();
        let client = self.client();
        match client
            .remove_servers_batched(&id, &servers, Some(token), self.wait())
            .await
        {
            Ok(()) => Ok(()),
            Err(e) if e.is_not_found() => {
                let present = client
                    .list_all(ListServerGroupServersRequest {
                        server_group_id: Some(id.clone()),
                        ..Default::default()
                    })
                    .await?;
                let left: Vec<BackendServer> = servers
                    .into_iter()
                    .filter(|s| {
                        present.iter().any(|p| {
                            p.status.as_deref() != Some("Removing")
                                && p.server.server_id == s.server_id
                                && p.server.port == s.port
                                && p.server.server_ip.as_deref().unwrap_or_default()
                                    == s.server_ip.as_deref().unwrap_or_default()
                        })
                    })
                    .collect();
                if left.is_empty() {
                    return Ok(());
                }
                let t = derived_token(token, "RemoveServersFromServerGroup", &left);
                client
                    .remove_servers_batched(&id, &left, Some(&t), self.wait())
                    .await?;
                Ok(())
            }
            Err(e) => Err(e.into()),
        }
    }

    /// `UpdateServerGroupAttribute` with every attribute, job awaited.
    pub(super) async fn update_server_group(
        &self,
        id: &str,
        name: &str,
        attributes: &ServerGroupAttributes,
        token: &str,
    ) -> Result<(), ReconcileError> {
        let request = update_group_request(id, name, attributes);
        let job = self
            .client()
            .update_server_group_attribute(&request, Some(token))
            .await?
            .job_id;
        self.job_done(job).await
    }

    /// `TagResources` of `alb.terraform/members=agent` on group `id` (`by_agent`), else
    /// `UnTagResources` of that key: the group and its members stay as they are.
    pub(super) async fn set_member_sync(
        &self,
        id: &str,
        by_agent: bool,
        token: &str,
    ) -> Result<(), ReconcileError> {
        let resource_id = vec![id.to_owned()];
        if by_agent {
            let tag = Tags::from([(TAG_MEMBERS.to_owned(), MEMBERS_AGENT.to_owned())]);
            let request = TagResourcesRequest {
                resource_type: GROUP_RESOURCE.to_owned(),
                resource_id,
                tag: tags_to_api(&tag),
            };
            self.client().tag_resources(&request, Some(token)).await?;
        } else {
            let request = UnTagResourcesRequest {
                resource_type: GROUP_RESOURCE.to_owned(),
                resource_id,
                tag_key: vec![TAG_MEMBERS.to_owned()],
                ..Default::default()
            };
            self.client()
                .un_tag_resources(&request, Some(token))
                .await?;
        }
        Ok(())
    }

    /// `CreateRules` on one listener (tags included) in the listener's turn, job awaited;
    /// records the new ids.
    pub(super) async fn create_rules(
        &self,
        listener: ListenerKey,
        rules: &[NewRule],
        token: &str,
    ) -> Result<(), ReconcileError> {
        let listener_id = self.listener_id(listener).await?;
        let keys: Vec<&str> = rules
            .iter()
            .flat_map(|r| r.rule.actions.iter().flat_map(|a| a.kind.group_keys()))
            .collect();
        let groups = self.group_ids(&keys, None).await?;
        let marked = self.marks_ingress_objects();
        let request: Vec<ApiNewRule> = rules
            .iter()
            .map(|r| {
                Ok(ApiNewRule {
                    rule_name: if marked {
                        creating_rule_name(&r.rule.name)
                    } else {
                        r.rule.name.clone()
                    },
                    priority: i64::from(r.rule.priority),
                    rule_conditions: r.rule.conditions.iter().map(condition_to_api).collect(),
                    rule_actions: r
                        .rule
                        .actions
                        .iter()
                        .map(|a| action_to_api(a, &groups.lookup()))
                        .collect::<Result<_, ConvertError>>()?,
                    direction: None,
                    tag: tags_to_api(&r.tags),
                })
            })
            .collect::<Result<_, ConvertError>>()?;
        let created = {
            let _turn = listener_turns::take(self.client(), &[listener_id.as_str()]).await;
            self.client()
                .create_rules_batched(&listener_id, &request, Some(token), self.wait())
                .await?
        };
        for r in rules {
            if let Some(c) = created
                .iter()
                .find(|c| c.priority == i64::from(r.rule.priority))
            {
                self.created_rule(&r.rule.identity, &c.rule_id);
                if marked {
                    self.marked_rule(PendingRule {
                        id: c.rule_id.clone(),
                        priority: c.priority,
                        listener_id: listener_id.clone(),
                        name: r.rule.name.clone(),
                    });
                }
            }
        }
        Ok(())
    }

    /// `UpdateRulesAttribute` (priority always; name, conditions and actions when set) in the
    /// turns of the rules' listeners, job awaited.
    pub(super) async fn update_rules(
        &self,
        rules: &[RuleUpdate],
        token: &str,
    ) -> Result<(), ReconcileError> {
        let keys: Vec<&str> = rules
            .iter()
            .flat_map(|r| r.actions.iter().flatten())
            .flat_map(|a| a.kind.group_keys())
            .collect();
        let hint = rules.first().map(|r| r.id.as_str());
        let groups = self.group_ids(&keys, hint).await?;
        let lookup = groups.lookup();
        let request: Vec<ApiRuleUpdate> = rules
            .iter()
            .map(|r| {
                Ok(ApiRuleUpdate {
                    rule_id: r.id.clone(),
                    rule_name: r.name.clone(),
                    priority: Some(i64::from(r.priority)),
                    rule_conditions: r
                        .conditions
                        .iter()
                        .flatten()
                        .map(condition_to_api)
                        .collect(),
                    rule_actions: r
                        .actions
                        .iter()
                        .flatten()
                        .map(|a| action_to_api(a, &lookup))
                        .collect::<Result<_, ConvertError>>()?,
                })
            })
            .collect::<Result<_, ConvertError>>()?;
        let listeners: Vec<ListenerKey> = rules.iter().map(|r| r.listener).collect();
        let listener_ids = self.listener_ids(&listeners).await?;
        let _turn = listener_turns::take(self.client(), &listener_ids).await;
        self.client()
            .update_rules_batched(&request, Some(token), self.wait())
            .await?;
        Ok(())
    }

    /// `DeleteRules` in the turns of the rules' listeners, job awaited; rules already gone
    /// count as deleted.
    pub(super) async fn delete_rules(
        &self,
        ids: &[String],
        listeners: &[ListenerKey],
        token: &str,
    ) -> Result<(), ReconcileError> {
        let listener_ids = self.listener_ids(listeners).await?;
        let _turn = listener_turns::take(self.client(), &listener_ids).await;
        self.client()
            .delete_rules_batched(ids, Some(token), self.wait())
            .await?;
        Ok(())
    }
}

/// A member as a server to remove (no weight).
fn removed_server(member: &Member) -> BackendServer {
    BackendServer {
        weight: None,
        ..member_to_api(member)
    }
}
