//! Waiting for a condition: poll it until it holds or a deadline passes. Never a fixed sleep,
//! so a fast machine is fast and a slow one only waits as long as it must.

use std::future::Future;
use std::time::{Duration, Instant};

use super::{Error, Result};

/// What one poll found: the value we waited for, or a description of what is there instead
/// (shown in the timeout error, so a failure says what the page looked like).
pub enum Poll<T> {
    Ready(T),
    NotYet(String),
}

/// Polls `probe` every 100 ms until it is `Ready`, an error, or `timeout` has passed.
pub async fn until<T, F, Fut>(what: &str, timeout: Duration, mut probe: F) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Poll<T>>>,
{
    let started = Instant::now();
    loop {
        let last = match probe().await? {
            Poll::Ready(value) => return Ok(value),
            Poll::NotYet(state) => state,
        };
        if started.elapsed() >= timeout {
            return Err(Error::Timeout {
                what: what.to_owned(),
                secs: timeout.as_secs_f64(),
                last: Some(last),
            });
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
