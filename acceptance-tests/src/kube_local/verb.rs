//! API verbs, named as RBAC names them.

/// What a request does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verb {
    /// Read one object.
    Get,
    /// Read a collection.
    List,
    /// Stream changes of a collection.
    Watch,
    /// Add an object.
    Create,
    /// Replace an object.
    Update,
    /// Patch an object.
    Patch,
    /// Remove an object.
    Delete,
    /// Remove the selected objects of a collection.
    DeleteCollection,
}

impl Verb {
    /// The RBAC name (`get`, `deletecollection`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Self::Get => "get",
            Self::List => "list",
            Self::Watch => "watch",
            Self::Create => "create",
            Self::Update => "update",
            Self::Patch => "patch",
            Self::Delete => "delete",
            Self::DeleteCollection => "deletecollection",
        }
    }

    /// Whether the verb only reads.
    pub fn reads_only(self) -> bool {
        matches!(self, Self::Get | Self::List | Self::Watch)
    }
}
