//! Small constructors that keep the schema definitions short and uniform.

use tfplugin::schema::Attribute;
use tfplugin::types::Type;

/// A required string attribute.
pub(crate) fn req_str(name: &str, description: &str) -> Attribute {
    Attribute::required(name, Type::String).describe(description)
}

/// An optional string attribute.
pub(crate) fn opt_str(name: &str, description: &str) -> Attribute {
    Attribute::optional(name, Type::String).describe(description)
}

/// A required number attribute.
pub(crate) fn req_num(name: &str, description: &str) -> Attribute {
    Attribute::required(name, Type::Number).describe(description)
}

/// An optional number attribute.
pub(crate) fn opt_num(name: &str, description: &str) -> Attribute {
    Attribute::optional(name, Type::Number).describe(description)
}

/// An optional bool attribute.
pub(crate) fn opt_bool(name: &str, description: &str) -> Attribute {
    Attribute::optional(name, Type::Bool).describe(description)
}

/// An optional `list(string)` attribute.
pub(crate) fn opt_str_list(name: &str, description: &str) -> Attribute {
    Attribute::optional(name, Type::list(Type::String)).describe(description)
}

/// A required `list(string)` attribute.
pub(crate) fn req_str_list(name: &str, description: &str) -> Attribute {
    Attribute::required(name, Type::list(Type::String)).describe(description)
}

/// An optional string attribute the provider fills in when unset (its default, or what exists).
pub(crate) fn opt_computed_str(name: &str, description: &str) -> Attribute {
    Attribute::optional_computed(name, Type::String).describe(description)
}

/// An optional bool attribute the provider fills in with its default when unset.
pub(crate) fn opt_computed_bool(name: &str, description: &str) -> Attribute {
    Attribute::optional_computed(name, Type::Bool).describe(description)
}

/// A computed string attribute.
pub(crate) fn computed_str(name: &str, description: &str) -> Attribute {
    Attribute::computed(name, Type::String).describe(description)
}

/// An object type from `(name, type)` pairs.
pub(crate) fn object(fields: &[(&str, Type)]) -> Type {
    Type::Object(
        fields
            .iter()
            .map(|(name, ty)| ((*name).to_string(), ty.clone()))
            .collect(),
    )
}
