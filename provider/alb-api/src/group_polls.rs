//! Status polls of server groups shared by every wait of one client.
//!
//! A wait for a new server group polls `ListServerGroups` on its own backoff schedule (see
//! [`crate::wait`]), but a poll that comes due asks for every group being waited for at that
//! moment (up to [`IDS_PER_POLL`] ids), and instead of asking again a wait takes an answer
//! another wait's poll got (or will get: one on its way) when it is fresh (sent since half the
//! wait's interval passed) or shows the group `Available` and is newer than the wait's last
//! look. One poll is in flight at a time: waits that come due meanwhile (groups created side
//! by side look right after their creation) are asked for together once it is answered. Groups
//! created side by side (an ingress's groups, ingresses applied in parallel) thus share one
//! poll per round instead of one each.
//!
//! \[INF\] the API reference gives no limit for `ServerGroupIds`; the mock allows 20 ids per
//! filter, as for the other id filters, and so do these polls. Tolerant here: a group missing
//! from an answer to several ids is asked for again alone before that answer counts as "not
//! listed" (the wait's missing grace then applies as to a poll of its own).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Instant;

use crate::error::Error;
use crate::server_group::{ListServerGroupsRequest, ServerGroup};
use crate::Client;

/// Most server group ids one shared poll asks for.
pub(crate) const IDS_PER_POLL: usize = 20;

/// The shared polls of one client.
#[derive(Default)]
pub(crate) struct GroupPolls {
    state: Mutex<PollState>,
}

/// Waits, answers and polls in flight (never locked across an await).
#[derive(Default)]
struct PollState {
    /// Ids being waited for, with the number of waits on each.
    waiting: HashMap<String, usize>,
    /// The latest answer for each id being waited for.
    answers: HashMap<String, Answer>,
    /// Polls sent and not answered yet.
    in_flight: Vec<InFlight>,
    /// Number of the next poll.
    next_poll: u64,
}

/// What a poll answered for one id.
#[derive(Clone, Debug)]
struct Answer {
    /// When the poll was sent.
    asked_at: Instant,
    /// The group; `None` when the answer did not list it.
    group: Option<ServerGroup>,
    /// Whether the poll asked for other ids too.
    shared: bool,
}

impl Answer {
    /// Whether a wait can take this answer.
    fn serves(&self, wanted: Wanted) -> bool {
        let current = self.asked_at >= wanted.fresh_after
            || (self.asked_at >= wanted.since && self.group.as_ref().is_some_and(available));
        current && !(self.group.is_none() && self.shared)
    }
}

/// How recent an answer a wait takes.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Wanted {
    /// The wait's last look: an answer sent since then that shows the group `Available` will do.
    pub since: Instant,
    /// Any answer sent at this moment or later will do.
    pub fresh_after: Instant,
}

/// Whether `group` is what its wait waits for.
pub(crate) fn available(group: &ServerGroup) -> bool {
    group.server_group_status == "Available"
}

/// A poll on its way.
struct InFlight {
    number: u64,
    asked_at: Instant,
    ids: Vec<String>,
    /// Held by the poller until the answer is recorded.
    done: Arc<tokio::sync::Mutex<()>>,
}

/// What a wait does next for its id.
#[derive(Debug)]
enum Next {
    /// Take this answer.
    Take(Option<Box<ServerGroup>>),
    /// Wait until a poll in flight is answered, then look again.
    Await(Arc<tokio::sync::Mutex<()>>),
    /// Send a poll for these ids (the wait's own first).
    Ask(Vec<String>),
}

impl PollState {
    /// What the wait for `id` does next when it wants an answer as `wanted` says.
    fn next(&self, id: &str, wanted: Wanted) -> Next {
        let fresh_after = wanted.fresh_after;
        let answer = self.answers.get(id);
        if let Some(answer) = answer.filter(|a| a.serves(wanted)) {
            return Next::Take(answer.group.clone().map(Box::new));
        }
        let unlisted_in_shared = answer.is_some_and(|a| a.asked_at >= fresh_after);
        if unlisted_in_shared {
            return Next::Ask(vec![id.to_owned()]);
        }
        let on_its_way = self
            .in_flight
            .iter()
            .find(|p| p.asked_at >= fresh_after && p.ids.iter().any(|i| i == id));
        // One poll at a time: waits that come due while one is on its way are asked for
        // together once it is answered.
        if let Some(poll) = on_its_way.or(self.in_flight.first()) {
            return Next::Await(Arc::clone(&poll.done));
        }
        Next::Ask(self.poll_ids(id))
    }

    /// `id` and, up to [`IDS_PER_POLL`], the other ids being waited for, least recently
    /// answered first.
    fn poll_ids(&self, id: &str) -> Vec<String> {
        let mut others: Vec<(&String, Option<Instant>)> = self
            .waiting
            .keys()
            .filter(|other| *other != id)
            .map(|other| (other, self.answers.get(other).map(|a| a.asked_at)))
            .collect();
        others.sort_by_key(|(other, asked_at)| (*asked_at, *other));
        std::iter::once(id.to_owned())
            .chain(others.into_iter().map(|(other, _)| other.clone()))
            .take(IDS_PER_POLL)
            .collect()
    }

