//! The zones where ALB is available in the client's region: `DescribeZones`.
//!
//! Fields follow the 2020-06-16 API reference: a `Zones` list of `ZoneId` and `LocalName`; the
//! request takes only `AcceptLanguage` and has no paging [INF: the reference shows no
//! `NextToken`; a response that pages would lose zones here, so the mock answers in one page].

use serde::{Deserialize, Serialize};

use crate::common::read_actions;

/// `DescribeZones` request.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DescribeZonesRequest {
    /// Language of `LocalName`: `zh-CN`, `en-US` or `ja`.
    pub accept_language: Option<String>,
}

/// One zone.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Zone {
    /// Zone id, e.g. `cn-hangzhou-h`.
    pub zone_id: String,
    /// Its name for people, in the requested language.
    pub local_name: String,
}

/// `DescribeZones` response.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct DescribeZonesResponse {
    /// Request id.
    pub request_id: String,
    /// The zones.
    pub zones: Vec<Zone>,
}

read_actions! {
    /// `DescribeZones`: the zones of the client's region where ALB is available.
    describe_zones => "DescribeZones", DescribeZonesRequest, DescribeZonesResponse;
}
