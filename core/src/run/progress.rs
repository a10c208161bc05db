//! Progress arithmetic: done/total, rate and time left. Pure functions of counts and
//! millisecond timestamps, so the numbers the progress bar shows are tested without a clock.
//!
//! The rate is measured over a recent window of finished operations (default 20 s), so that a
//! burst of throttling or a pause long ago doesn't skew the estimate for long; while the window
//! holds too few samples, the average over the run's *active* time (pauses excluded) is used.

use serde::{Deserialize, Serialize};
use std::collections::VecDeque;
use std::time::Duration;

/// Where the run stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum RunState {
    Running,
    /// Paused by the admin; operations already sent finish.
    Paused,
    /// Paused because the admin must sign in again; resume after signing in.
    NeedsSignIn,
    /// Cancel asked; waiting for operations already sent.
    Cancelling,
    Cancelled,
    Finished,
}

/// One progress report for the UI.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Progress {
    pub state: RunState,
    /// Operations in the plan.
    pub total: usize,
    /// Finished successfully (this session or an earlier one).
    pub done: usize,
    /// Failed, or blocked because an operation they depend on failed.
    pub failed: usize,
    /// Left for the PowerShell script (script mode), including Graph operations waiting on it.
    pub pending_script: usize,
    /// Sent and not answered yet.
    pub in_flight: usize,
    /// Operations per second, recently.
    pub rate_per_sec: Option<f64>,
    /// Time left at that rate.
    pub eta: Option<Duration>,
    /// Active time of this session (pauses excluded).
    pub elapsed: Duration,
}

impl Progress {
    /// Operations this executor may still run (neither finished nor left for the script).
    pub fn remaining(&self) -> usize {
        self.total
            .saturating_sub(self.done + self.failed + self.pending_script)
    }

    /// Fraction for the progress bar, 0.0..=1.0: settled operations over all.
    pub fn fraction(&self) -> f64 {
        if self.total == 0 {
            return 1.0;
        }
        (self.done + self.failed + self.pending_script) as f64 / self.total as f64
    }
}

/// Samples of recent completions for the rate.
#[derive(Debug, Clone)]
pub struct RateMeter {
    window_ms: u64,
    /// Completion times (ms, active clock), oldest first, within the window.
    recent: VecDeque<u64>,
    /// Completions this session.
    total: u64,
}

/// Fewer samples than this in the window: fall back to the session average.
const MIN_WINDOW_SAMPLES: usize = 5;

impl RateMeter {
    pub fn new(window: Duration) -> Self {
        RateMeter {
            window_ms: window.as_millis().max(1) as u64,
            recent: VecDeque::new(),
            total: 0,
        }
    }

    /// One operation finished at `at_ms` (active clock: pauses excluded).
    pub fn record(&mut self, at_ms: u64) {
        self.total += 1;
        self.recent.push_back(at_ms);
        self.trim(at_ms);
    }

    fn trim(&mut self, now_ms: u64) {
        while let Some(&front) = self.recent.front() {
            if now_ms.saturating_sub(front) > self.window_ms {
                self.recent.pop_front();
            } else {
                break;
            }
        }
    }

    /// Operations per second at `now_ms` (active clock), or `None` before anything finished.
    pub fn rate(&mut self, now_ms: u64) -> Option<f64> {
        self.trim(now_ms);
        rate_per_sec(self.recent.len(), self.window_ms, self.total, now_ms)
    }
}

/// The rate from `in_window` completions in the last `window_ms`, or — with too few samples
/// there — from `total` completions over `active_ms`. `None` when nothing finished yet or no
/// time has passed.
pub fn rate_per_sec(in_window: usize, window_ms: u64, total: u64, active_ms: u64) -> Option<f64> {
    if in_window >= MIN_WINDOW_SAMPLES {
        // Early in a run the window isn't full yet: divide by the time actually covered.
        let span = window_ms.min(active_ms).max(1);
        return Some(in_window as f64 * 1000.0 / span as f64);
    }
    if total == 0 || active_ms == 0 {
        return None;
    }
    Some(total as f64 * 1000.0 / active_ms as f64)
}

/// Time left for `remaining` operations at `rate` per second. `Some(0)` when nothing remains;
/// `None` while the rate is unknown or zero.
pub fn eta(remaining: usize, rate: Option<f64>) -> Option<Duration> {
    if remaining == 0 {
        return Some(Duration::ZERO);
    }
    match rate {
        Some(r) if r > 0.0 && r.is_finite() => Some(Duration::from_secs_f64(remaining as f64 / r)),
        _ => None,
    }
}

