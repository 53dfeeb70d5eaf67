//! Access control lists (ACLs), their entries and their bindings to listeners: types and
//! actions. Batched entry changes and the idempotent delete live in [`crate::batch`].
//!
//! Parameter names follow the 2020-06-16 SDK models and API reference: `AclEntries.N.Entry` /
//! `AclEntries.N.Description` to add, `Entries.N` to remove, `AclIds.N` + `AclType`
//! (`White`/`Black`) to bind. The listener side of a binding is read from
//! [`crate::listener::Listener::acl_config`].

use serde::{Deserialize, Serialize};

use crate::common::{list_action, read_actions, write_actions, JobResponse, Tag};

/// An ACL as returned by `ListAcls`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Acl {
    /// Id (`acl-…`).
    pub acl_id: String,
    /// Name.
    pub acl_name: String,
    /// `Creating`, `Available`, `Configuring`.
    pub acl_status: Option<String>,
    /// `IPv4`. The response spells it `AddressIPVersion`; the request-side spelling is
    /// accepted too [INF].
    #[serde(rename = "AddressIPVersion", alias = "AddressIpVersion")]
    pub address_ip_version: Option<String>,
    /// Resource group.
    pub resource_group_id: Option<String>,
    /// Creation time.
    pub create_time: Option<String>,
    /// Tags.
    pub tags: Vec<Tag>,
}

/// An ACL entry as returned by `ListAclEntries`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct AclEntry {
    /// IP address or CIDR block.
    pub entry: String,
    /// Description.
    pub description: Option<String>,
    /// `Adding`, `Available`, `Removing`.
    pub status: Option<String>,
}

/// An entry to add (`AclEntries.N`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AclEntryInput {
    /// IP address or CIDR block.
    pub entry: String,
    /// Description (2–256 characters).
    pub description: Option<String>,
}

impl AclEntryInput {
    /// An entry without description.
    pub fn new(entry: impl Into<String>) -> Self {
        AclEntryInput {
            entry: entry.into(),
            description: None,
        }
    }
}

/// `CreateAcl` request.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateAclRequest {
    /// Name: 2–128 characters, letters, digits, `.`, `_`, `-`, starting with a letter.
    pub acl_name: String,
    /// `IPv4` (not in the current API reference, present in older SDKs [INF]; not sent when
    /// unset).
    pub address_ip_version: Option<String>,
    /// Resource group.
    pub resource_group_id: Option<String>,
    /// Tags (`Tag.N`).
    #[serde(rename = "Tag")]
    pub tags: Vec<Tag>,
    /// Validate only.
    pub dry_run: Option<bool>,
}

/// `CreateAcl` response.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct CreateAclResponse {
    /// Request id.
    pub request_id: String,
    /// New ACL id.
    pub acl_id: String,
    /// Async job.
    pub job_id: Option<String>,
}

/// `ListAcls` request.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListAclsRequest {
    /// Filter by ids (≤20).
    pub acl_ids: Vec<String>,
    /// Filter by names (≤10).
    pub acl_names: Vec<String>,
    /// Filter by resource group.
    pub resource_group_id: Option<String>,
    /// Filter by tags (`Tag.N`).
    #[serde(rename = "Tag")]
    pub tags: Vec<Tag>,
    /// Page size.
    pub max_results: Option<i32>,
    /// Page token.
    pub next_token: Option<String>,
}

/// `ListAcls` response page.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ListAclsResponse {
    /// Request id.
    pub request_id: String,
    /// ACLs of this page.
    pub acls: Vec<Acl>,
    /// Next page token.
    pub next_token: Option<String>,
    /// Total count.
    pub total_count: Option<i64>,
}

list_action!("ListAcls", ListAclsRequest, ListAclsResponse, acls, Acl);

/// `ListAclEntries` request.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListAclEntriesRequest {
    /// ACL id (required).
    pub acl_id: String,
    /// Page size.
    pub max_results: Option<i32>,
    /// Page token.
    pub next_token: Option<String>,
}

/// `ListAclEntries` response page.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ListAclEntriesResponse {
    /// Request id.
    pub request_id: String,
    /// Entries of this page.
    pub acl_entries: Vec<AclEntry>,
    /// Next page token.
    pub next_token: Option<String>,
    /// Total count.
    pub total_count: Option<i64>,
}