    /// Records the answer of a poll for `ids` sent at `asked_at` (ids no longer waited for are
    /// dropped).
    fn record(&mut self, ids: &[String], asked_at: Instant, groups: &[ServerGroup]) {
        for id in ids {
            if !self.waiting.contains_key(id) {
                continue;
            }
            let group = groups.iter().find(|g| &g.server_group_id == id).cloned();
            let shared = ids.len() > 1;
            self.answers.insert(
                id.clone(),
                Answer {
                    asked_at,
                    group,
                    shared,
                },
            );
        }
    }
}

/// One wait's registration: its id is asked for by every shared poll until it is dropped.
pub(crate) struct Registration<'a> {
    polls: &'a GroupPolls,
    id: String,
}

impl Drop for Registration<'_> {
    fn drop(&mut self) {
        let mut state = self.polls.state();
        if let Some(count) = state.waiting.get_mut(&self.id) {
            *count -= 1;
            if *count == 0 {
                state.waiting.remove(&self.id);
                state.answers.remove(&self.id);
            }
        }
    }
}

/// A poll in flight; removed from the state when dropped (answered, failed or abandoned), after
/// which the waits that awaited it look again.
struct Sending<'a> {
    polls: &'a GroupPolls,
    number: u64,
    _done: tokio::sync::OwnedMutexGuard<()>,
}

impl Drop for Sending<'_> {
    fn drop(&mut self) {
        self.polls
            .state()
            .in_flight
            .retain(|p| p.number != self.number);
    }
}

