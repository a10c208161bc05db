//! Keeps Graph writes under Microsoft Graph's documented write budgets instead of finding them
//! through 429s. Pure: the caller passes the time and sleeps the answer.
//!
//! Identity and access (users, groups, invitations) allows, for writes (each POST, PATCH, PUT
//! or DELETE counts one; inside `$batch` each request counts on its own), 3,000 per 2 minutes 30
//! seconds per application and tenant, and 18,000 per 5 minutes per tenant for all applications
//! (<https://learn.microsoft.com/graph/throttling-limits#identity-and-access-service-limits>,
//! <https://learn.microsoft.com/graph/throttling#throttling-and-batching>).
//!
//! The pacer keeps a log of the writes it let go and lets a new group of writes go at the first
//! moment when, in every budget's trailing window, the writes already sent plus the new ones
//! stay within the budget's share (`use_percent`). A write is logged when it is sent and, once
//! answered, again at the answer's time: the service counted it somewhere between the two, so
//! the later time never lets a window look emptier here than it is there (a request that waited
//! for a connection, or a slow batch, would otherwise meet a window the service still sees as
//! full). The per-tenant budget is shared with every other application in the tenant, so a 429
//! can still come; the clients then honour its `Retry-After`.

use std::collections::VecDeque;
use std::time::Duration;

/// `limit` writes in any `window`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WriteBudget {
    pub limit: u32,
    pub window: Duration,
}

impl WriteBudget {
    /// Per application and tenant: 3,000 writes per 150 s.
    pub const APP_AND_TENANT: WriteBudget = WriteBudget {
        limit: 3_000,
        window: Duration::from_secs(150),
    };
    /// Per tenant, all applications: 18,000 writes per 5 minutes.
    pub const TENANT: WriteBudget = WriteBudget {
        limit: 18_000,
        window: Duration::from_secs(300),
    };

    /// The documented budgets, tightest first.
    pub fn graph_documented() -> Vec<WriteBudget> {
        vec![Self::APP_AND_TENANT, Self::TENANT]
    }

    /// The writes the pacer lets go per window: `use_percent` of the limit, at least one.
    fn allowed(&self, use_percent: u32) -> usize {
        ((u64::from(self.limit) * u64::from(use_percent.min(100)) / 100).max(1)) as usize
    }
}

/// One budget's log: when each write still inside the window was let go, oldest first.
#[derive(Debug, Clone)]
struct Ledger {
    budget: WriteBudget,
    allowed: usize,
    sent_ms: VecDeque<u64>,
}

impl Ledger {
    fn window_ms(&self) -> u64 {
        self.budget.window.as_millis() as u64
    }

    /// Forgets writes that left the window ending at `now_ms`.
    fn expire(&mut self, now_ms: u64) {
        let window = self.window_ms();
        while self.sent_ms.front().is_some_and(|&t| t + window <= now_ms) {
            self.sent_ms.pop_front();
        }
    }

    /// How long after `now_ms` `n` more writes fit (0: now).
    fn wait_ms(&self, now_ms: u64, n: usize) -> u64 {
        let n = n.min(self.allowed);
        let in_window = self
            .sent_ms
            .iter()
            .filter(|&&t| t + self.window_ms() > now_ms)
            .count();
        let over = (in_window + n).saturating_sub(self.allowed);
        if over == 0 {
            return 0;
        }
        // The `over`-th oldest write in the window has to leave it first.
        let first_in_window = self.sent_ms.len() - in_window;
        let leaving = self.sent_ms[first_in_window + over - 1];
        (leaving + self.window_ms()).saturating_sub(now_ms)
    }
}

/// Paces writes to a set of [`WriteBudget`]s.
#[derive(Debug, Clone)]
pub struct Pacer {
    ledgers: Vec<Ledger>,
}

impl Pacer {
    /// `use_percent` (1–100) of each budget is used; no budgets: never waits.
    pub fn new(budgets: &[WriteBudget], use_percent: u32) -> Self {
        Pacer {
            ledgers: budgets
                .iter()
                .filter(|b| b.limit > 0 && !b.window.is_zero())
                .map(|&budget| Ledger {
                    budget,
                    allowed: budget.allowed(use_percent.max(1)),
                    sent_ms: VecDeque::new(),
                })
                .collect(),
        }
    }

    /// How long to wait from `now_ms` before `n` writes may go (zero: now). A group larger than
    /// a budget's share is paced as if it were the whole share; split groups that large.
    pub fn wait(&mut self, now_ms: u64, n: usize) -> Duration {
        let ms = self
            .ledgers
            .iter_mut()
            .map(|l| {
                l.expire(now_ms);
                l.wait_ms(now_ms, n)
            })
            .max()
            .unwrap_or(0);
        Duration::from_millis(ms)
    }

