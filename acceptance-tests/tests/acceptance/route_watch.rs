//! Watching the mock's routing oracle (`/__mock/route`, the model's matcher over the mock's
//! rules) while an apply runs: a background thread asks where each sample request goes, over
//! and over, until told to stop — then one last round.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;

use serde_json::Value;

/// One answer: the (host, path) asked about and the oracle's `target`.
pub type Seen = ((String, String), Value);

/// A running watch.
pub struct RouteWatch {
    stop: Arc<AtomicBool>,
    thread: JoinHandle<Vec<Seen>>,
}

impl RouteWatch {
    /// Starts asking the mock at `endpoint` about `samples` (host, path) on `listener`.
    pub fn start(endpoint: &str, listener: &str, samples: &[(&str, &str)]) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let url = format!("{endpoint}/__mock/route");
        let listener = listener.to_owned();
        let samples: Vec<(String, String)> = samples
            .iter()
            .map(|(h, p)| ((*h).to_owned(), (*p).to_owned()))
            .collect();
        let thread = {
            let stop = stop.clone();
            std::thread::spawn(move || watch(&url, &listener, &samples, &stop))
        };
        Self { stop, thread }
    }

    /// Stops the watch (after one last round) and returns every answer, in order.
    pub fn finish(self) -> Vec<Seen> {
        self.stop.store(true, Ordering::SeqCst);
        self.thread.join().expect("route watcher")
    }
}

fn watch(url: &str, listener: &str, samples: &[(String, String)], stop: &AtomicBool) -> Vec<Seen> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let client = reqwest::Client::new();
        let mut seen = Vec::new();
        loop {
            let last = stop.load(Ordering::SeqCst);
            for (host, path) in samples {
                let answer = ask(&client, url, listener, host, path).await;
                seen.push(((host.clone(), path.clone()), answer["target"].clone()));
            }
            if last {
                return seen;
            }
        }
    })
}

/// Asks the routing oracle at `url` (`<mock>/__mock/route`) once where a request for `host` and
/// `path` on `listener` goes; the whole answer (`rule`, `target`, …).
pub async fn ask(
    client: &reqwest::Client,
    url: &str,
    listener: &str,
    host: &str,
    path: &str,
) -> Value {
    client
        .get(url)
        .query(&[("listener", listener), ("host", host), ("path", path)])
        .send()
        .await
        .expect("route request")
        .error_for_status()
        .expect("route answer")
        .json()
        .await
        .expect("route JSON")
}
