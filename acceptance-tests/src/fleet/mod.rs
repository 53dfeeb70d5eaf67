//! The fleet benchmark's parts (`make bench`, `benches/fleet.rs`): a fleet of `alb_ingress`
//! resources on several `alb_config` load balancers, the Terraform phases run against it through
//! the real provider binary and the mock, what each phase cost (wall time, API calls by action,
//! peak provider RSS) and the least the API allows for the same result.

pub mod inventory;
pub mod minimum;
pub mod phase;
pub mod report;
pub mod rss;
pub mod shape;
pub mod tally;
pub mod throttled;

pub use inventory::Inventory;
pub use minimum::Minimum;
pub use phase::{measure, Cost, Measurement, Phase, PhaseRunner, RunResult};
pub use shape::Fleet;
pub use tally::Tally;
