//! Request signing for the Alibaba Cloud OpenAPI gateway.
//!
//! Two schemes are implemented:
//! - **V3** (`ACS3-HMAC-SHA256`), what this client sends: a canonical request built from the
//!   method, path, sorted query, the signed headers and the payload hash, hashed and MAC'd with
//!   the access key secret.
//! - **V1** (RPC `HMAC-SHA1`), what older SDKs (and terraform-provider-alicloud) send. The client
//!   does not use it, but the local mock server verifies it, so it lives here next to V3.
//!
//! The functions are pure so that the mock server can reuse them to verify signatures.

use base64::Engine as _;
use hmac::{Hmac, Mac};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use sha2::{Digest, Sha256};

/// The V3 signature algorithm name, first token of the `Authorization` header.
pub const ALGORITHM_V3: &str = "ACS3-HMAC-SHA256";

/// Characters percent-encoded by [`percent_encode`]: everything except the RFC 3986
/// unreserved set `A-Z a-z 0-9 - _ . ~`.
const ENCODE_SET: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// RFC 3986 percent-encoding as Alibaba Cloud uses it (space -> %20, * -> %2A, ~ kept).
///
/// UTF-8 bytes outside the unreserved set are encoded as `%XX` with upper-case hex digits.
pub fn percent_encode(s: &str) -> String {
    utf8_percent_encode(s, ENCODE_SET).to_string()
}

/// SHA-256 lowercase hex.
pub fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

/// Lowercase hex HMAC-SHA256 of `data` keyed with `key`.
fn hmac_sha256_hex(key: &[u8], data: &[u8]) -> String {
    // HMAC accepts keys of any length, so `new_from_slice` cannot fail here; fall back to an
    // empty digest rather than panicking if the library ever changes that contract.
    match Hmac::<Sha256>::new_from_slice(key) {
        Ok(mut mac) => {
            mac.update(data);
            hex::encode(mac.finalize().into_bytes())
        }
        Err(_) => String::new(),
    }
}

/// Which headers are signed in V3: every x-acs-* plus host and content-type.
pub fn is_signed_header_v3(lowercase_name: &str) -> bool {
    lowercase_name.starts_with("x-acs-")
        || lowercase_name == "host"
        || lowercase_name == "content-type"
}

