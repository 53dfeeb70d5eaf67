//! The HTTP side of an API call: reading query string, form body and headers, and writing
//! JSON success and error bodies.

use axum::body::{Body, Bytes};
use axum::http::{header, HeaderMap, Method, StatusCode, Uri};
use axum::response::Response;
use serde_json::{Map, Value};

use super::error::ApiError;

/// The API version the mock serves.
pub const VERSION: &str = "2020-06-16";

/// The STS API version the fake STS serves (the client's own constant, so both agree).
pub const STS_VERSION: &str = alb_api::credentials::STS_API_VERSION;

/// V1 common and signature parameters: not business parameters.
const COMMON_PARAMS: &[&str] = &[
    "Action",
    "Version",
    "Format",
    "Timestamp",
    "SignatureNonce",
    "SignatureMethod",
    "SignatureVersion",
    "AccessKeyId",
    "SecurityToken",
    "Signature",
];

/// One API request as received.
#[derive(Debug)]
pub struct Incoming {
    /// HTTP method.
    pub method: String,
    /// URI path.
    pub path: String,
    /// Headers with lowercase names (values that are not UTF-8 are dropped).
    pub headers: Vec<(String, String)>,
    /// Decoded query parameters in order.
    pub query: Vec<(String, String)>,
    /// Decoded form body parameters in order.
    pub form: Vec<(String, String)>,
    /// Raw body.
    pub body: Bytes,
}

impl Incoming {
    /// Reads the parts of a request; the body is parsed as a form when its content type is
    /// `application/x-www-form-urlencoded` (or absent), otherwise it is only hashed.
    pub fn new(method: &Method, uri: &Uri, headers: &HeaderMap, body: Bytes) -> Self {
        let headers: Vec<(String, String)> = headers
            .iter()
            .filter_map(|(k, v)| {
                v.to_str()
                    .ok()
                    .map(|v| (k.as_str().to_ascii_lowercase(), v.to_string()))
            })
            .collect();
        let query = uri
            .query()
            .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
            .unwrap_or_default();
        let content_type = headers
            .iter()
            .find(|(k, _)| k == header::CONTENT_TYPE.as_str())
            .map(|(_, v)| v.to_ascii_lowercase());
        let is_form = content_type
            .as_deref()
            .is_none_or(|ct| ct.starts_with("application/x-www-form-urlencoded"));
        let form = if is_form {
            form_urlencoded::parse(&body).into_owned().collect()
        } else {
            Vec::new()
        };
        Self {
            method: method.as_str().to_string(),
            path: uri.path().to_string(),
            headers,
            query,
            form,
            body,
        }
    }

    /// First value of a header (lowercase name).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// First value of a parameter from the query string, then the form body.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .chain(self.form.iter())
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Query and form parameters together.
    pub fn all_params(&self) -> Vec<(String, String)> {
        self.query.iter().chain(self.form.iter()).cloned().collect()
    }

    /// Parameters without the V1 common and signature ones.
    pub fn business_params(&self) -> Vec<(String, String)> {
        self.query
            .iter()
            .chain(self.form.iter())
            .filter(|(k, _)| !COMMON_PARAMS.contains(&k.as_str()))
            .cloned()
            .collect()
    }

    /// The API version: `x-acs-version` header (V3) or `Version` parameter (V1).
    pub fn version(&self) -> Option<&str> {
        self.header("x-acs-version")
            .or_else(|| self.param("Version"))
    }

    /// The action: `x-acs-action` header (V3) or `Action` parameter (V1).
    pub fn action(&self) -> Option<&str> {
        self.header("x-acs-action")
            .or_else(|| self.param("Action"))
            .filter(|a| !a.is_empty())
    }
}

/// A fresh request id (uppercase UUID).
pub fn request_id() -> String {
    uuid::Uuid::new_v4().to_string().to_ascii_uppercase()
}

fn json_response(status: u16, body: &Value) -> Response {
    let bytes = serde_json::to_vec(body).unwrap_or_default();
    Response::builder()
        .status(StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR))
        .header(header::CONTENT_TYPE, "application/json;charset=utf-8")
        .body(Body::from(bytes))
        .unwrap_or_default()
}

/// HTTP 200 with `RequestId` first, then the action's fields.
pub fn success(request_id: &str, body: Map<String, Value>) -> Response {
    let mut out = Map::new();
    out.insert("RequestId".into(), Value::from(request_id));
    out.extend(body);
    json_response(200, &Value::Object(out))
}

/// The error body `{"RequestId","HostId","Code","Message","Recommend"}` with the error's status.
pub fn error(request_id: &str, host_id: &str, err: &ApiError) -> Response {
    let body = serde_json::json!({
        "RequestId": request_id,
        "HostId": host_id,
        "Code": err.code,
        "Message": err.message,
        "Recommend": format!("https://api.aliyun.com/troubleshoot?q={}&product=Alb&requestId={request_id}", err.code),
    });
    json_response(err.status, &body)
}

/// A response whose body fails after the headers: the connection is closed without a complete
/// response, which is how a dropped response looks to the client.
pub fn dropped() -> Response {
    let stream = futures::stream::once(async {
        Err::<Bytes, std::io::Error>(std::io::Error::new(
            std::io::ErrorKind::ConnectionAborted,
            "alb-mock dropped this response",
        ))
    });
    Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, "application/json;charset=utf-8")
        .body(Body::from_stream(stream))
        .unwrap_or_default()
}