/// A clock that stops while paused: the active time of a run.
#[derive(Debug, Clone, Default)]
pub struct ActiveClock {
    accumulated_ms: u64,
    /// Wall time when the current running stretch began, if running.
    since_ms: Option<u64>,
}

impl ActiveClock {
    pub fn start(&mut self, now_ms: u64) {
        if self.since_ms.is_none() {
            self.since_ms = Some(now_ms);
        }
    }

    pub fn stop(&mut self, now_ms: u64) {
        if let Some(since) = self.since_ms.take() {
            self.accumulated_ms += now_ms.saturating_sub(since);
        }
    }

    /// Active milliseconds at wall time `now_ms`.
    pub fn active_ms(&self, now_ms: u64) -> u64 {
        self.accumulated_ms
            + self
                .since_ms
                .map_or(0, |since| now_ms.saturating_sub(since))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_rate_before_anything_finished() {
        assert_eq!(rate_per_sec(0, 20_000, 0, 5_000), None);
        assert_eq!(rate_per_sec(0, 20_000, 3, 0), None);
        assert_eq!(eta(10, None), None);
        assert_eq!(eta(10, Some(0.0)), None);
        assert_eq!(eta(0, None), Some(Duration::ZERO));
    }

    #[test]
    fn few_samples_use_the_session_average() {
        // 3 done in 6 s of active time: 0.5/s; 10 left → 20 s
        let r = rate_per_sec(3, 20_000, 3, 6_000).unwrap();
        assert!((r - 0.5).abs() < 1e-9, "{r}");
        assert_eq!(eta(10, Some(r)), Some(Duration::from_secs(20)));
    }

    #[test]
    fn window_rate_divides_by_the_covered_span() {
        // early: 10 in the first 2 s → 5/s, not 10/20 s
        let r = rate_per_sec(10, 20_000, 10, 2_000).unwrap();
        assert!((r - 5.0).abs() < 1e-9, "{r}");
        // later: 40 in the last 20 s of a long run → 2/s, whatever the total
        let r = rate_per_sec(40, 20_000, 1000, 600_000).unwrap();
        assert!((r - 2.0).abs() < 1e-9, "{r}");
        assert_eq!(eta(100, Some(r)), Some(Duration::from_secs(50)));
    }

    #[test]
    fn meter_forgets_samples_older_than_the_window() {
        let mut m = RateMeter::new(Duration::from_secs(10));
        assert_eq!(m.rate(1_000), None);
        // a fast start: 10 in the first second
        for i in 0..10 {
            m.record(100 * i);
        }
        let fast = m.rate(1_000).unwrap();
        assert!((fast - 10.0).abs() < 1e-9, "{fast}");
        // then slow: one every 2 s from 12 s to 30 s
        for t in (12_000..=30_000).step_by(2_000) {
            m.record(t);
        }
        // the window (20..30 s) holds 6 samples: 0.6/s
        let slow = m.rate(30_000).unwrap();
        assert!((slow - 0.6).abs() < 1e-9, "{slow}");
        // long after: the window is empty, the session average takes over (20 in 100 s)
        let avg = m.rate(100_000).unwrap();
        assert!((avg - 0.2).abs() < 1e-9, "{avg}");
    }

    #[test]
    fn active_clock_excludes_pauses() {
        let mut c = ActiveClock::default();
        assert_eq!(c.active_ms(500), 0);
        c.start(1_000);
        assert_eq!(c.active_ms(4_000), 3_000);
        c.stop(4_000);
        // paused 4..10 s
        assert_eq!(c.active_ms(10_000), 3_000);
        c.start(10_000);
        c.start(11_000); // starting twice keeps the first start
        assert_eq!(c.active_ms(12_000), 5_000);
        c.stop(12_000);
        c.stop(13_000);
        assert_eq!(c.active_ms(20_000), 5_000);
    }

    #[test]
    fn remaining_and_fraction() {
        let p = Progress {
            state: RunState::Running,
            total: 10,
            done: 4,
            failed: 1,
            pending_script: 2,
            in_flight: 1,
            rate_per_sec: None,
            eta: None,
            elapsed: Duration::ZERO,
        };
        assert_eq!(p.remaining(), 3);
        assert!((p.fraction() - 0.7).abs() < 1e-9);
        let empty = Progress { total: 0, ..p };
        assert_eq!(empty.fraction(), 1.0);
        assert_eq!(empty.remaining(), 0);
    }
}