/// Sorted, percent-encoded `k=v&k=v` rendering of parameters (keys and values encoded; sorted
/// by encoded key, then encoded value, in byte order). Shared by the V3 canonical query string
/// and the V1 string to sign.
fn canonical_pairs<'a, I>(pairs: I) -> String
where
    I: IntoIterator<Item = (&'a str, &'a str)>,
{
    let mut encoded: Vec<(String, String)> = pairs
        .into_iter()
        .map(|(k, v)| (percent_encode(k), percent_encode(v)))
        .collect();
    encoded.sort();
    encoded
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// Canonical request for ACS3-HMAC-SHA256: method, canonical URI ("/"), query pairs (unsorted,
/// unencoded; the function sorts and encodes), headers (name, value) — only the headers to be
/// signed, any case; the function lowercases, trims, sorts — and the hex payload hash.
/// Returns (canonical_request, signed_headers) where signed_headers is "a;b;c".
pub fn canonical_request_v3(
    method: &str,
    uri: &str,
    query: &[(String, String)],
    headers: &[(String, String)],
    hashed_payload: &str,
) -> (String, String) {
    let canonical_query = canonical_pairs(query.iter().map(|(k, v)| (k.as_str(), v.as_str())));

    let mut normalized: Vec<(String, String)> = headers
        .iter()
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    normalized.sort();
    let canonical_headers: String = normalized
        .iter()
        .map(|(k, v)| format!("{k}:{v}\n"))
        .collect();
    let signed_headers = normalized
        .iter()
        .map(|(k, _)| k.as_str())
        .collect::<Vec<_>>()
        .join(";");

    let canonical_request = format!(
        "{method}\n{uri}\n{canonical_query}\n{canonical_headers}\n{signed_headers}\n{hashed_payload}"
    );
    (canonical_request, signed_headers)
}

/// The V3 string to sign: `"ACS3-HMAC-SHA256\n" + hex sha256(canonical_request)`.
pub fn string_to_sign_v3(canonical_request: &str) -> String {
    format!(
        "{ALGORITHM_V3}\n{}",
        sha256_hex(canonical_request.as_bytes())
    )
}

/// "ACS3-HMAC-SHA256\n" + hex sha256(canonical_request), HMAC-SHA256 with the secret, lowercase hex.
pub fn signature_v3(secret: &str, canonical_request: &str) -> String {
    hmac_sha256_hex(
        secret.as_bytes(),
        string_to_sign_v3(canonical_request).as_bytes(),
    )
}

/// The value of the V3 `Authorization` header:
/// `ACS3-HMAC-SHA256 Credential=<id>,SignedHeaders=<a;b;c>,Signature=<hex>`.
pub fn authorization_header_v3(
    access_key_id: &str,
    signed_headers: &str,
    signature: &str,
) -> String {
    format!("{ALGORITHM_V3} Credential={access_key_id},SignedHeaders={signed_headers},Signature={signature}")
}

/// Signs a request end to end with V3 and returns the `Authorization` header value.
///
/// `headers` may contain any headers; only those selected by [`is_signed_header_v3`] are signed.
pub fn authorize_v3(
    access_key_id: &str,
    access_key_secret: &str,
    method: &str,
    uri: &str,
    query: &[(String, String)],
    headers: &[(String, String)],
    hashed_payload: &str,
) -> String {
    let signed: Vec<(String, String)> = headers
        .iter()
        .filter(|(k, _)| is_signed_header_v3(&k.trim().to_ascii_lowercase()))
        .cloned()
        .collect();
    let (canonical_request, signed_headers) =
        canonical_request_v3(method, uri, query, &signed, hashed_payload);
    let signature = signature_v3(access_key_secret, &canonical_request);
    authorization_header_v3(access_key_id, &signed_headers, &signature)
}

/// The V1 string to sign: `METHOD&%2F&percentEncode(sorted encoded k=v pairs)`, over every
/// parameter except `Signature`.
pub fn string_to_sign_v1(method: &str, params: &[(String, String)]) -> String {
    let canonical = canonical_pairs(
        params
            .iter()
            .filter(|(k, _)| k != "Signature")
            .map(|(k, v)| (k.as_str(), v.as_str())),
    );
    format!(
        "{}&{}&{}",
        method.to_ascii_uppercase(),
        percent_encode("/"),
        percent_encode(&canonical)
    )
}

/// The V1 RPC signature (HMAC-SHA1, base64) over all params except "Signature" (query + form body), method POST.
pub fn signature_v1(secret: &str, method: &str, params: &[(String, String)]) -> String {
    let string_to_sign = string_to_sign_v1(method, params);
    let key = format!("{secret}&");
    match Hmac::<sha1::Sha1>::new_from_slice(key.as_bytes()) {
        Ok(mut mac) => {
            mac.update(string_to_sign.as_bytes());
            base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
        }
        Err(_) => String::new(),
    }
}

/// Formats a timestamp the way both signature versions expect: UTC `yyyy-MM-ddTHH:mm:ssZ`.
pub fn format_timestamp(at: time::OffsetDateTime) -> String {
    let at = at.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second()
    )
}

