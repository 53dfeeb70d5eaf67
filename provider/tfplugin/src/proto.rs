//! Generated protocol types (tfplugin6 and go-plugin's `plugin` package) and
//! the conversions between them and this crate's types.

/// Terraform plugin protocol 6.10 messages, server and client.
#[allow(clippy::all, missing_docs)]
pub mod tfplugin6 {
    tonic::include_proto!("tfplugin6");
}

/// go-plugin's controller and stdio services.
#[allow(clippy::all, missing_docs)]
pub mod plugin {
    tonic::include_proto!("plugin");
}

use tfplugin6::attribute_path::{step::Selector, Step};
use tfplugin6::schema::nested_block::NestingMode;

use crate::diag::{AttributePath, Diagnostic, PathStep, Severity};
use crate::schema::{Attribute, Block, NestedBlock, Nesting, Schema};
use crate::types::Type;
use crate::value::{json, msgpack, Value, ValueError};

impl From<&AttributePath> for tfplugin6::AttributePath {
    fn from(p: &AttributePath) -> Self {
        let steps =
            p.0.iter()
                .map(|s| Step {
                    selector: Some(match s {
                        PathStep::Attr(a) => Selector::AttributeName(a.clone()),
                        PathStep::Index(i) => Selector::ElementKeyInt(*i),
                        PathStep::Key(k) => Selector::ElementKeyString(k.clone()),
                    }),
                })
                .collect();
        tfplugin6::AttributePath { steps }
    }
}

/// A path step without a selector cannot be represented.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("attribute path step without a selector")]
pub struct EmptyStep;

impl TryFrom<&tfplugin6::AttributePath> for AttributePath {
    type Error = EmptyStep;
    fn try_from(p: &tfplugin6::AttributePath) -> Result<Self, EmptyStep> {
        p.steps
            .iter()
            .map(|s| match &s.selector {
                Some(Selector::AttributeName(a)) => Ok(PathStep::Attr(a.clone())),
                Some(Selector::ElementKeyInt(i)) => Ok(PathStep::Index(*i)),
                Some(Selector::ElementKeyString(k)) => Ok(PathStep::Key(k.clone())),
                None => Err(EmptyStep),
            })
            .collect::<Result<_, _>>()
            .map(AttributePath)
    }
}

impl From<Severity> for tfplugin6::diagnostic::Severity {
    fn from(s: Severity) -> Self {
        match s {
            Severity::Error => tfplugin6::diagnostic::Severity::Error,
            Severity::Warning => tfplugin6::diagnostic::Severity::Warning,
        }
    }
}

impl From<&Diagnostic> for tfplugin6::Diagnostic {
    fn from(d: &Diagnostic) -> Self {
        tfplugin6::Diagnostic {
            severity: tfplugin6::diagnostic::Severity::from(d.severity) as i32,
            summary: d.summary.clone(),
            detail: d.detail.clone(),
            attribute: d.attribute.as_ref().map(Into::into),
        }
    }
}

/// A diagnostic whose severity is not ERROR or WARNING.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid diagnostic: {0}")]
pub struct InvalidDiagnostic(pub String);

impl TryFrom<&tfplugin6::Diagnostic> for Diagnostic {
    type Error = InvalidDiagnostic;
    fn try_from(d: &tfplugin6::Diagnostic) -> Result<Self, InvalidDiagnostic> {
        let severity = match tfplugin6::diagnostic::Severity::try_from(d.severity) {
            Ok(tfplugin6::diagnostic::Severity::Error) => Severity::Error,
            Ok(tfplugin6::diagnostic::Severity::Warning) => Severity::Warning,
            _ => return Err(InvalidDiagnostic(format!("severity {}", d.severity))),
        };
        let attribute = d
            .attribute
            .as_ref()
            .map(AttributePath::try_from)
            .transpose()
            .map_err(|e| InvalidDiagnostic(e.to_string()))?;
        Ok(Diagnostic {
            severity,
            summary: d.summary.clone(),
            detail: d.detail.clone(),
            attribute,
        })
    }
}

/// Convert a list of diagnostics for a response.
pub(crate) fn diagnostics<'a>(
    ds: impl IntoIterator<Item = &'a Diagnostic>,
) -> Vec<tfplugin6::Diagnostic> {
    ds.into_iter().map(Into::into).collect()
}

fn string_kind(description: &str) -> i32 {
    if description.is_empty() {
        tfplugin6::StringKind::Plain as i32
    } else {
        tfplugin6::StringKind::Markdown as i32
    }
}

impl From<Nesting> for NestingMode {
    fn from(n: Nesting) -> Self {
        match n {
            Nesting::Single => NestingMode::Single,
            Nesting::Group => NestingMode::Group,
            Nesting::List => NestingMode::List,
            Nesting::Set => NestingMode::Set,
            Nesting::Map => NestingMode::Map,
        }
    }
}

