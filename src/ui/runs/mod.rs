//! What every journalled run in the browser shares — the bulk import's and offboarding's: the
//! journal in IndexedDB ([`idb`]), a pointer in `localStorage` to the run that hasn't finished
//! ([`RunPointer`], one per kind of job, so a reload finds it), run ids and start times.
//!
//! A run's header (what the job saves besides its journal) is the job's own type; each carries
//! the tenant it was planned in, and a run is never started or resumed in another.

#[cfg(target_arch = "wasm32")]
pub mod idb;

/// The `localStorage` key naming one kind of job's unfinished run.
#[derive(Clone, Copy, Debug)]
pub struct RunPointer(pub &'static str);

impl RunPointer {
    /// Points at the unfinished run (or clears the pointer).
    pub fn set(self, run: Option<&str>) {
        #[cfg(target_arch = "wasm32")]
        if let Some(storage) = storage() {
            let _ = match run {
                Some(id) => storage.set_item(self.0, id),
                None => storage.remove_item(self.0),
            };
        }
        #[cfg(not(target_arch = "wasm32"))]
        let _ = run;
    }

    /// The unfinished run's id, if a run of this kind didn't finish.
    pub fn get(self) -> Option<String> {
        #[cfg(target_arch = "wasm32")]
        {
            storage().and_then(|s| s.get_item(self.0).ok().flatten())
        }
        #[cfg(not(target_arch = "wasm32"))]
        None
    }
}

#[cfg(target_arch = "wasm32")]
use crate::ui::session::{Session, SessionEngine};
#[cfg(target_arch = "wasm32")]
use guestlist_core::domain::plan::Plan;
#[cfg(target_arch = "wasm32")]
use guestlist_core::engine::Engine;

#[cfg(target_arch = "wasm32")]
fn storage() -> Option<web_sys::Storage> {
    web_sys::window().and_then(|w| w.local_storage().ok().flatten())
}

/// The engine for a journalled run: direct or script mode as it was planned, and the Graph
/// client holding `User.ReadWrite.All` where the plan writes people (deletes guests, end dates).
#[cfg(target_arch = "wasm32")]
pub fn run_engine<'s>(
    session: &'s Session,
    plan: &Plan,
    direct: bool,
    signed_in_as: &'s str,
) -> SessionEngine<'s> {
    let graph = if plan
        .ops
        .iter()
        .any(|o| crate::ui::externals::writes_users(&o.op))
    {
        &session.graph_people
    } else {
        &session.graph
    };
    Engine::new(graph, direct.then_some(&*session.exchange)).signed_in_as(signed_in_as)
}

/// Whether a run planned in `planned` may act in `current` (a run saved before runs carried
/// their tenant has none, and may).
pub fn same_tenant(planned: &str, current: &str) -> bool {
    planned.is_empty() || planned.eq_ignore_ascii_case(current)
}

/// Now, as an ISO 8601 time (natively, where the UI is only type-checked, empty).
pub fn now_iso() -> String {
    #[cfg(target_arch = "wasm32")]
    {
        String::from(js_sys::Date::new_0().to_iso_string())
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        String::new()
    }
}

/// A new run's id: `{prefix}-{milliseconds}-{random}`.
pub fn new_run_id(prefix: &str) -> String {
    #[cfg(target_arch = "wasm32")]
    {
        format!(
            "{prefix}-{}-{:06}",
            js_sys::Date::now() as u64,
            (js_sys::Math::random() * 1e6) as u32
        )
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        prefix.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::same_tenant;

    #[test]
    fn a_run_acts_only_in_its_own_tenant() {
        assert!(same_tenant("Contoso-ID", "contoso-id"));
        assert!(same_tenant("", "contoso-id"));
        assert!(!same_tenant("fabrikam-id", "contoso-id"));
    }
}
