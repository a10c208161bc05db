//! The small shared handles of a run, single-threaded (browser futures are not `Send`):
//! - [`RunControl`]: pause, resume, cancel — cooperative; the UI holds a clone;
//! - [`Limiter`] and [`LimitedTransport`]: at most N requests in flight per service.
//!
//! Both are built on a waker list rather than a runtime's primitives so that they work the
//! same under `wasm_bindgen_futures` and tokio.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use crate::tenant::{HttpRequest, HttpResponse, Transport, TransportError};

#[derive(Default)]
struct Wakers(RefCell<Vec<Waker>>);

impl Wakers {
    fn register(&self, w: &Waker) {
        let mut list = self.0.borrow_mut();
        if !list.iter().any(|x| x.will_wake(w)) {
            list.push(w.clone());
        }
    }
    fn wake_all(&self) {
        let list = std::mem::take(&mut *self.0.borrow_mut());
        for w in list {
            w.wake();
        }
    }
}

#[derive(Default)]
struct ControlInner {
    paused: Cell<bool>,
    cancelled: Cell<bool>,
    generation: Cell<u64>,
    wakers: Wakers,
}

/// Pause, resume and cancel a run. Clones share the same run. Pausing stops new operations from
/// starting; operations already sent finish and are journalled. Cancel is final for this
/// executor: it stops starting operations and returns once those in flight are settled; the
/// journal keeps everything needed to resume later.
#[derive(Clone, Default)]
pub struct RunControl(Rc<ControlInner>);

impl RunControl {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn pause(&self) {
        self.set(|i| i.paused.set(true));
    }

    pub fn resume(&self) {
        self.set(|i| i.paused.set(false));
    }

    pub fn cancel(&self) {
        self.set(|i| i.cancelled.set(true));
    }

    pub fn is_paused(&self) -> bool {
        self.0.paused.get()
    }

    pub fn is_cancelled(&self) -> bool {
        self.0.cancelled.get()
    }

    /// Wakes whoever waits on [`RunControl::changed`] without changing the state: an operation
    /// that parks itself under a pause tells the run loop, so the progress it reports next
    /// counts it out of "in flight" (a pause is then seen to have drained).
    pub(crate) fn nudge(&self) {
        self.set(|_| {});
    }

    fn set(&self, f: impl FnOnce(&ControlInner)) {
        f(&self.0);
        self.0.generation.set(self.0.generation.get() + 1);
        self.0.wakers.wake_all();
    }

    /// Resolves at the next pause, resume or cancel after this call.
    pub fn changed(&self) -> Changed {
        Changed {
            control: self.clone(),
            seen: self.0.generation.get(),
        }
    }
}

/// See [`RunControl::changed`].
pub struct Changed {
    control: RunControl,
    seen: u64,
}

impl Future for Changed {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let inner = &self.control.0;
        if inner.generation.get() != self.seen {
            Poll::Ready(())
        } else {
            inner.wakers.register(cx.waker());
            Poll::Pending
        }
    }
}

struct LimiterInner {
    max: usize,
    in_use: Cell<usize>,
    peak: Cell<usize>,
    wakers: Wakers,
}

/// At most `max` holders at once. Waiters are all woken on release and race for the slot:
/// with a handful of waiters that is simpler and as good as a queue, and a waiter that gives up
/// (its future dropped) can't strand a slot.
#[derive(Clone)]
pub struct Limiter(Rc<LimiterInner>);

impl Limiter {
    /// `max` 0 is treated as 1.
    pub fn new(max: usize) -> Self {
        Limiter(Rc::new(LimiterInner {
            max: max.max(1),
            in_use: Cell::new(0),
            peak: Cell::new(0),
            wakers: Wakers::default(),
        }))
    }

    pub fn max(&self) -> usize {
        self.0.max
    }

    /// Holders right now.
    pub fn in_use(&self) -> usize {
        self.0.in_use.get()
    }

    /// Most holders at once so far.
    pub fn peak(&self) -> usize {
        self.0.peak.get()
    }

    pub fn acquire(&self) -> Acquire {
        Acquire {
            limiter: self.clone(),
        }
    }
}

/// See [`Limiter::acquire`].
pub struct Acquire {
    limiter: Limiter,
}

impl Future for Acquire {
    type Output = Permit;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Permit> {
        let inner = &self.limiter.0;
        if inner.in_use.get() < inner.max {
            inner.in_use.set(inner.in_use.get() + 1);
            inner.peak.set(inner.peak.get().max(inner.in_use.get()));
            Poll::Ready(Permit {
                limiter: self.limiter.clone(),
            })
        } else {
            inner.wakers.register(cx.waker());
            Poll::Pending
        }
    }
}

/// A held slot; released when dropped (also when its request is abandoned).
pub struct Permit {
    limiter: Limiter,
}

impl Drop for Permit {
    fn drop(&mut self) {
        let inner = &self.limiter.0;
        inner.in_use.set(inner.in_use.get() - 1);
        inner.wakers.wake_all();
    }
}

/// A transport that holds a [`Limiter`] slot only while a request is on the wire. Waits between
/// retries (`Retry-After`, backoff, replication) hold no slot, so other operations keep the
/// service busy meanwhile: the executor may have more operations under way than requests in
/// flight, and the service never sees more than the limit at once.
pub struct LimitedTransport<T> {
    inner: T,
    limiter: Limiter,
}

impl<T> LimitedTransport<T> {
    pub fn new(inner: T, limiter: Limiter) -> Self {
        Self { inner, limiter }
    }

    pub fn limiter(&self) -> &Limiter {
        &self.limiter
    }
}

impl<T: Transport> Transport for LimitedTransport<T> {
    async fn send(&self, req: HttpRequest) -> Result<HttpResponse, TransportError> {
        let _permit = self.limiter.acquire().await;
        self.inner.send(req).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::executor::LocalPool;
    use futures::task::LocalSpawnExt;

    #[test]
    fn changed_resolves_after_the_next_change_only() {
        let c = RunControl::new();
        c.pause();
        let mut pool = LocalPool::new();
        let done = Rc::new(Cell::new(false));
        let (c2, d2) = (c.clone(), done.clone());
        pool.spawner()
            .spawn_local(async move {
                c2.changed().await;
                d2.set(true);
            })
            .unwrap();
        pool.run_until_stalled();
        assert!(!done.get(), "an earlier change doesn't count");
        assert!(c.is_paused());
        c.resume();
        pool.run_until_stalled();
        assert!(done.get());
        assert!(!c.is_paused() && !c.is_cancelled());
        c.cancel();
        assert!(c.is_cancelled());
    }

    #[test]
    fn limiter_bounds_holders_and_wakes_waiters() {
        let l = Limiter::new(2);
        let mut pool = LocalPool::new();
        let finished = Rc::new(Cell::new(0));
        let gates: Vec<RunControl> = (0..5).map(|_| RunControl::new()).collect();
        for g in &gates {
            let (l, g, f) = (l.clone(), g.clone(), finished.clone());
            pool.spawner()
                .spawn_local(async move {
                    let _p = l.acquire().await;
                    // hold the slot until the test opens this gate
                    let changed = g.changed();
                    if !g.is_cancelled() {
                        changed.await;
                    }
                    f.set(f.get() + 1);
                })
                .unwrap();
        }
        pool.run_until_stalled();
        assert_eq!(l.in_use(), 2);
        for g in &gates {
            g.cancel();
            pool.run_until_stalled();
            assert!(l.in_use() <= 2);
        }
        assert_eq!(finished.get(), 5);
        assert_eq!(l.in_use(), 0);
        assert_eq!(l.peak(), 2);
    }
}