impl GroupPolls {
    fn state(&self) -> MutexGuard<'_, PollState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Registers a wait for group `id` (until the registration is dropped).
    pub(crate) fn register(&self, id: &str) -> Registration<'_> {
        *self.state().waiting.entry(id.to_owned()).or_default() += 1;
        Registration {
            polls: self,
            id: id.to_owned(),
        }
    }

    /// The group `registration` waits for, from an answer as recent as `wanted` says: taken
    /// from another wait's poll when one has it or is on its way, else asked for with the other
    /// groups being waited for. `None`: not listed.
    pub(crate) async fn status(
        &self,
        client: &Client,
        registration: &Registration<'_>,
        wanted: Wanted,
    ) -> Result<Option<ServerGroup>, Error> {
        let id = registration.id.as_str();
        loop {
            let next = self.state().next(id, wanted);
            let ids = match next {
                Next::Take(group) => return Ok(group.map(|g| *g)),
                Next::Await(done) => {
                    drop(done.lock().await);
                    continue;
                }
                Next::Ask(ids) => ids,
            };
            let asked_at = Instant::now();
            let sending = self.start(&ids, asked_at);
            let groups = client
                .list_all(ListServerGroupsRequest {
                    server_group_ids: ids.clone(),
                    ..Default::default()
                })
                .await?;
            self.state().record(&ids, asked_at, &groups);
            drop(sending);
        }
    }

    /// Records a poll for `ids` as in flight.
    fn start(&self, ids: &[String], asked_at: Instant) -> Sending<'_> {
        let done = Arc::new(tokio::sync::Mutex::new(()));
        let guard = Arc::clone(&done)
            .try_lock_owned()
            .unwrap_or_else(|_| unreachable!("a new mutex is unlocked"));
        let mut state = self.state();
        let number = state.next_poll;
        state.next_poll += 1;
        state.in_flight.push(InFlight {
            number,
            asked_at,
            ids: ids.to_vec(),
            done,
        });
        Sending {
            polls: self,
            number,
            _done: guard,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn group(id: &str) -> ServerGroup {
        ServerGroup {
            server_group_id: id.to_owned(),
            server_group_status: "Creating".to_owned(),
            ..Default::default()
        }
    }

    /// An answer sent at `at` or later.
    fn fresh(at: Instant) -> Wanted {
        Wanted {
            since: at,
            fresh_after: at,
        }
    }

    fn waiting(ids: &[&str]) -> PollState {
        let mut state = PollState::default();
        for id in ids {
            state.waiting.insert((*id).to_owned(), 1);
        }
        state
    }

    fn asked(next: &Next) -> Vec<&str> {
        match next {
            Next::Ask(ids) => ids.iter().map(String::as_str).collect(),
            other => panic!("expected a poll, got {other:?}"),
        }
    }

    #[test]
    fn a_poll_asks_for_every_group_waited_for_own_first() {
        let state = waiting(&["sgp-b", "sgp-a", "sgp-c"]);
        let next = state.next("sgp-c", fresh(Instant::now()));
        assert_eq!(asked(&next), ["sgp-c", "sgp-a", "sgp-b"]);
    }

    #[test]
    fn a_poll_asks_for_at_most_twenty_ids_least_recently_answered_first() {
        let ids: Vec<String> = (0..30).map(|i| format!("sgp-{i:02}")).collect();
        let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
        let mut state = waiting(&refs);
        let then = Instant::now();
        // Answered earlier: the first ten.
        state.record(&ids[..10], then, &[]);
        let next = state.next("sgp-29", fresh(then + Duration::from_secs(1)));
        let polled = asked(&next);
        assert_eq!(polled.len(), IDS_PER_POLL);
        assert_eq!(polled[0], "sgp-29");
        assert!(polled[1..].iter().all(|id| *id >= "sgp-10"), "{polled:?}");
    }

    #[test]
    fn a_recent_answer_of_another_poll_is_taken_an_older_one_is_not() {
        let mut state = waiting(&["sgp-a", "sgp-b"]);
        let asked_at = Instant::now();
        state.record(
            &["sgp-a".to_owned(), "sgp-b".to_owned()],
            asked_at,
            &[group("sgp-a"), group("sgp-b")],
        );
        match state.next("sgp-b", fresh(asked_at)) {
            Next::Take(Some(g)) => assert_eq!(g.server_group_id, "sgp-b"),
            other => panic!("{other:?}"),
        }
        let later = asked_at + Duration::from_millis(1);
        assert_eq!(
            asked(&state.next("sgp-b", fresh(later))),
            ["sgp-b", "sgp-a"]
        );
    }

    #[test]
    fn an_older_answer_is_taken_when_it_shows_the_group_available() {
        let mut state = waiting(&["sgp-a", "sgp-b"]);
        let looked = Instant::now();
        let asked_at = looked + Duration::from_millis(10);
        let mut ready = group("sgp-b");
        ready.server_group_status = "Available".to_owned();
        let both = ["sgp-a".to_owned(), "sgp-b".to_owned()];
        state.record(&both, asked_at, &[group("sgp-a"), ready]);
        let wanted = Wanted {
            since: looked,
            fresh_after: asked_at + Duration::from_millis(40),
        };
        assert!(matches!(state.next("sgp-b", wanted), Next::Take(Some(_))));
        // Still creating: not fresh enough, asked again (with the other group).
        assert_eq!(asked(&state.next("sgp-a", wanted)), ["sgp-a", "sgp-b"]);
        // Sent before the wait's last look: not taken even though available.
        let later = Wanted {
            since: asked_at + Duration::from_millis(1),
            ..wanted
        };
        assert_eq!(asked(&state.next("sgp-b", later)), ["sgp-b", "sgp-a"]);
    }

    #[test]
    fn a_group_missing_from_a_shared_answer_is_asked_for_alone() {
        let mut state = waiting(&["sgp-a", "sgp-b"]);
        let asked_at = Instant::now();
        let both = ["sgp-a".to_owned(), "sgp-b".to_owned()];
        state.record(&both, asked_at, &[group("sgp-a")]);
        assert_eq!(asked(&state.next("sgp-b", fresh(asked_at))), ["sgp-b"]);
        // Not listed when asked alone: that answer counts.
        state.record(&["sgp-b".to_owned()], asked_at, &[]);
        assert!(matches!(
            state.next("sgp-b", fresh(asked_at)),
            Next::Take(None)
        ));
    }

    #[test]
    fn a_poll_in_flight_for_the_group_is_awaited_and_not_repeated() {
        let polls = GroupPolls::default();
        let _a = polls.register("sgp-a");
        let _b = polls.register("sgp-b");
        let before = Instant::now();
        let sending = polls.start(&["sgp-a".to_owned(), "sgp-b".to_owned()], Instant::now());
        assert!(matches!(
            polls.state().next("sgp-b", fresh(before)),
            Next::Await(_)
        ));
        // A poll sent before the wait wants it is awaited too (one poll at a time), and then
        // the wait asks for itself and the others.
        let after = Instant::now() + Duration::from_millis(1);
        assert!(matches!(
            polls.state().next("sgp-b", fresh(after)),
            Next::Await(_)
        ));
        drop(sending);
        assert!(polls.state().in_flight.is_empty());
        let next = polls.state().next("sgp-b", fresh(after));
        assert_eq!(asked(&next), ["sgp-b", "sgp-a"]);
    }

    #[test]
    fn answers_are_dropped_with_the_last_wait() {
        let polls = GroupPolls::default();
        let first = polls.register("sgp-a");
        let second = polls.register("sgp-a");
        polls
            .state()
            .record(&["sgp-a".to_owned()], Instant::now(), &[group("sgp-a")]);
        drop(first);
        assert!(polls.state().answers.contains_key("sgp-a"));
        drop(second);
        let state = polls.state();
        assert!(state.waiting.is_empty() && state.answers.is_empty());
    }
}
