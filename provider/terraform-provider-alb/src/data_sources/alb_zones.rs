//! The `alb_zones` data source: the zones of the provider's region where ALB is available
//! (`DescribeZones`), for the `zone_mapping` blocks of an `alb_config`.

use alb_api::zone::{DescribeZonesRequest, Zone};
use tfplugin::data_source::{DataReadResponse, DataSource};
use tfplugin::diag::{Diagnostic, Diagnostics};
use tfplugin::provider::Ctx;
use tfplugin::schema::{Attribute, Block, Schema};
use tfplugin::types::Type;
use tfplugin::value::Value;

use crate::config::SharedSettings;
use crate::resources::api::{self, Session};
use crate::schema_kit::{computed_str, object};

/// Terraform type name.
pub const TYPE_NAME: &str = "alb_zones";

/// The `alb_zones` data source.
#[derive(Clone, Debug)]
pub struct AlbZones {
    settings: SharedSettings,
    api: Session,
}

impl AlbZones {
    /// The data source, using the provider settings in `settings` and calling the API through
    /// the process's session `api`.
    pub fn new(settings: SharedSettings, api: Session) -> Self {
        AlbZones { settings, api }
    }

    async fn zones(&self) -> Result<Value, Diagnostic> {
        let settings = self.settings.get()?;
        let reconciler = self.api.reconciler(&settings, api::DEFAULT_TIME_LIMIT)?;
        let request = DescribeZonesRequest {
            accept_language: Some("en-US".to_owned()),
        };
        let mut zones = reconciler
            .client()
            .describe_zones(&request)
            .await
            .map_err(|e| {
                api::diagnostic_from(
                    &e.into(),
                    &format!("listing the zones of {}", settings.region),
                )
            })?
            .zones;
        zones.sort_by(|a, b| a.zone_id.cmp(&b.zone_id));
        Ok(state(&settings.region, &zones))
    }
}

/// The data source's value for the `zones` of `region`.
fn state(region: &str, zones: &[Zone]) -> Value {
    Value::object([
        ("region", Value::from(region)),
        (
            "ids",
            Value::List(
                zones
                    .iter()
                    .map(|z| Value::from(z.zone_id.clone()))
                    .collect(),
            ),
        ),
        (
            "zones",
            Value::List(
                zones
                    .iter()
                    .map(|z| {
                        Value::object([
                            ("zone_id", Value::from(z.zone_id.clone())),
                            ("local_name", Value::from(z.local_name.clone())),
                        ])
                    })
                    .collect(),
            ),
        ),
    ])
}

/// The `alb_zones` schema.
pub fn schema() -> Schema {
    let zone = object(&[("zone_id", Type::String), ("local_name", Type::String)]);
    Schema::new(
        0,
        Block::new()
            .describe(
                "The zones of the provider's region where ALB is available (`DescribeZones`): \
                 what the `zone_id` of an `alb_config` `zone_mapping` can be.",
            )
            .attr(computed_str("region", "The provider's region."))
            .attr(
                Attribute::computed("ids", Type::list(Type::String))
                    .describe("The zone ids (e.g. `cn-hangzhou-h`), sorted."),
            )
            .attr(Attribute::computed("zones", Type::list(zone)).describe(
                "The zones, sorted by id: `zone_id` and `local_name` (the zone's English name).",
            )),
    )
}

#[async_trait::async_trait]
impl DataSource for AlbZones {
    fn type_name(&self) -> &'static str {
        TYPE_NAME
    }

    fn schema(&self) -> Schema {
        schema()
    }

    async fn validate(&self, _ctx: &Ctx, _config: &Value) -> Diagnostics {
        Diagnostics::default()
    }

    async fn read(&self, _ctx: &Ctx, _config: Value) -> DataReadResponse {
        DataReadResponse::from_result(self.zones().await)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_lists_ids_and_zones_and_conforms_to_the_schema() {
        let zones = [
            Zone {
                zone_id: "cn-hangzhou-h".into(),
                local_name: "Hangzhou Zone H".into(),
            },
            Zone {
                zone_id: "cn-hangzhou-i".into(),
                local_name: "Hangzhou Zone I".into(),
            },
        ];
        let value = state("cn-hangzhou", &zones);
        assert_eq!(
            value.get("ids").to_json(),
            Some(serde_json::json!(["cn-hangzhou-h", "cn-hangzhou-i"]))
        );
        assert_eq!(value.get("zones").as_list().map(<[Value]>::len), Some(2));
        let ty = schema().block.implied_type();
        assert!(tfplugin::value::msgpack::encode(&value, &ty).is_ok());
    }
}
