//! The admin API under `/__mock/` (a path the real API never uses; no signature needed):
//!
//! | Method | Path | Body / answer |
//! |---|---|---|
//! | GET | `/__mock/faults` | the current [`Faults`] |
//! | PUT | `/__mock/faults` | a [`Faults`] object (missing fields = 0/empty) replaces the faults; answers the new faults, or 400 `{"error": "…"}` |
//! | GET | `/__mock/state` | every object in API shape with its current status, ordered by id; each server group also carries `Servers` and `MinServingServers` (the fewest servers not `Removing` seen after any membership change, `null` before the first) |
//! | GET | `/__mock/counters` | [`Counters`](super::faults::Counters) |
//! | GET | `/__mock/clock` | `{"now_ms": …, "frozen": bool}`: the clock of transitional states and jobs |
//! | POST | `/__mock/clock` | `{"advance_ms": N}` moves that clock forward; answers like GET |
//! | POST | `/__mock/reset` | forgets all objects, jobs, client tokens, nonces and counters (faults stay); answers `{"reset": true}` |
//! | GET | `/__mock/route?listener=<id>&host=…&path=…` | which rule and target the current rules give that request (see the `routing` module); 404 for an unknown listener |
//! | PUT | `/__mock/health` | `{"ServerGroupId", "ServerId", "Health": "Healthy" \| "Unhealthy" \| "Initial" \| null}` pins (null: unpins) what GetListenerHealthStatus reports for that server; answers the object, or 400 `{"error": "…"}` |

use std::sync::Arc;

use std::collections::BTreeMap;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde_json::json;

use super::faults::Faults;
use super::routing;
use super::server::Shared;

/// Routes of the admin API.
pub fn router() -> Router<Arc<Shared>> {
    Router::new()
        .route("/__mock/faults", get(get_faults).put(put_faults))
        .route("/__mock/state", get(state))
        .route("/__mock/counters", get(counters))
        .route("/__mock/clock", get(get_clock).post(advance_clock))
        .route("/__mock/reset", post(reset))
        .route("/__mock/route", get(route))
        .route("/__mock/health", put(pin_health))
}

#[derive(serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields, rename_all = "PascalCase")]
struct HealthPin {
    server_group_id: String,
    server_id: String,
    health: Option<String>,
}

async fn pin_health(State(shared): State<Arc<Shared>>, Json(pin): Json<HealthPin>) -> Response {
    match shared.pin_health(&pin.server_group_id, &pin.server_id, pin.health.as_deref()) {
        Ok(()) => Json(pin).into_response(),
        Err(e) => (StatusCode::BAD_REQUEST, Json(json!({ "error": e }))).into_response(),
    }
}

async fn get_faults(State(shared): State<Arc<Shared>>) -> Json<Faults> {
    Json(shared.faults())
}

async fn put_faults(State(shared): State<Arc<Shared>>, body: axum::body::Bytes) -> Response {
    let faults: Faults = match serde_json::from_slice(&body) {
        Ok(f) => f,
        Err(e) => {
            return (
                StatusCode::BAD_REQUEST,
                Json(json!({"error": e.to_string()})),
            )
                .into_response()
        }
    };
    if let Err(e) = faults.validate() {
        return (StatusCode::BAD_REQUEST, Json(json!({"error": e}))).into_response();
    }
    shared.set_faults(faults.clone());
    Json(faults).into_response()
}

async fn state(State(shared): State<Arc<Shared>>) -> Response {
    Json(shared.snapshot()).into_response()
}

async fn counters(State(shared): State<Arc<Shared>>) -> Response {
    Json(shared.counters()).into_response()
}

async fn get_clock(State(shared): State<Arc<Shared>>) -> Response {
    let (now, frozen) = shared.advance(0);
    Json(json!({"now_ms": now, "frozen": frozen})).into_response()
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Advance {
    advance_ms: u64,
}

async fn advance_clock(State(shared): State<Arc<Shared>>, body: axum::body::Bytes) -> Response {
    match serde_json::from_slice::<Advance>(&body) {
        Ok(a) => {
            let (now, frozen) = shared.advance(a.advance_ms);
            Json(json!({"now_ms": now, "frozen": frozen})).into_response()
        }
        Err(e) => (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": e.to_string()})),
        )
            .into_response(),
    }
}

async fn reset(State(shared): State<Arc<Shared>>) -> Response {
    match shared.reset() {
        Ok(()) => Json(json!({"reset": true})).into_response(),
        Err(e) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            Json(json!({"error": e.message})),
        )
            .into_response(),
    }
}

async fn route(
    State(shared): State<Arc<Shared>>,
    Query(q): Query<BTreeMap<String, String>>,
) -> Response {
    let (listener, req) = match routing::request(&q) {
        Ok(r) => r,
        Err(e) => return (StatusCode::BAD_REQUEST, Json(json!({"error": e}))).into_response(),
    };
    match shared.route(&listener, &req) {
        Some(answer) => Json(answer).into_response(),
        None => {
            let error = format!("no listener {listener}");
            (StatusCode::NOT_FOUND, Json(json!({ "error": error }))).into_response()
        }
    }
}
