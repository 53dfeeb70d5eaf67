//! Pure domain model of terraform-provider-alb: typed specs of `alb_config` and `alb_ingress`,
//! their expansion into the desired ALB objects, rule priorities, ownership tags and the diff of
//! desired against actual into ordered operations. No I/O.

pub mod desired;
pub mod error;
pub mod spec;

pub use error::{AttrPath, ExpandError};
