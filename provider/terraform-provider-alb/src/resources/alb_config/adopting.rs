//! An import's pending takeover of objects another tool made (see [`model::adopt`]), carried in
//! the resource's private data from the import to the apply that adopts them:
//!
//! 1. the import marks the state [`Adopting`] (no listeners known yet);
//! 2. each refresh shows the foreign listeners along with the owned ones and records their
//!    labels in the mark;
//! 3. the plan shows the default action of each declared one moving to a placeholder group
//!    (`default_server_group_id` known after apply) and warns about the undeclared ones, which
//!    leave the state (the refresh showed them; the configuration has no block for them) but
//!    stay as they are on the load balancer;
//! 4. the apply tags the load balancer and the declared listeners as this config's and replaces
//!    the mark with [`SETTLED`]: later refreshes show owned listeners only.

use std::collections::BTreeSet;

use model::adopt::{foreign_listeners, is_foreign};
use model::desired::ListenerKey;
use model::diff::ActualLoadBalancer;
use tfplugin::diag::{AttributePath, Diagnostic, Diagnostics};
use tfplugin::value::Value;

/// Private data prefix of a state whose import is not applied yet.
const MARK: &str = "alb.terraform/adopting";
/// Private data of a state whose adoption is applied. Not empty: Terraform keeps the prior
/// private data when a provider returns none.
pub(crate) const SETTLED: &[u8] = b"alb.terraform/adopted";

/// The foreign listeners an imported state takes over.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Adopting {
    /// Labels of the foreign listeners the last refresh found.
    pub listeners: BTreeSet<ListenerKey>,
}

impl Adopting {
    /// The mark in `private`, if the state has one.
    pub fn from_private(private: &[u8]) -> Option<Adopting> {
        let text = std::str::from_utf8(private).ok()?;
        let mut lines = text.lines();
        if lines.next()? != MARK {
            return None;
        }
        Some(Adopting {
            listeners: lines.filter_map(|l| l.parse().ok()).collect(),
        })
    }

    /// What an import of `actual` has to take over: its foreign listeners; `None` when nothing
    /// is foreign (the load balancer and its listeners are owned: no adoption needed).
    pub fn found(actual: &ActualLoadBalancer) -> Option<Adopting> {
        let listeners = foreign_listeners(actual);
        (!listeners.is_empty() || is_foreign(&actual.tags)).then_some(Adopting { listeners })
    }

    /// The private data carrying this mark.
    pub fn to_private(&self) -> Vec<u8> {
        let mut text = MARK.to_owned();
        for key in &self.listeners {
            text.push('\n');
            text.push_str(&key.to_string());
        }
        text.into_bytes()
    }

    /// The adopted listeners `planned` declares.
    pub fn declared(&self, planned: &Value) -> BTreeSet<ListenerKey> {
        self.listeners
            .iter()
            .filter(|key| !planned.get("listener").get(&key.to_string()).is_null())
            .copied()
            .collect()
    }

    /// Marks the default server group of each adopted listener that `planned` declares as known
    /// after apply (it moves to a placeholder group), and warns about each one it does not
    /// declare (left as it is, never deleted).
    pub fn plan(&self, planned: &mut Value) -> Diagnostics {
        let mut diagnostics = Diagnostics::default();
        for key in &self.listeners {
            let label = key.to_string();
            let path = AttributePath::root().attr("listener").key(&label);
            match planned.at_mut(&path.clone().attr("default_server_group_id")) {
                Some(group) => *group = Value::Unknown,
                None => diagnostics.push(
                    Diagnostic::warning(
                        "Imported listener not declared",
                        format!(
                            "The imported load balancer has a listener {label} that this \
                             provider did not create and that has no listener \"{label}\" \
                             block. The plan shows it leaving this resource's state, but it is \
                             left as it is on the load balancer (not adopted, not deleted). \
                             Declare it to manage it from this alb_config."
                        ),
                    )
                    .at(AttributePath::root().attr("listener")),
                ),
            }
        }
        diagnostics
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use model::ownership::{config_tags, ResourceKind};
    use model::spec::ListenerProtocol;

    fn key(protocol: ListenerProtocol, port: u16) -> ListenerKey {
        ListenerKey::new(protocol, port)
    }

    #[test]
    fn the_mark_round_trips_through_private_data() {
        let imported = Adopting::default();
        assert_eq!(
            Adopting::from_private(&imported.to_private()),
            Some(imported)
        );
        let refreshed = Adopting {
            listeners: [
                key(ListenerProtocol::Http, 80),
                key(ListenerProtocol::Https, 443),
            ]
            .into(),
        };
        assert_eq!(
            Adopting::from_private(&refreshed.to_private()),
            Some(refreshed)
        );
        assert_eq!(Adopting::from_private(SETTLED), None);
        assert_eq!(Adopting::from_private(b""), None);
        assert_eq!(Adopting::from_private(b"alb.terraform/replacing"), None);
    }

    #[test]
    fn an_import_of_owned_objects_needs_no_adoption() {
        let owned = |resource, key: Option<&str>| config_tags("c1", "web", resource, key);
        let mut actual = ActualLoadBalancer {
            id: "alb-1".into(),
            name: "web".into(),
            deletion_protection: false,
            access_log: None,
            tags: owned(ResourceKind::LoadBalancer, None),
            edition: None,
            address_type: None,
            zone_mappings: Vec::new(),
            resource_group_id: None,
            listeners: Vec::new(),
            placeholders: Vec::new(),
            acls: Vec::new(),
        };
        assert_eq!(Adopting::found(&actual), None);
        // A foreign load balancer is taken over even before it has listeners.
        actual.tags = [("team".to_owned(), "web".to_owned())].into();
        assert_eq!(Adopting::found(&actual), Some(Adopting::default()));
    }

    #[test]
    fn declared_listeners_move_to_a_placeholder_and_others_are_warned_about() {
        let adopting = Adopting {
            listeners: [
                key(ListenerProtocol::Http, 80),
                key(ListenerProtocol::Http, 8080),
            ]
            .into(),
        };
        let mut planned = Value::object([(
            "listener",
            Value::object([(
                "HTTP:80",
                Value::object([
                    ("id", Value::from("lsn-80")),
                    ("default_server_group_id", Value::from("sgp-theirs")),
                ]),
            )]),
        )]);
        assert_eq!(
            adopting.declared(&planned),
            [key(ListenerProtocol::Http, 80)].into()
        );
        let diagnostics = adopting.plan(&mut planned);
        let l80 = planned.get("listener").get("HTTP:80");
        assert!(l80.get("default_server_group_id").is_unknown());
        assert_eq!(l80.get("id").as_str(), Some("lsn-80"));
        assert_eq!(diagnostics.len(), 1);
        let warning = diagnostics.iter().next().expect("one warning");
        assert!(
            warning.detail.contains("listener HTTP:8080"),
            "{}",
            warning.detail
        );
        assert!(!diagnostics.has_errors());
    }
}
