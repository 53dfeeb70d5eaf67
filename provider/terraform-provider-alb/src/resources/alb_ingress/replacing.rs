//! Which ingress identity a replacement replaces.
//!
//! Terraform plans a replaced resource twice: first with its prior state (the provider answers
//! "requires replace"), then the new instance with a null prior state and the private data of
//! the first answer. The first plan leaves the prior `namespace/name` there, so that the second
//! can tell the rules of this resource's old instance (deleted before the new one is created)
//! from another ingress's. The private data is a JSON object; the mark is one key of it.

use model::desired::IngressId;

/// The key of the mark in the private JSON object.
const KEY: &str = "replaces";

/// `private` with the mark of `replaced` added (other keys kept; non-JSON private data is left
/// alone, unmarked).
pub(crate) fn mark(private: &[u8], replaced: &IngressId) -> Vec<u8> {
    let mut object = match parse(private) {
        Some(object) => object,
        None => return private.to_vec(),
    };
    object.insert(KEY.to_owned(), replaced.to_string().into());
    serde_json::to_vec(&object).unwrap_or_else(|_| private.to_vec())
}

/// The marked identity, and `private` without the mark (so it never reaches the state).
pub(crate) fn take(private: &[u8]) -> (Option<IngressId>, Vec<u8>) {
    let Some(mut object) = parse(private) else {
        return (None, private.to_vec());
    };
    let Some(mark) = object.remove(KEY) else {
        return (None, private.to_vec());
    };
    let replaced = mark.as_str().and_then(|s| s.parse().ok());
    let rest = if object.is_empty() {
        Vec::new()
    } else {
        serde_json::to_vec(&object).unwrap_or_default()
    };
    (replaced, rest)
}

/// The private data as a JSON object; empty data is an empty object.
fn parse(private: &[u8]) -> Option<serde_json::Map<String, serde_json::Value>> {
    if private.is_empty() {
        return Some(serde_json::Map::new());
    }
    match serde_json::from_slice(private).ok()? {
        serde_json::Value::Object(object) => Some(object),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mark_round_trips_and_leaves_nothing_behind() {
        let old = IngressId::new("shop", "old");
        let marked = mark(&[], &old);
        assert_eq!(take(&marked), (Some(old.clone()), Vec::new()));
        assert_eq!(take(&[]), (None, Vec::new()));

        let other = br#"{"k":1}"#;
        let (replaced, rest) = take(&mark(other, &old));
        assert_eq!(replaced, Some(old.clone()));
        assert_eq!(rest, other.to_vec());
        assert_eq!(mark(b"opaque", &old), b"opaque".to_vec());
        assert_eq!(take(b"opaque"), (None, b"opaque".to_vec()));
    }
}