/// A fresh signature nonce (32 lowercase hex characters, random).
pub fn new_nonce() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
        v.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    const EMPTY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    #[test]
    fn percent_encoding_follows_rfc3986() {
        assert_eq!(percent_encode("a b*c~d"), "a%20b%2Ac~d");
        assert_eq!(percent_encode("A-Z_a.z0~9"), "A-Z_a.z0~9");
        assert_eq!(percent_encode("/:=&+"), "%2F%3A%3D%26%2B");
        assert_eq!(percent_encode("é"), "%C3%A9");
        assert_eq!(percent_encode(""), "");
    }

    #[test]
    fn sha256_of_empty_string() {
        assert_eq!(sha256_hex(b""), EMPTY_SHA256);
    }

    #[test]
    fn signed_header_selection() {
        assert!(is_signed_header_v3("x-acs-action"));
        assert!(is_signed_header_v3("x-acs-security-token"));
        assert!(is_signed_header_v3("host"));
        assert!(is_signed_header_v3("content-type"));
        assert!(!is_signed_header_v3("accept"));
        assert!(!is_signed_header_v3("user-agent"));
        assert!(!is_signed_header_v3("authorization"));
    }

    /// The official vector from the "V3 request structure and signature" page.
    #[test]
    fn official_v3_vector() {
        let query = pairs(&[
            ("RegionId", "cn-shanghai"),
            (
                "ImageId",
                "win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd",
            ),
        ]);
        let headers = pairs(&[
            ("host", "ecs.cn-shanghai.aliyuncs.com"),
            ("x-acs-action", "RunInstances"),
            ("x-acs-version", "2014-05-26"),
            ("x-acs-date", "2023-10-26T10:22:32Z"),
            ("x-acs-signature-nonce", "3156853299f313e23d1673dc12e1703d"),
            ("x-acs-content-sha256", EMPTY_SHA256),
        ]);
        let (canonical, signed) = canonical_request_v3("POST", "/", &query, &headers, EMPTY_SHA256);
        assert_eq!(
            sha256_hex(canonical.as_bytes()),
            "7ea06492da5221eba5297e897ce16e55f964061054b7695beedaac1145b1e259"
        );
        assert_eq!(
            signed,
            "host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version"
        );
        let auth = authorize_v3(
            "YourAccessKeyId",
            "YourAccessKeySecret",
            "POST",
            "/",
            &query,
            &headers,
            EMPTY_SHA256,
        );
        assert_eq!(
            format!("Authorization: {auth}"),
            "Authorization: ACS3-HMAC-SHA256 Credential=YourAccessKeyId,SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature=06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0"
        );
    }

    #[test]
    fn canonical_request_layout() {
        let query = pairs(&[("B", "x y"), ("A", "1*")]);
        let headers = pairs(&[("X-Acs-Date", " 2024-01-01T00:00:00Z "), ("Host", "h")]);
        let (canonical, signed) = canonical_request_v3("POST", "/", &query, &headers, "abc");
        assert_eq!(
            canonical,
            "POST\n/\nA=1%2A&B=x%20y\nhost:h\nx-acs-date:2024-01-01T00:00:00Z\n\nhost;x-acs-date\nabc"
        );
        assert_eq!(signed, "host;x-acs-date");
    }

    #[test]
    fn authorize_v3_ignores_unsigned_headers() {
        let headers = pairs(&[("host", "h"), ("accept", "application/json")]);
        let auth = authorize_v3("id", "secret", "POST", "/", &[], &headers, EMPTY_SHA256);
        assert!(auth.contains("SignedHeaders=host,"), "{auth}");
    }

    /// V1 vector derived by hand from the documented algorithm (section 1.4 of the research):
    /// sorted, encoded `k=v` pairs; `POST&%2F&` + encode(that); HMAC-SHA1 keyed `secret&`;
    /// base64. The expected values were computed independently with Python's hashlib/hmac.
    #[test]
    fn v1_vector() {
        let params = pairs(&[
            ("Action", "DeleteRule"),
            ("Version", "2020-06-16"),
            ("Format", "json"),
            ("Timestamp", "2024-01-02T03:04:05Z"),
            ("SignatureNonce", "nonce-1"),
            ("SignatureMethod", "HMAC-SHA1"),
            ("SignatureVersion", "1.0"),
            ("AccessKeyId", "testid"),
            ("RuleId", "rule-abc"),
            ("ClientToken", "tok en*"),
            ("Signature", "ignored"),
        ]);
        assert_eq!(
            string_to_sign_v1("POST", &params),
            "POST&%2F&AccessKeyId%3Dtestid%26Action%3DDeleteRule%26ClientToken%3Dtok%2520en%252A%26Format%3Djson%26RuleId%3Drule-abc%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3Dnonce-1%26SignatureVersion%3D1.0%26Timestamp%3D2024-01-02T03%253A04%253A05Z%26Version%3D2020-06-16"
        );
        assert_eq!(
            signature_v1("testsecret", "POST", &params),
            V1_EXPECTED_SIGNATURE
        );
    }

    const V1_EXPECTED_SIGNATURE: &str = "aXeJduhYp73vZiOBfIiJ4DhZ4Gg=";

    #[test]
    fn timestamp_format() {
        let at = time::macros::datetime!(2024-01-02 03:04:05 UTC);
        assert_eq!(format_timestamp(at), "2024-01-02T03:04:05Z");
        let at = time::macros::datetime!(2024-01-02 05:04:05 +02:00);
        assert_eq!(format_timestamp(at), "2024-01-02T03:04:05Z");
    }

    #[test]
    fn nonces_are_unique_hex() {
        let a = new_nonce();
        assert_eq!(a.len(), 32);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, new_nonce());
    }
}
