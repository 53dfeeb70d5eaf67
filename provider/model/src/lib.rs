//! Pure domain model of terraform-provider-alb: typed specs of `alb_config` and `alb_ingress`,
//! their expansion into the desired ALB objects, rule priorities, ownership tags and the diff of
//! desired against actual into ordered operations. No I/O.
//!
//! Flow: [`spec`] (deserialised from the Terraform value, validated by the provider) → [`expand`] →
//! [`desired`] (+ [`priority`], [`ownership`]) → [`diff`] against the actual state → ordered ops.
//! [`routing`] models how ALB matches requests; [`replay`] replays planned ops over it to prove
//! that no request ever loses its rule during an apply.

pub mod acl;
pub mod adopt;
pub mod auto_order;
pub mod desired;
pub mod diff;
pub mod error;
pub mod expand;
pub mod ownership;
pub mod priority;
pub mod references;
pub mod render;
pub mod replay;
pub mod reverse;
pub mod routing;
pub mod spec;
pub mod takeover;

pub use diff::{plan_config_ops, plan_ingress_ops, Op, OpKind};
pub use error::{AttrPath, ExpandError};
pub use expand::{expand_config, expand_ingress, member_requests, ConfigListeners, Members};
pub use priority::check_clashes;
