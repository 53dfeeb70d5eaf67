//! The in-memory object store: JSON objects keyed by (resource, namespace, name), one global
//! `resourceVersion` counter, and a bounded history of change events that serves watches from
//! a `resourceVersion` and consistent `continue` pages (the state at an older version is
//! rebuilt by undoing the newer events).

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

use serde_json::{json, Value};
use tokio::sync::broadcast;

use super::resources::ResourceType;

/// Where an object lives.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ObjectKey {
    /// The resource's plural (unique across the served groups).
    pub resource: &'static str,
    /// Namespace, `""` for cluster-scoped objects.
    pub namespace: String,
    /// Name.
    pub name: String,
}

impl ObjectKey {
    /// The key of `name` in `namespace` (ignored for cluster-scoped resources).
    pub fn new(resource: &'static ResourceType, namespace: &str, name: &str) -> Self {
        Self {
            resource: resource.plural,
            namespace: if resource.namespaced {
                namespace.to_string()
            } else {
                String::new()
            },
            name: name.to_string(),
        }
    }

    /// The key of a stored object.
    pub fn of(resource: &'static ResourceType, object: &Value) -> Self {
        Self::new(
            resource,
            object
                .pointer("/metadata/namespace")
                .and_then(Value::as_str)
                .unwrap_or_default(),
            object
                .pointer("/metadata/name")
                .and_then(Value::as_str)
                .unwrap_or_default(),
        )
    }
}

/// What happened to an object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventType {
    /// Created.
    Added,
    /// Changed.
    Modified,
    /// Removed.
    Deleted,
}

/// One committed change.
#[derive(Debug)]
pub struct Event {
    /// The resourceVersion the change produced.
    pub rv: u64,
    /// The object's resource.
    pub resource: &'static ResourceType,
    /// The object's key.
    pub key: ObjectKey,
    /// What happened.
    pub kind: EventType,
    /// The object before (absent for `Added`).
    pub old: Option<Arc<Value>>,
    /// The object after; for `Deleted` the last state, stamped with the deletion's version.
    pub object: Arc<Value>,
}

/// The changes after a version, and the receiver of the ones still to come.
pub type Replay = (Vec<Arc<Event>>, broadcast::Receiver<Arc<Event>>);

/// The history no longer reaches back to the asked version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooOld {
    /// The oldest version the history can still serve.
    pub oldest: u64,
}

/// Objects, versions and history.
#[derive(Debug)]
pub struct Store {
    objects: BTreeMap<ObjectKey, Arc<Value>>,
    rv: u64,
    history: VecDeque<Arc<Event>>,
    history_limit: usize,
    /// The version from which the history is complete.
    history_start: u64,
    events: broadcast::Sender<Arc<Event>>,
}

/// Sets `metadata.resourceVersion`.
fn stamp(object: &mut Value, rv: u64) {
    object["metadata"]["resourceVersion"] = json!(rv.to_string());
}

/// Parses a `resourceVersion` string.
pub fn parse_rv(s: &str) -> Option<u64> {
    s.parse().ok()
}

/// The `metadata.resourceVersion` of an object (0 when unset).
pub fn rv_of(object: &Value) -> u64 {
    object
        .pointer("/metadata/resourceVersion")
        .and_then(Value::as_str)
        .and_then(parse_rv)
        .unwrap_or(0)
}

impl Store {
    /// An empty store keeping at most `history_limit` events.
    pub fn new(history_limit: usize) -> Self {
        let (events, _) = broadcast::channel(4096);
        Self {
            objects: BTreeMap::new(),
            rv: 1,
            history: VecDeque::new(),
            history_limit: history_limit.max(1),
            history_start: 1,
            events,
        }
    }

    /// The current global resourceVersion.
    pub fn current_rv(&self) -> u64 {
        self.rv
    }

    /// One object.
    pub fn get(&self, key: &ObjectKey) -> Option<Arc<Value>> {
        self.objects.get(key).cloned()
    }