impl From<&Attribute> for tfplugin6::schema::Attribute {
    fn from(a: &Attribute) -> Self {
        tfplugin6::schema::Attribute {
            name: a.name.clone(),
            r#type: a.ty.to_json().to_string().into_bytes(),
            nested_type: None,
            description: a.description.clone(),
            required: a.required,
            optional: a.optional,
            computed: a.computed,
            sensitive: a.sensitive,
            description_kind: string_kind(&a.description),
            deprecated: a.deprecated,
            write_only: false,
        }
    }
}

impl From<&NestedBlock> for tfplugin6::schema::NestedBlock {
    fn from(b: &NestedBlock) -> Self {
        tfplugin6::schema::NestedBlock {
            type_name: b.type_name.clone(),
            block: Some((&b.block).into()),
            nesting: NestingMode::from(b.nesting) as i32,
            min_items: b.min_items,
            max_items: b.max_items,
        }
    }
}

impl From<&Block> for tfplugin6::schema::Block {
    fn from(b: &Block) -> Self {
        tfplugin6::schema::Block {
            version: 0,
            attributes: b.attributes.iter().map(Into::into).collect(),
            block_types: b.block_types.iter().map(Into::into).collect(),
            description: b.description.clone(),
            description_kind: string_kind(&b.description),
            deprecated: b.deprecated,
        }
    }
}

impl From<&Schema> for tfplugin6::Schema {
    fn from(s: &Schema) -> Self {
        let mut block = tfplugin6::schema::Block::from(&s.block);
        block.version = s.version;
        tfplugin6::Schema {
            version: s.version,
            block: Some(block),
        }
    }
}

/// Decode a request's DynamicValue: msgpack if present, else JSON, else null.
pub(crate) fn decode_dynamic(
    dv: Option<&tfplugin6::DynamicValue>,
    ty: &Type,
) -> Result<Value, ValueError> {
    match dv {
        Some(dv) if !dv.msgpack.is_empty() => msgpack::decode(&dv.msgpack, ty),
        Some(dv) if !dv.json.is_empty() => json::decode_state(&dv.json, ty),
        _ => Ok(Value::Null),
    }
}

/// Encode a response value as msgpack.
pub(crate) fn encode_dynamic(v: &Value, ty: &Type) -> Result<tfplugin6::DynamicValue, ValueError> {
    Ok(tfplugin6::DynamicValue {
        msgpack: msgpack::encode(v, ty)?,
        json: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_round_trip() {
        let p = AttributePath::root().attr("a").index(2).key("k");
        let wire = tfplugin6::AttributePath::from(&p);
        assert_eq!(wire.steps.len(), 3);
        assert_eq!(wire.steps[1].selector, Some(Selector::ElementKeyInt(2)));
        assert_eq!(AttributePath::try_from(&wire), Ok(p));
        let broken = tfplugin6::AttributePath {
            steps: vec![Step { selector: None }],
        };
        assert_eq!(AttributePath::try_from(&broken), Err(EmptyStep));
    }

    #[test]
    fn diagnostic_severity_numbers() {
        let d = Diagnostic::error("s", "d").at(AttributePath::root().attr("x"));
        let wire = tfplugin6::Diagnostic::from(&d);
        assert_eq!(wire.severity, 1);
        assert_eq!(
            tfplugin6::Diagnostic::from(&Diagnostic::warning("w", "")).severity,
            2
        );
        assert_eq!(Diagnostic::try_from(&wire), Ok(d));
        let invalid = tfplugin6::Diagnostic {
            severity: 0,
            ..wire
        };
        assert!(Diagnostic::try_from(&invalid).is_err());
    }

    #[test]
    fn schema_to_wire() {
        let s = Schema::new(
            3,
            Block::new()
                .attr(Attribute::required("name", Type::list(Type::String)).describe("N"))
                .block(NestedBlock::set("r", Block::new()).max(2)),
        );
        let wire = tfplugin6::Schema::from(&s);
        assert_eq!(wire.version, 3);
        let block = wire.block.unwrap_or_default();
        assert_eq!(block.attributes[0].r#type, br#"["list","string"]"#.to_vec());
        assert_eq!(
            block.attributes[0].description_kind,
            tfplugin6::StringKind::Markdown as i32
        );
        assert!(block.attributes[0].required);
        assert_eq!(block.block_types[0].nesting, NestingMode::Set as i32);
        assert_eq!(block.block_types[0].max_items, 2);
    }

    #[test]
    fn dynamic_value_fallbacks() {
        let ty = Type::object([("a", Type::String)]);
        assert_eq!(decode_dynamic(None, &ty), Ok(Value::Null));
        let j = tfplugin6::DynamicValue {
            msgpack: vec![],
            json: br#"{"a":"x"}"#.to_vec(),
        };
        assert_eq!(
            decode_dynamic(Some(&j), &ty),
            Ok(Value::object([("a", Value::string("x"))]))
        );
    }
}
