//! Property tests: random types (nested objects, lists, sets, maps, tuples,
//! dynamic) with conforming values (null and unknown at any level) survive
//! a msgpack round trip, and re-encoding is byte-stable.

use std::collections::BTreeMap;

use proptest::prelude::*;
use tfplugin::value::msgpack::{decode, encode};
use tfplugin::{Number, Type, Value};

fn arb_type() -> impl Strategy<Value = Type> {
    let leaf = prop_oneof![
        Just(Type::Bool),
        Just(Type::Number),
        Just(Type::String),
        Just(Type::Dynamic),
    ];
    leaf.prop_recursive(4, 24, 4, |inner| {
        prop_oneof![
            inner.clone().prop_map(Type::list),
            inner.clone().prop_map(Type::set),
            inner.clone().prop_map(Type::map),
            prop::collection::btree_map("[a-z_]{1,6}", inner.clone(), 0..4).prop_map(Type::Object),
            prop::collection::vec(inner, 0..3).prop_map(Type::Tuple),
        ]
    })
}

fn arb_number() -> impl Strategy<Value = Number> {
    prop_oneof![
        any::<i64>().prop_map(Number::Int),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Number::Float),
        any::<u64>().prop_map(Number::from),
        "[1-9][0-9]{20,28}\\.[0-9]{1,6}".prop_map(Number::Big),
    ]
}

/// Known values of no particular type, for `dynamic`.
fn arb_any_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        Just(Value::Unknown),
        any::<bool>().prop_map(Value::Bool),
        arb_number().prop_map(Value::Number),
        ".{0,8}".prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 16, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..3).prop_map(Value::List),
            prop::collection::btree_map("[a-z]{1,4}", inner, 0..3).prop_map(Value::Map),
        ]
    })
}

fn arb_value(ty: &Type) -> BoxedStrategy<Value> {
    let known: BoxedStrategy<Value> = match ty {
        Type::Bool => any::<bool>().prop_map(Value::Bool).boxed(),
        Type::Number => arb_number().prop_map(Value::Number).boxed(),
        Type::String => ".{0,12}".prop_map(Value::String).boxed(),
        Type::Dynamic => return arb_any_value().boxed(),
        Type::List(t) | Type::Set(t) => prop::collection::vec(arb_value(t), 0..4)
            .prop_map(Value::List)
            .boxed(),
        Type::Map(t) => prop::collection::btree_map(".{0,5}", arb_value(t), 0..4)
            .prop_map(Value::Map)
            .boxed(),
        Type::Object(attrs) => {
            let parts: Vec<BoxedStrategy<(String, Value)>> = attrs
                .iter()
                .map(|(k, t)| {
                    let k = k.clone();
                    arb_value(t).prop_map(move |v| (k.clone(), v)).boxed()
                })
                .collect();
            parts
                .prop_map(|kv| Value::Map(kv.into_iter().collect::<BTreeMap<_, _>>()))
                .boxed()
        }
        Type::Tuple(ts) => {
            let parts: Vec<BoxedStrategy<Value>> = ts.iter().map(arb_value).collect();
            parts.prop_map(Value::List).boxed()
        }
    };
    prop_oneof![
        1 => Just(Value::Null),
        1 => Just(Value::Unknown),
        6 => known,
    ]
    .boxed()
}

fn typed_value() -> impl Strategy<Value = (Type, Value)> {
    arb_type().prop_flat_map(|t| {
        let v = arb_value(&t);
        (Just(t), v)
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn msgpack_round_trip((ty, value) in typed_value()) {
        let bytes = encode(&value, &ty).expect("conforming value encodes");
        let back = decode(&bytes, &ty).expect("own encoding decodes");
        prop_assert_eq!(&back, &value);
        let again = encode(&back, &ty).expect("re-encode");
        prop_assert_eq!(again, bytes);
    }

    #[test]
    fn type_json_round_trip(ty in arb_type()) {
        prop_assert_eq!(Type::from_json(&ty.to_json()), Ok(ty));
    }

    #[test]
    fn decoding_garbage_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..64), ty in arb_type()) {
        let _ = decode(&bytes, &ty);
    }
}

#[test]
fn known_encodings_are_byte_exact() {
    // Object with a list block holding an unknown attribute, as Terraform sends it.
    let ty = Type::object([
        ("id", Type::String),
        ("rule", Type::list(Type::object([("p", Type::Number)]))),
    ]);
    let v = Value::object([
        ("id", Value::Unknown),
        (
            "rule",
            Value::List(vec![Value::object([("p", Value::from(300))])]),
        ),
    ]);
    let expected = vec![
        0x82, // map of 2
        0xa2, b'i', b'd', 0xd4, 0x00, 0x00, // "id": unknown
        0xa4, b'r', b'u', b'l', b'e', 0x91, // "rule": array of 1
        0x81, 0xa1, b'p', 0xcd, 0x01, 0x2c, // {"p": uint16 300}
    ];
    assert_eq!(encode(&v, &ty).expect("encode"), expected);
    assert_eq!(decode(&expected, &ty).expect("decode"), v);
}
