//! Asynchronous jobs (`ListAsynJobs`) and tags (`TagResources`, `UnTagResources`,
//! `ListTagResources`).

use serde::{Deserialize, Serialize};

use crate::common::{list_action, read_actions, write_actions, RequestIdResponse, Tag};

/// An asynchronous job.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct AsyncJob {
    /// Job id.
    pub id: String,
    /// The action that started it.
    pub api_name: Option<String>,
    /// `loadbalancer`, `listener`, `rule`, `acl`, `securitypolicy`, `servergroup`.
    pub resource_type: Option<String>,
    /// The resource.
    pub resource_id: Option<String>,
    /// `Create`, `Update`, `Delete`.
    pub operate_type: Option<String>,
    /// `Processing`, `Succeeded`, `Failed`.
    pub status: String,
    /// Failure code.
    pub error_code: Option<String>,
    /// Failure message.
    pub error_message: Option<String>,
    /// Creation time, epoch milliseconds.
    pub create_time: Option<i64>,
    /// Last change, epoch milliseconds.
    pub modify_time: Option<i64>,
}

/// `ListAsynJobs` request.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListAsynJobsRequest {
    /// Filter by job ids.
    pub job_ids: Vec<String>,
    /// Filter by resource ids.
    pub resource_ids: Vec<String>,
    /// Filter by resource type.
    pub resource_type: Option<String>,
    /// Filter by action.
    pub api_name: Option<String>,
    /// From (epoch ms).
    pub begin_time: Option<i64>,
    /// To (epoch ms).
    pub end_time: Option<i64>,
    /// Page size.
    pub max_results: Option<i32>,
    /// Page token.
    pub next_token: Option<String>,
}

/// `ListAsynJobs` response page.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ListAsynJobsResponse {
    /// Request id.
    pub request_id: String,
    /// Jobs of this page.
    pub jobs: Vec<AsyncJob>,
    /// Next page token.
    pub next_token: Option<String>,
    /// Total count.
    pub total_count: Option<i64>,
}

list_action!(
    "ListAsynJobs",
    ListAsynJobsRequest,
    ListAsynJobsResponse,
    jobs,
    AsyncJob
);

/// `TagResources` request.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct TagResourcesRequest {
    /// `loadbalancer`, `listener`, `servergroup`, `acl`, `securitypolicy`.
    pub resource_type: String,
    /// Resources (`ResourceId.N`).
    pub resource_id: Vec<String>,
    /// Tags (`Tag.N`).
    pub tag: Vec<Tag>,
}

/// `UnTagResources` request.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct UnTagResourcesRequest {
    /// Resource type.
    pub resource_type: String,
    /// Resources (`ResourceId.N`).
    pub resource_id: Vec<String>,
    /// Keys to remove (`TagKey.N`).
    pub tag_key: Vec<String>,
    /// Tags to remove (`Tag.N`).
    pub tag: Vec<Tag>,
    /// Remove all tags.
    pub all: Option<bool>,
}

/// `ListTagResources` request.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListTagResourcesRequest {
    /// Resource type (required).
    pub resource_type: String,
    /// Filter by resources.
    pub resource_id: Vec<String>,
    /// Filter by tags.
    pub tag: Vec<Tag>,
    /// Page size.
    pub max_results: Option<i32>,
    /// Page token.
    pub next_token: Option<String>,
}

/// One (resource, tag) pair.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct TagResource {
    /// Resource id.
    pub resource_id: String,
    /// Resource type.
    pub resource_type: Option<String>,
    /// Tag key.
    pub tag_key: String,
    /// Tag value.
    pub tag_value: String,
}

/// `ListTagResources` response page (no `TotalCount`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ListTagResourcesResponse {
    /// Request id.
    pub request_id: String,
    /// Pairs of this page.
    pub tag_resources: Vec<TagResource>,
    /// Next page token.
    pub next_token: Option<String>,
}

list_action!(
    "ListTagResources",
    ListTagResourcesRequest,
    ListTagResourcesResponse,
    tag_resources,
    TagResource
);

read_actions! {
    /// `ListAsynJobs`: one page.
    list_asyn_jobs => "ListAsynJobs", ListAsynJobsRequest, ListAsynJobsResponse;
    /// `ListTagResources`: one page.
    list_tag_resources => "ListTagResources", ListTagResourcesRequest, ListTagResourcesResponse;
}

write_actions! {
    /// `TagResources` (synchronous).
    tag_resources => "TagResources", TagResourcesRequest, RequestIdResponse;
    /// `UnTagResources` (synchronous).
    un_tag_resources => "UnTagResources", UnTagResourcesRequest, RequestIdResponse;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::flatten;

    #[test]
    fn tag_requests_flatten() {
        let req = TagResourcesRequest {
            resource_type: "servergroup".into(),
            resource_id: vec!["sgp-1".into(), "sgp-2".into()],
            tag: vec![Tag::new("k", "v")],
        };
        let keys: Vec<String> = flatten(&req)
            .unwrap_or_default()
            .into_iter()
            .map(|(k, _)| k)
            .collect();
        assert_eq!(
            keys,
            [
                "ResourceType",
                "ResourceId.1",
                "ResourceId.2",
                "Tag.1.Key",
                "Tag.1.Value"
            ]
        );
        let req = ListAsynJobsRequest {
            job_ids: vec!["j1".into()],
            ..Default::default()
        };
        assert_eq!(
            flatten(&req).unwrap_or_default(),
            vec![("JobIds.1".to_string(), "j1".to_string())]
        );
    }

    #[test]
    fn jobs_decode_with_epoch_times() {
        let v = serde_json::json!({"Jobs": [{"Id": "j1", "Status": "Failed", "ErrorCode": "X",
            "ErrorMessage": "m", "CreateTime": 1700000000000i64}]});
        let r: ListAsynJobsResponse = crate::client::decode("ListAsynJobs", v).unwrap_or_default();
        assert_eq!(r.jobs[0].status, "Failed");
        assert_eq!(r.jobs[0].create_time, Some(1_700_000_000_000));
    }
}
