//! Silent sign-in renewal for a bulk run. The executor pauses the run for the admin to sign in
//! again when a token is refused twice in one call ([`guestlist_core::run::RunEvent::NeedsSignIn`]).
//! Often nobody has to: a token can expire while its request waits out a `Retry-After`, and the
//! refresh token still gets a fresh one without the admin. So before asking, the driver asks
//! MSAL once, silently and bypassing its cache (which proves the refresh token still works),
//! for the run's resources; if it answers, the run resumes, and the executor re-checks the
//! operation it put back before repeating it. Meanwhile the page keeps saying "Running".
//!
//! Bounded: after [`MAX_WITHOUT_PROGRESS`] renewals with no operation done in between, the
//! admin is asked after all — a token the service keeps refusing is not an expiry.

// Natively the UI is only type-checked: runs (and so renewals) happen in the browser.
#![cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]

use std::cell::Cell;
use std::rc::Rc;

/// Silent renewals allowed in a row with no operation done in between. More than one: several
/// operations under way can have their token refused at once.
pub const MAX_WITHOUT_PROGRESS: u32 = 3;

/// When a silent renewal may be tried. Plain counters, tested natively.
#[derive(Debug, Default)]
pub struct RenewalGate {
    renewing: Cell<bool>,
    tries_without_progress: Cell<u32>,
    last_done: Cell<Option<usize>>,
}

impl RenewalGate {
    /// Operations done so far (from each progress report): progress resets the count of tries.
    pub fn progress(&self, done: usize) {
        if self.last_done.get().is_none_or(|d| done > d) {
            self.last_done.set(Some(done));
            self.tries_without_progress.set(0);
        }
    }

    /// A sign-in is needed: true if a silent renewal should be tried now (and it is counted as
    /// under way). False while one is under way, or once the tries without progress are spent.
    pub fn begin(&self) -> bool {
        if self.renewing.get() || self.tries_without_progress.get() >= MAX_WITHOUT_PROGRESS {
            return false;
        }
        self.renewing.set(true);
        self.tries_without_progress
            .set(self.tries_without_progress.get() + 1);
        true
    }

    /// The renewal under way ended (either way).
    pub fn end(&self) {
        self.renewing.set(false);
    }

    /// Whether a renewal is under way: the run's "sign in again" is not shown meanwhile.
    pub fn renewing(&self) -> bool {
        self.renewing.get()
    }
}

/// Shared by the executor's event listener and the renewal task.
pub type SharedGate = Rc<RenewalGate>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_renewal_at_a_time() {
        let g = RenewalGate::default();
        assert!(g.begin());
        assert!(g.renewing());
        assert!(
            !g.begin(),
            "a second refusal while renewing waits for that renewal"
        );
        g.end();
        assert!(!g.renewing());
        assert!(g.begin());
    }

    #[test]
    fn tries_without_progress_are_bounded_and_progress_resets_them() {
        let g = RenewalGate::default();
        g.progress(10);
        for _ in 0..MAX_WITHOUT_PROGRESS {
            assert!(g.begin());
            g.end();
            g.progress(10); // nothing done in between
        }
        assert!(
            !g.begin(),
            "the admin is asked after {MAX_WITHOUT_PROGRESS} tries"
        );
        g.progress(11);
        assert!(
            g.begin(),
            "an operation done since: renewing silently again"
        );
    }
}