list_action!(
    "ListAclEntries",
    ListAclEntriesRequest,
    ListAclEntriesResponse,
    acl_entries,
    AclEntry
);

/// `AddEntriesToAcl` request (≤20 entries; see [`Client::add_acl_entries_batched`]).
///
/// [`Client::add_acl_entries_batched`]: crate::Client::add_acl_entries_batched
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AddEntriesToAclRequest {
    /// ACL id.
    pub acl_id: String,
    /// Entries to add (`AclEntries.N.Entry`, `AclEntries.N.Description`).
    pub acl_entries: Vec<AclEntryInput>,
}

/// `RemoveEntriesFromAcl` request (≤20 entries; see [`Client::remove_acl_entries_batched`]).
///
/// [`Client::remove_acl_entries_batched`]: crate::Client::remove_acl_entries_batched
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RemoveEntriesFromAclRequest {
    /// ACL id.
    pub acl_id: String,
    /// Entries to remove (`Entries.N`).
    pub entries: Vec<String>,
}

/// A request naming one ACL (`DeleteAcl`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AclIdRequest {
    /// ACL id.
    pub acl_id: String,
}

impl AclIdRequest {
    /// A request for ACL `id`.
    pub fn new(id: impl Into<String>) -> Self {
        AclIdRequest { acl_id: id.into() }
    }
}

/// `AssociateAclsWithListener` request.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AssociateAclsWithListenerRequest {
    /// Listener id.
    pub listener_id: String,
    /// ACLs to bind (≤3 per listener in total).
    pub acl_ids: Vec<String>,
    /// `White` or `Black`; one type per listener.
    pub acl_type: String,
}

/// `DissociateAclsFromListener` request.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DissociateAclsFromListenerRequest {
    /// Listener id.
    pub listener_id: String,
    /// ACLs to unbind (≤3).
    pub acl_ids: Vec<String>,
}

read_actions! {
    /// `ListAcls`: one page (an unknown id yields an empty page).
    list_acls => "ListAcls", ListAclsRequest, ListAclsResponse;
    /// `ListAclEntries`: one page of one ACL's entries.
    list_acl_entries => "ListAclEntries", ListAclEntriesRequest, ListAclEntriesResponse;
}

