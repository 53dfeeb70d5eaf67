//! Signature checks of alb-mock: V3 and V1 accepted when correct; wrong secret, unknown key,
//! stale timestamps, reused nonces and STS tokens refused with the gateway's codes.

mod mock_support;

use acceptance_tests::mock::{Credential, MockConfig};
use mock_support::{start, start_with, Req};

fn list() -> Req {
    Req::new("ListLoadBalancers")
}

#[tokio::test]
async fn v3_and_v1_signatures_are_accepted() {
    let server = start();
    let v3 = list().send(&server).await.ok();
    assert_eq!(v3["LoadBalancers"], serde_json::json!([]));
    assert_eq!(v3["TotalCount"], 0);
    list().v1().send(&server).await.ok();
    // V3 with business parameters in a signed form body, V1 with them in the body too.
    list().body("MaxResults", 5).send(&server).await.ok();
    let v1 = list().v1().body("MaxResults", 5).send(&server).await.ok();
    assert_eq!(v1["MaxResults"], 5);
}

#[tokio::test]
async fn wrong_secret_is_signature_does_not_match() {
    let server = start();
    list()
        .key("mock-access-key", "wrong")
        .send(&server)
        .await
        .err(400, "SignatureDoesNotMatch");
    list()
        .v1()
        .key("mock-access-key", "wrong")
        .send(&server)
        .await
        .err(400, "SignatureDoesNotMatch");
}

#[tokio::test]
async fn unknown_key_is_not_found() {
    let server = start();
    list()
        .key("nobody", "x")
        .send(&server)
        .await
        .err(404, "InvalidAccessKeyId.NotFound");
    list()
        .v1()
        .key("nobody", "x")
        .send(&server)
        .await
        .err(404, "InvalidAccessKeyId.NotFound");
}

#[tokio::test]
async fn stale_or_future_timestamps_are_expired() {
    let server = start();
    let old = alb_api::signing::format_timestamp(
        time::OffsetDateTime::now_utc() - time::Duration::minutes(16),
    );
    let future = alb_api::signing::format_timestamp(
        time::OffsetDateTime::now_utc() + time::Duration::minutes(16),
    );
    let near = alb_api::signing::format_timestamp(
        time::OffsetDateTime::now_utc() - time::Duration::minutes(14),
    );
    list()
        .timestamp(&old)
        .send(&server)
        .await
        .err(400, "InvalidTimeStamp.Expired");
    list()
        .timestamp(&future)
        .send(&server)
        .await
        .err(400, "InvalidTimeStamp.Expired");
    list()
        .v1()
        .timestamp(&old)
        .send(&server)
        .await
        .err(400, "InvalidTimeStamp.Expired");
    list().timestamp(&near).send(&server).await.ok();
}

#[tokio::test]
async fn reused_nonce_is_refused() {
    let server = start();
    list().nonce("n-1").send(&server).await.ok();
    list()
        .nonce("n-1")
        .send(&server)
        .await
        .err(400, "SignatureNonceUsed");
    list().v1().nonce("n-2").send(&server).await.ok();
    list()
        .v1()
        .nonce("n-2")
        .send(&server)
        .await
        .err(400, "SignatureNonceUsed");
}

#[tokio::test]
async fn sts_token_is_checked() {
    let server = start_with(
        MockConfig::default()
            .credential(Credential::new("sts-id", "sts-secret").with_security_token("tok")),
    );
    list()
        .key("sts-id", "sts-secret")
        .token("tok")
        .send(&server)
        .await
        .ok();
    list()
        .v1()
        .key("sts-id", "sts-secret")
        .token("tok")
        .send(&server)
        .await
        .ok();
    list()
        .key("sts-id", "sts-secret")
        .token("other")
        .send(&server)
        .await
        .err(400, "InvalidSecurityToken.MismatchWithAccessKey");
    list()
        .key("sts-id", "sts-secret")
        .send(&server)
        .await
        .err(400, "InvalidSecurityToken.MismatchWithAccessKey");
}

#[tokio::test]
async fn unsigned_and_unknown_requests_get_error_bodies() {
    let server = start();
    let client = reqwest::Client::new();
    let response = client
        .post(format!("{}/?Action=ListLoadBalancers", server.endpoint()))
        .send()
        .await
        .expect("send");
    assert_eq!(response.status().as_u16(), 400);
    let body: serde_json::Value = response.json().await.expect("json");
    assert_eq!(body["Code"], "IncompleteSignature");
    assert_eq!(body["HostId"], "alb.cn-hangzhou.aliyuncs.com");

    Req::new("DescribeNothing")
        .send(&server)
        .await
        .err(404, "InvalidAction.NotFound");
    let response = client
        .get(format!("{}/other/path", server.endpoint()))
        .send()
        .await
        .expect("send");
    assert_eq!(response.status().as_u16(), 404);
}

#[tokio::test]
async fn unknown_parameters_are_ignored() {
    let server = start();
    list()
        .p("Tags.1.Key", "not-an-api-name")
        .p("Whatever", "x")
        .send(&server)
        .await
        .ok();
}

#[tokio::test]
async fn the_alb_api_client_talks_to_the_mock() {
    let server = start();
    let config = alb_api::ClientConfig::new(
        "cn-hangzhou",
        alb_api::Credentials::new(mock_support::AK, mock_support::SK),
    )
    .with_endpoint(server.endpoint());
    let client = alb_api::Client::new(config).expect("client");
    let body = client
        .call(
            "ListServerGroups",
            vec![("MaxResults".into(), "10".into())],
            None,
        )
        .await
        .expect("call");
    assert_eq!(body["ServerGroups"], serde_json::json!([]));
}
