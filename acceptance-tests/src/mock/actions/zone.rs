//! DescribeZones: the zones of the mock's region.

use serde_json::{json, Map, Value};

use super::{object, Ctx};
use crate::mock::error::ApiResult;
use crate::mock::params::Scope;

/// Zone letters of the mock's regions: `cn-hangzhou` has ALB in zones g–k (the zones the tests and
/// examples use are among them); any other region gets zones a and b [INF: the real list differs
/// by region and changes over time].
fn zone_letters(region: &str) -> &'static [char] {
    match region {
        "cn-hangzhou" => &['g', 'h', 'i', 'j', 'k'],
        _ => &['a', 'b'],
    }
}

/// DescribeZones: every zone, in one response; `AcceptLanguage` picks the names' language
/// (default `zh-CN`; `en-US` and `ja` get English names here).
pub fn describe(ctx: &mut Ctx<'_>, p: &Scope<'_>) -> ApiResult<Map<String, Value>> {
    let language = p.enumeration("AcceptLanguage", &["zh-CN", "en-US", "ja"])?;
    let english = matches!(language, Some("en-US" | "ja"));
    let region = &ctx.state.region;
    let zones: Vec<Value> = zone_letters(region)
        .iter()
        .map(|letter| {
            let upper = letter.to_ascii_uppercase();
            let local_name = if english {
                format!("{region} Zone {upper}")
            } else {
                format!("{region} 可用区{upper}")
            };
            json!({"ZoneId": format!("{region}-{letter}"), "LocalName": local_name})
        })
        .collect();
    Ok(object(json!({ "Zones": zones })))
}
