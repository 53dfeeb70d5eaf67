//! hclog-compatible JSON logging on stderr.
//!
//! Terraform reads the provider's stderr line by line; a JSON line with
//! `@level`, `@message` and `@timestamp` (layout
//! `2006-01-02T15:04:05.000000Z07:00`) is re-logged at that level, with the
//! other keys as key/value pairs.

use std::io::Write;
use std::sync::Arc;

use serde_json::{Map, Value as Json};
use time::format_description::FormatItem;
use time::macros::format_description;
use tracing::field::{Field, Visit};
use tracing::level_filters::LevelFilter;
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::Layer;

/// Exactly six fractional digits and `Z` (always UTC).
const TIMESTAMP: &[FormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z");

/// Produces the writer each log line is written to (one `write_all` per line).
pub type MakeWriter = Arc<dyn Fn() -> Box<dyn Write> + Send + Sync>;

/// A tracing layer writing one hclog JSON object per event.
pub struct HclogLayer {
    module: String,
    make_writer: MakeWriter,
}

impl HclogLayer {
    /// Lines carry `@module` = `provider.<name>`.
    pub fn new(name: &str, make_writer: MakeWriter) -> Self {
        HclogLayer {
            module: format!("provider.{name}"),
            make_writer,
        }
    }

    /// A layer writing to stderr.
    pub fn stderr(name: &str) -> Self {
        HclogLayer::new(name, Arc::new(|| Box::new(std::io::stderr())))
    }

    fn line(&self, level: &Level, mut fields: Map<String, Json>) -> Vec<u8> {
        let message = match fields.remove("message") {
            Some(Json::String(s)) => s,
            Some(other) => other.to_string(),
            None => String::new(),
        };
        let timestamp = time::OffsetDateTime::now_utc()
            .format(TIMESTAMP)
            .unwrap_or_default();
        let mut obj = Map::new();
        obj.insert("@level".into(), Json::from(level_name(level)));
        obj.insert("@message".into(), Json::from(message));
        obj.insert("@module".into(), Json::from(self.module.as_str()));
        obj.insert("@timestamp".into(), Json::from(timestamp));
        for (k, v) in fields {
            if !k.starts_with('@') {
                obj.insert(k, v);
            }
        }
        let mut out = Json::Object(obj).to_string().into_bytes();
        out.push(b'\n');
        out
    }
}

fn level_name(level: &Level) -> &'static str {
    match *level {
        Level::TRACE => "trace",
        Level::DEBUG => "debug",
        Level::INFO => "info",
        Level::WARN => "warn",
        Level::ERROR => "error",
    }
}

/// Span fields, stored in the span's extensions.
struct SpanFields(Map<String, Json>);

struct JsonVisitor<'a>(&'a mut Map<String, Json>);

impl Visit for JsonVisitor<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().into(), Json::from(value));
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.0.insert(field.name().into(), Json::from(value));
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.0.insert(field.name().into(), Json::from(value));
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.0.insert(field.name().into(), Json::from(value));
    }
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.0.insert(field.name().into(), Json::from(value));
    }
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0
            .insert(field.name().into(), Json::from(format!("{value:?}")));
    }
}

impl<S> Layer<S> for HclogLayer
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else { return };
        let mut fields = Map::new();
        attrs.record(&mut JsonVisitor(&mut fields));
        span.extensions_mut().insert(SpanFields(fields));
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else { return };
        let mut ext = span.extensions_mut();
        if let Some(SpanFields(fields)) = ext.get_mut::<SpanFields>() {
            values.record(&mut JsonVisitor(fields));
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let mut fields = Map::new();
        // Outer spans first so inner spans and the event override them.
        if let Some(scope) = ctx.event_scope(event) {
            for span in scope.from_root() {
                if let Some(SpanFields(f)) = span.extensions().get::<SpanFields>() {
                    fields.extend(f.clone());
                }
            }
        }
        event.record(&mut JsonVisitor(&mut fields));
        let line = self.line(event.metadata().level(), fields);
        let mut w = (self.make_writer)();
        // Nowhere to report a failed log write.
        let _ = w.write_all(&line);
    }
}