    /// The objects of a resource, in one namespace or all, ordered by namespace and name.
    pub fn list<'a>(
        &'a self,
        resource: &'static ResourceType,
        namespace: Option<&'a str>,
    ) -> impl Iterator<Item = (&'a ObjectKey, &'a Arc<Value>)> + 'a {
        let start = ObjectKey {
            resource: resource.plural,
            namespace: namespace.unwrap_or_default().to_string(),
            name: String::new(),
        };
        self.objects.range(start..).take_while(move |(k, _)| {
            k.resource == resource.plural && namespace.is_none_or(|ns| k.namespace == ns)
        })
    }

    /// The objects of a resource as they were at version `rv`, ordered by key.
    pub fn list_at(
        &self,
        resource: &'static ResourceType,
        namespace: Option<&str>,
        rv: u64,
    ) -> Result<Vec<(ObjectKey, Arc<Value>)>, TooOld> {
        let mut state: BTreeMap<ObjectKey, Arc<Value>> = self
            .list(resource, namespace)
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        if rv < self.rv {
            if rv < self.history_start {
                return Err(TooOld {
                    oldest: self.history_start,
                });
            }
            for event in self.history.iter().rev().take_while(|e| e.rv > rv) {
                if event.resource.plural != resource.plural
                    || namespace.is_some_and(|ns| event.key.namespace != ns)
                {
                    continue;
                }
                match &event.old {
                    Some(old) => state.insert(event.key.clone(), old.clone()),
                    None => state.remove(&event.key),
                };
            }
        }
        Ok(state.into_iter().collect())
    }

    /// The events after version `rv`, and a receiver of the later ones (taken together, so
    /// nothing falls between them).
    pub fn watch_from(&self, rv: u64) -> Result<Replay, TooOld> {
        if rv < self.history_start {
            return Err(TooOld {
                oldest: self.history_start,
            });
        }
        let past = self.history.iter().filter(|e| e.rv > rv).cloned().collect();
        Ok((past, self.events.subscribe()))
    }

    /// A receiver of the events from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Event>> {
        self.events.subscribe()
    }

    fn record(
        &mut self,
        resource: &'static ResourceType,
        key: ObjectKey,
        kind: EventType,
        old: Option<Arc<Value>>,
        object: Arc<Value>,
    ) {
        let event = Arc::new(Event {
            rv: self.rv,
            resource,
            key,
            kind,
            old,
            object,
        });
        self.history.push_back(event.clone());
        while self.history.len() > self.history_limit {
            if let Some(dropped) = self.history.pop_front() {
                self.history_start = dropped.rv;
            }
        }
        // No receivers is fine: nobody watches.
        let _ = self.events.send(event);
    }

    /// Stores a new object under a new version.
    pub fn create(&mut self, resource: &'static ResourceType, mut object: Value) -> Arc<Value> {
        self.rv += 1;
        stamp(&mut object, self.rv);
        let key = ObjectKey::of(resource, &object);
        let object = Arc::new(object);
        self.objects.insert(key.clone(), object.clone());
        self.record(resource, key, EventType::Added, None, object.clone());
        object
    }

    /// Replaces a stored object. An update that changes nothing keeps the version and sends
    /// no event, as on the real server.
    pub fn update(&mut self, resource: &'static ResourceType, mut object: Value) -> Arc<Value> {
        let key = ObjectKey::of(resource, &object);
        let old = self.objects.get(&key).cloned();
        if let Some(old) = &old {
            stamp(&mut object, rv_of(old));
            if **old == object {
                return old.clone();
            }
        }
        self.rv += 1;
        stamp(&mut object, self.rv);
        let object = Arc::new(object);
        self.objects.insert(key.clone(), object.clone());
        self.record(resource, key, EventType::Modified, old, object.clone());
        object
    }

    /// Removes an object; returns its last state stamped with the deletion's version.
    pub fn delete(
        &mut self,
        resource: &'static ResourceType,
        key: &ObjectKey,
    ) -> Option<Arc<Value>> {
        let old = self.objects.remove(key)?;
        self.rv += 1;
        let mut last = (*old).clone();
        stamp(&mut last, self.rv);
        let last = Arc::new(last);
        self.record(
            resource,
            key.clone(),
            EventType::Deleted,
            Some(old),
            last.clone(),
        );
        Some(last)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kube_local::resources::by_kind;

    fn svc(name: &str, v: i64) -> Value {
        json!({"metadata": {"name": name, "namespace": "ns"}, "spec": {"v": v}})
    }

    #[test]
    fn versions_rise_and_noop_updates_keep_them() {
        let services = by_kind("Service");
        let mut store = Store::new(100);
        let a = store.create(services, svc("a", 1));
        assert_eq!(rv_of(&a), 2);
        let same = store.update(services, svc("a", 1));
        assert_eq!(rv_of(&same), 2);
        let changed = store.update(services, svc("a", 2));
        assert_eq!(rv_of(&changed), 3);
        assert_eq!(store.current_rv(), 3);
    }

    #[test]
    fn the_past_is_rebuilt_from_history() {
        let services = by_kind("Service");
        let mut store = Store::new(100);
        store.create(services, svc("a", 1));
        let at = store.current_rv();
        store.update(services, svc("a", 2));
        store.create(services, svc("b", 1));
        store.delete(services, &ObjectKey::new(services, "ns", "a"));
        let then = store.list_at(services, Some("ns"), at).unwrap();
        assert_eq!(then.len(), 1);
        assert_eq!(then[0].1["spec"]["v"], 1);
        let (events, _) = store.watch_from(at).unwrap();
        let kinds: Vec<_> = events.iter().map(|e| e.kind).collect();
        assert_eq!(
            kinds,
            [EventType::Modified, EventType::Added, EventType::Deleted]
        );
    }

    #[test]
    fn history_is_bounded() {
        let services = by_kind("Service");
        let mut store = Store::new(2);
        for v in 0..5 {
            store.create(services, svc(&format!("s{v}"), v));
        }
        assert!(store.watch_from(2).is_err());
        assert!(store.watch_from(store.current_rv() - 1).is_ok());
    }
}
