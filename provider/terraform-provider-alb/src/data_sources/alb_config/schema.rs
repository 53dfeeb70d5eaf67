//! Schema of `data "alb_config"`: which load balancer to look up, and what an app team's
//! configuration needs of it.

use model::auto_order::MAX_ORDER;
use model::priority::BAND_WIDTH;
use tfplugin::schema::{Attribute, Block, Schema};
use tfplugin::types::Type;

use crate::schema_kit::{computed_str, object, opt_computed_str};

/// The full `data "alb_config"` schema.
pub fn schema() -> Schema {
    Schema::new(0, block())
}

/// The type of one free-order run.
fn order_range() -> Type {
    object(&[("first", Type::Number), ("last", Type::Number)])
}

/// The type of one listener.
pub(crate) fn listener_type() -> Type {
    object(&[
        ("id", Type::String),
        ("protocol", Type::String),
        ("port", Type::Number),
        ("default_server_group_id", Type::String),
        ("free_orders", Type::list(order_range())),
    ])
}

fn block() -> Block {
    Block::new()
        .describe(
            "Looks up a load balancer managed by this provider (an `alb_config` of any Terraform \
             state, e.g. the platform team's) by `id`, or by `name` and `cluster_id`, so that \
             another configuration can attach `alb_ingress` resources to it without reading \
             the other state. Exactly one load balancer must match.",
        )
        .attr(opt_computed_str(
            "id",
            "Load balancer id (`alb-…`) to look up. Set this or `name`, not both.",
        ))
        .attr(opt_computed_str(
            "name",
            "Load balancer name (the `name` of its `alb_config`) to look up, among the load \
             balancers the provider created for `cluster_id`. Set this or `id`, not both.",
        ))
        .attr(opt_computed_str(
            "cluster_id",
            "With `name`: the `cluster_id` of the provider configuration that manages the load \
             balancer (its ownership tag `alb.terraform/cluster`); default: this provider's \
             `cluster_id`. Not allowed with `id`, where it is read from the load balancer.",
        ))
        .attr(computed_str("dns_name", "DNS name of the load balancer."))
        .attr(computed_str(
            "status",
            "Status of the load balancer (`Active`, `Provisioning`, `Configuring`, …).",
        ))
        .attr(computed_str("vpc_id", "VPC of the load balancer."))
        .attr(
            Attribute::computed("listener", Type::map(listener_type())).describe(&format!(
                "Every listener of the load balancer, keyed by `PROTOCOL:port` like the \
                 `listener` blocks of `alb_config` (e.g. `listener[\"HTTPS:443\"]`). Each has \
                 `id`, `protocol`, `port`, `default_server_group_id` (the placeholder group \
                 its default action forwards to) and `free_orders`: the runs `{{ first, last \
                 }}` of `alb_ingress` `order` values (1–{MAX_ORDER}) whose whole priority band \
                 (`order` n → priorities (n−1)·{BAND_WIDTH}+1 … n·{BAND_WIDTH}) holds no rule \
                 on this listener, whoever owns it, ascending: the orders an explicit `order` \
                 can take there without a clash. An ingress with more than {BAND_WIDTH} rules \
                 on the listener spills into the next bands, so it needs a run that long. The \
                 runs shrink as ingresses are added: read them to choose an order, do not wire \
                 them into `order` (it would move on the next plan).",
            )),
        )
}