    /// Records `n` writes let go at `now_ms` (call when [`wait`](Self::wait) said zero).
    pub fn record(&mut self, now_ms: u64, n: usize) {
        for l in &mut self.ledgers {
            l.sent_ms.extend(std::iter::repeat_n(now_ms, n));
        }
    }

    /// `n` writes recorded at `sent_ms` were answered at `now_ms`: they count from then on.
    pub fn answered(&mut self, sent_ms: u64, n: usize, now_ms: u64) {
        for l in &mut self.ledgers {
            // Times are in order; writes recorded at the same time are interchangeable.
            let from = l.sent_ms.partition_point(|&t| t < sent_ms);
            let to = l.sent_ms.partition_point(|&t| t <= sent_ms);
            let moved = n.min(to - from);
            l.sent_ms.drain(from..from + moved);
            // Everything logged so far was sent by now: the order holds.
            l.sent_ms
                .extend(std::iter::repeat_n(now_ms.max(sent_ms), moved));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn budget(limit: u32, secs: u64) -> WriteBudget {
        WriteBudget {
            limit,
            window: Duration::from_secs(secs),
        }
    }

    /// Sends `groups` groups of `size` writes as soon as the pacer lets them, and returns when
    /// each write went.
    fn drive(pacer: &mut Pacer, groups: usize, size: usize) -> Vec<u64> {
        let mut now = 0;
        let mut sent = Vec::new();
        for _ in 0..groups {
            loop {
                let w = pacer.wait(now, size).as_millis() as u64;
                if w == 0 {
                    break;
                }
                now += w;
            }
            pacer.record(now, size);
            sent.extend(std::iter::repeat_n(now, size));
        }
        sent
    }

    /// The most writes inside any window of `window_ms` (windows starting at each write).
    fn busiest_window(sent: &[u64], window_ms: u64) -> usize {
        sent.iter()
            .map(|&start| {
                sent.iter()
                    .filter(|&&t| t >= start && t < start + window_ms)
                    .count()
            })
            .max()
            .unwrap_or(0)
    }

    #[test]
    fn no_budget_never_waits() {
        let mut p = Pacer::new(&[], 95);
        p.record(0, 10_000);
        assert_eq!(p.wait(0, 20), Duration::ZERO);
    }

    #[test]
    fn a_full_window_waits_until_its_oldest_writes_leave() {
        let mut p = Pacer::new(&[budget(100, 10)], 100);
        p.record(0, 60);
        p.record(4_000, 40);
        assert_eq!(p.wait(5_000, 1), Duration::from_secs(5));
        // 41 have to leave: the 60 of t=0 go at 10 s, enough.
        assert_eq!(p.wait(5_000, 41), Duration::from_secs(5));
        // 61 have to leave: then the writes of t=4 s too, at 14 s.
        assert_eq!(p.wait(5_000, 61), Duration::from_secs(9));
        assert_eq!(p.wait(10_000, 60), Duration::ZERO);
    }

    #[test]
    fn an_answered_write_counts_from_its_answer() {
        let mut p = Pacer::new(&[budget(10, 10)], 100);
        p.record(0, 6);
        p.record(1_000, 4);
        // The first six took 3 s to be answered: the window is full until 13 s, not 10 s.
        p.answered(0, 6, 3_000);
        assert_eq!(p.wait(10_000, 6), Duration::from_secs(3));
        assert_eq!(
            p.wait(11_000, 4),
            Duration::ZERO,
            "the four of t=1 s left at 11 s"
        );
        assert_eq!(p.wait(13_000, 10), Duration::ZERO);
    }

    #[test]
    fn pacing_never_exceeds_any_budget_and_uses_its_share() {
        let budgets = [budget(300, 3), budget(1_000, 20)];
        let mut p = Pacer::new(&budgets, 90);
        let sent = drive(&mut p, 800, 10);
        assert_eq!(sent.len(), 8_000);
        for b in budgets {
            let window = b.window.as_millis() as u64;
            let allowed = b.limit as usize * 90 / 100;
            assert!(busiest_window(&sent, window) <= allowed, "{b:?}");
        }
        // The tighter budget in the long run: 900 per 20 s, 45 writes a second. Faster than
        // (N - 900) / 45 would break it; slower than N / 45 would leave budget unused.
        let took_s = *sent.last().unwrap() as f64 / 1000.0;
        assert!(took_s >= (8_000.0 - 900.0) / 45.0, "{took_s} s");
        assert!(took_s <= 8_000.0 / 45.0, "{took_s} s");
    }

    #[test]
    fn the_documented_budgets_allow_twenty_writes_a_second_per_app() {
        let mut p = Pacer::new(&WriteBudget::graph_documented(), 100);
        let sent = drive(&mut p, 300, 20);
        // 6,000 writes: 3,000 at once, the next 3,000 when the first leave the 150 s window.
        assert_eq!(*sent.last().unwrap(), 150_000);
        assert_eq!(busiest_window(&sent, 150_000), 3_000);
    }
}
