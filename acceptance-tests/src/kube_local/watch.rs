//! `?watch=true`: a stream of JSON lines `{"type": ADDED|MODIFIED|DELETED|BOOKMARK|ERROR,
//! "object": ...}` from a `resourceVersion`.
//!
//! As on the real server: without a version (or with `0`) the stream starts with an `ADDED`
//! event per existing object; with a version it replays the changes after it, or sends one
//! `ERROR` event with a 410 `Expired` Status when the history no longer reaches back that far;
//! an object that stops matching the selectors arrives as `DELETED`, one that starts matching
//! as `ADDED`; `sendInitialEvents=true` ends the initial events with a `BOOKMARK` annotated
//! `k8s.io/initial-events-end`; with `allowWatchBookmarks=true` a `BOOKMARK` carrying the
//! latest version is sent every bookmark interval; `timeoutSeconds` ends the stream.

use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::response::Response;
use serde_json::{json, Value};
use tokio::sync::{broadcast, mpsc};

use super::operations::{typed, Target};
use super::resources::ResourceType;
use super::selectors::Selection;
use super::status::ApiStatus;
use super::store::{parse_rv, Event, EventType, Store};

/// Query parameters of a watch.
#[derive(Debug, Clone, Default)]
pub struct WatchOptions {
    /// Label and field selectors.
    pub selection: Selection,
    /// `resourceVersion`.
    pub resource_version: Option<String>,
    /// `allowWatchBookmarks`.
    pub bookmarks: bool,
    /// `sendInitialEvents`.
    pub send_initial_events: bool,
    /// `timeoutSeconds` (default 30 minutes).
    pub timeout: Option<Duration>,
}

fn line(kind: &str, object: &Value) -> Bytes {
    let mut text = json!({"type": kind, "object": object}).to_string();
    text.push('\n');
    Bytes::from(text)
}

fn bookmark(resource: &ResourceType, rv: u64, initial_end: bool) -> Bytes {
    let mut metadata = json!({"resourceVersion": rv.to_string()});
    if initial_end {
        metadata["annotations"] = json!({"k8s.io/initial-events-end": "true"});
    }
    line(
        "BOOKMARK",
        &json!({"kind": resource.kind, "apiVersion": resource.api_version(), "metadata": metadata}),
    )
}

fn expired(message: String) -> Bytes {
    line("ERROR", &ApiStatus::expired(message).to_json())
}

/// What a watcher of `target` with `selection` sees of `event`, if anything.
fn translate(target: &Target, selection: &Selection, event: &Event) -> Option<Bytes> {
    if event.resource.plural != target.resource.plural
        || target
            .namespace
            .as_deref()
            .is_some_and(|ns| event.key.namespace != ns)
    {
        return None;
    }
    let was = event.old.as_deref().is_some_and(|o| selection.matches(o));
    let is = event.kind != EventType::Deleted && selection.matches(&event.object);
    let kind = match (was, is) {
        (false, true) => "ADDED",
        (true, true) => "MODIFIED",
        (true, false) => "DELETED",
        (false, false) => return None,
    };
    Some(line(kind, &typed(target.resource, &event.object)))
}

/// The events a new watch starts with and the receiver of later ones, read under the lock.
struct Start {
    initial: Vec<Bytes>,
    from_rv: u64,
    receiver: Option<broadcast::Receiver<Arc<Event>>>,
}

fn start(store: &Store, target: &Target, options: &WatchOptions) -> Result<Start, ApiStatus> {
    let current = store.current_rv();
    // With sendInitialEvents the stream starts from the current state whatever version is
    // named (the request's resourceVersionMatch=NotOlderThan is met by the current state).
    let asked =
        match options.resource_version.as_deref() {
            _ if options.send_initial_events => None,
            None | Some("") | Some("0") => None,
            Some(text) => Some(parse_rv(text).ok_or_else(|| {
                ApiStatus::bad_request(format!("invalid resource version: {text}"))
            })?),
        };
    let mut initial = Vec::new();
    match asked {
        Some(rv) if rv > current => Err(ApiStatus::too_large_resource_version(rv, current)),
        Some(rv) => match store.watch_from(rv) {
            Ok((past, receiver)) => {
                initial.extend(
                    past.iter()
                        .filter_map(|e| translate(target, &options.selection, e)),
                );
                Ok(Start {
                    initial,
                    from_rv: current,
                    receiver: Some(receiver),
                })
            }
            Err(too_old) => Ok(Start {
                initial: vec![expired(format!(
                    "too old resource version: {rv} ({})",
                    too_old.oldest
                ))],
                from_rv: current,
                receiver: None,
            }),
        },
        None => {
            for (_, object) in store.list(target.resource, target.namespace.as_deref()) {
                if options.selection.matches(object) {
                    initial.push(line("ADDED", &typed(target.resource, object)));
                }
            }
            if options.send_initial_events && options.bookmarks {
                initial.push(bookmark(target.resource, current, true));
            }
            Ok(Start {
                initial,
                from_rv: current,
                receiver: Some(store.subscribe()),
            })
        }
    }
}

/// Starts a watch and returns the streaming response.
pub fn serve(
    store: &Store,
    target: Target,
    options: WatchOptions,
    bookmark_interval: Duration,
) -> Result<Response, ApiStatus> {
    let Start {
        initial,
        from_rv,
        receiver,
    } = start(store, &target, &options)?;
    let (tx, rx) = mpsc::channel::<Bytes>(256);
    let timeout = options.timeout.unwrap_or(Duration::from_secs(1800));
    tokio::spawn(async move {
        for bytes in initial {
            if tx.send(bytes).await.is_err() {
                return;
            }
        }
        let Some(mut receiver) = receiver else {
            return;
        };
        let deadline = tokio::time::sleep(timeout);
        tokio::pin!(deadline);
        let mut ticks = tokio::time::interval(bookmark_interval);
        ticks.tick().await;
        let mut last_rv = from_rv;
        loop {
            let out = tokio::select! {
                _ = &mut deadline => return,
                _ = tx.closed() => return,
                _ = ticks.tick(), if options.bookmarks => Some(bookmark(target.resource, last_rv, false)),
                received = receiver.recv() => match received {
                    Ok(event) => {
                        last_rv = last_rv.max(event.rv);
                        translate(&target, &options.selection, &event)
                    }
                    Err(broadcast::error::RecvError::Lagged(_)) => {
                        let _ = tx.send(expired("the watcher fell behind; start a new watch".into())).await;
                        return;
                    }
                    Err(broadcast::error::RecvError::Closed) => return,
                },
            };
            if let Some(bytes) = out {
                if tx.send(bytes).await.is_err() {
                    return;
                }
            }
        }
    });
    let stream = futures::stream::unfold(rx, |mut rx| async move {
        rx.recv()
            .await
            .map(|bytes| (Ok::<_, std::convert::Infallible>(bytes), rx))
    });
    Response::builder()
        .status(200)
        .header(axum::http::header::CONTENT_TYPE, "application/json")
        .body(Body::from_stream(stream))
        .map_err(|e| ApiStatus::internal(e.to_string()))
}