/// The level from `TF_LOG_PROVIDER`, else `TF_LOG`, else WARN. `JSON`
/// (Terraform's own JSON mode) means TRACE; unknown words mean WARN.
pub fn level_from_env(tf_log_provider: Option<&str>, tf_log: Option<&str>) -> LevelFilter {
    let word = tf_log_provider
        .filter(|s| !s.is_empty())
        .or(tf_log.filter(|s| !s.is_empty()));
    match word.map(str::to_ascii_uppercase).as_deref() {
        Some("TRACE" | "JSON") => LevelFilter::TRACE,
        Some("DEBUG") => LevelFilter::DEBUG,
        Some("INFO") => LevelFilter::INFO,
        Some("ERROR") => LevelFilter::ERROR,
        Some("OFF") => LevelFilter::OFF,
        _ => LevelFilter::WARN,
    }
}

/// Filter: `level` for the provider, at most INFO for the HTTP/2 and gRPC
/// plumbing (their TRACE output is enormous).
pub fn filter(level: LevelFilter) -> Targets {
    let plumbing = level.min(LevelFilter::INFO);
    Targets::new()
        .with_default(level)
        .with_target("h2", plumbing)
        .with_target("hyper", plumbing)
        .with_target("hyper_util", plumbing)
        .with_target("tower", plumbing)
        .with_target("tonic", plumbing)
        .with_target("rustls", plumbing)
}

/// Install the hclog layer as the global subscriber (no-op if one is set).
pub fn init(name: &str) {
    let level = level_from_env(
        std::env::var("TF_LOG_PROVIDER").ok().as_deref(),
        std::env::var("TF_LOG").ok().as_deref(),
    );
    let _ = tracing_subscriber::registry()
        .with(HclogLayer::stderr(name).with_filter(filter(level)))
        .try_init();
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[derive(Clone, Default)]
    struct Buf(Arc<Mutex<Vec<u8>>>);

    impl Write for Buf {
        fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
            self.0
                .lock()
                .map_err(|_| std::io::ErrorKind::Other)?
                .extend_from_slice(data);
            Ok(data.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn capture(f: impl FnOnce()) -> Vec<Json> {
        let buf = Buf::default();
        let w = buf.clone();
        let layer = HclogLayer::new(
            "terraform-provider-x",
            Arc::new(move || Box::new(w.clone())),
        );
        let subscriber =
            tracing_subscriber::registry().with(layer.with_filter(filter(LevelFilter::DEBUG)));
        tracing::subscriber::with_default(subscriber, f);
        let bytes = buf.0.lock().map(|b| b.clone()).unwrap_or_default();
        String::from_utf8(bytes)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    #[test]
    fn hclog_line_format() {
        let lines = capture(|| {
            let span = tracing::info_span!("rpc", tf_rpc = "ReadResource");
            let _g = span.enter();
            tracing::warn!(count = 3, ok = true, "hello {}", "world");
            tracing::trace!("filtered out");
        });
        assert_eq!(lines.len(), 1);
        let l = &lines[0];
        assert_eq!(l["@level"], "warn");
        assert_eq!(l["@message"], "hello world");
        assert_eq!(l["@module"], "provider.terraform-provider-x");
        assert_eq!(l["count"], 3);
        assert_eq!(l["ok"], true);
        assert_eq!(l["tf_rpc"], "ReadResource");
        let ts = l["@timestamp"].as_str().unwrap();
        let re =
            regex::Regex::new(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}(Z|[+-]\d{2}:\d{2})$")
                .unwrap();
        assert!(re.is_match(ts), "{ts}");
    }

    #[test]
    fn levels_from_env() {
        assert_eq!(level_from_env(None, None), LevelFilter::WARN);
        assert_eq!(level_from_env(None, Some("debug")), LevelFilter::DEBUG);
        assert_eq!(
            level_from_env(Some("ERROR"), Some("TRACE")),
            LevelFilter::ERROR
        );
        assert_eq!(level_from_env(Some(""), Some("json")), LevelFilter::TRACE);
        assert_eq!(level_from_env(Some("off"), None), LevelFilter::OFF);
    }
}