write_actions! {
    /// `CreateAcl` (async job).
    create_acl => "CreateAcl", CreateAclRequest, CreateAclResponse;
    /// `AddEntriesToAcl` (async job; ≤20 entries).
    add_entries_to_acl => "AddEntriesToAcl", AddEntriesToAclRequest, JobResponse;
    /// `RemoveEntriesFromAcl` (async job; ≤20 entries).
    remove_entries_from_acl => "RemoveEntriesFromAcl", RemoveEntriesFromAclRequest, JobResponse;
    /// `DeleteAcl` (async job; fails with `ResourceInUse.Acl` while bound to a listener).
    delete_acl => "DeleteAcl", AclIdRequest, JobResponse;
    /// `AssociateAclsWithListener` (async job).
    associate_acls_with_listener => "AssociateAclsWithListener", AssociateAclsWithListenerRequest, JobResponse;
    /// `DissociateAclsFromListener` (async job).
    dissociate_acls_from_listener => "DissociateAclsFromListener", DissociateAclsFromListenerRequest, JobResponse;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::{flatten, split_query_body};

    fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
        items
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn create_and_list_acls_flatten_tags_as_tag_n() {
        let create = CreateAclRequest {
            acl_name: "acl-web-80".into(),
            tags: vec![Tag::new("k", "v")],
            ..Default::default()
        };
        assert_eq!(
            flatten(&create).unwrap_or_default(),
            pairs(&[
                ("AclName", "acl-web-80"),
                ("Tag.1.Key", "k"),
                ("Tag.1.Value", "v")
            ])
        );
        let list = ListAclsRequest {
            acl_ids: vec!["acl-1".into(), "acl-2".into()],
            tags: vec![Tag::new("owner", "me")],
            ..Default::default()
        };
        assert_eq!(
            flatten(&list).unwrap_or_default(),
            pairs(&[
                ("AclIds.1", "acl-1"),
                ("AclIds.2", "acl-2"),
                ("Tag.1.Key", "owner"),
                ("Tag.1.Value", "me"),
            ])
        );
    }

    #[test]
    fn entry_and_binding_requests_use_sdk_names_in_the_query() {
        let add = AddEntriesToAclRequest {
            acl_id: "acl-1".into(),
            acl_entries: vec![
                AclEntryInput {
                    entry: "10.0.0.0/8".into(),
                    description: Some("office".into()),
                },
                AclEntryInput::new("192.168.1.1/32"),
            ],
        };
        let (query, body) = split_query_body("AddEntriesToAcl", flatten(&add).unwrap_or_default());
        assert!(body.is_empty());
        assert_eq!(
            query,
            pairs(&[
                ("AclId", "acl-1"),
                ("AclEntries.1.Entry", "10.0.0.0/8"),
                ("AclEntries.1.Description", "office"),
                ("AclEntries.2.Entry", "192.168.1.1/32"),
            ])
        );
        let remove = RemoveEntriesFromAclRequest {
            acl_id: "acl-1".into(),
            entries: vec!["10.0.0.0/8".into()],
        };
        assert_eq!(
            flatten(&remove).unwrap_or_default(),
            pairs(&[("AclId", "acl-1"), ("Entries.1", "10.0.0.0/8")])
        );
        let associate = AssociateAclsWithListenerRequest {
            listener_id: "lsn-1".into(),
            acl_ids: vec!["acl-1".into()],
            acl_type: "White".into(),
        };
        assert_eq!(
            flatten(&associate).unwrap_or_default(),
            pairs(&[
                ("ListenerId", "lsn-1"),
                ("AclIds.1", "acl-1"),
                ("AclType", "White")
            ])
        );
        let dissociate = DissociateAclsFromListenerRequest {
            listener_id: "lsn-1".into(),
            acl_ids: vec!["acl-1".into(), "acl-2".into()],
        };
        assert_eq!(
            flatten(&dissociate).unwrap_or_default(),
            pairs(&[
                ("ListenerId", "lsn-1"),
                ("AclIds.1", "acl-1"),
                ("AclIds.2", "acl-2")
            ])
        );
        assert_eq!(
            flatten(&AclIdRequest::new("acl-9")).unwrap_or_default(),
            pairs(&[("AclId", "acl-9")])
        );
    }

    #[test]
    fn acls_and_entries_decode_tolerantly() {
        let v = serde_json::json!({"Acls": [
            {"AclId": "acl-1", "AclName": "a", "AclStatus": "Available", "AddressIPVersion": "IPv4",
             "Tags": [{"Key": "k", "Value": "v"}], "Unknown": 1},
            {"AclId": "acl-2", "AddressIpVersion": "IPv4", "AclStatus": null}
        ], "NextToken": "t", "TotalCount": 2});
        let r: ListAclsResponse = crate::client::decode("ListAcls", v).unwrap_or_default();
        assert_eq!(r.acls.len(), 2);
        assert_eq!(r.acls[0].address_ip_version.as_deref(), Some("IPv4"));
        assert_eq!(r.acls[0].tags, vec![Tag::new("k", "v")]);
        assert_eq!(r.acls[1].address_ip_version.as_deref(), Some("IPv4"));
        assert_eq!(r.acls[1].acl_status, None);
        assert_eq!(r.next_token.as_deref(), Some("t"));

        let v = serde_json::json!({"AclEntries": [
            {"Entry": "10.0.0.0/8", "Description": "d", "Status": "Available"},
            {"Entry": "1.2.3.4/32", "Status": "Adding"}
        ]});
        let r: ListAclEntriesResponse =
            crate::client::decode("ListAclEntries", v).unwrap_or_default();
        assert_eq!(
            r.acl_entries,
            vec![
                AclEntry {
                    entry: "10.0.0.0/8".into(),
                    description: Some("d".into()),
                    status: Some("Available".into())
                },
                AclEntry {
                    entry: "1.2.3.4/32".into(),
                    description: None,
                    status: Some("Adding".into())
                },
            ]
        );
    }

    #[test]
    fn create_acl_response_decodes_id_and_job() {
        let v = serde_json::json!({"RequestId": "R", "AclId": "acl-1", "JobId": "j-1"});
        let r: CreateAclResponse = crate::client::decode("CreateAcl", v).unwrap_or_default();
        assert_eq!(r.acl_id, "acl-1");
        assert_eq!(r.job_id.as_deref(), Some("j-1"));
    }
}
