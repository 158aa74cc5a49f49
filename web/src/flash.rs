//! Messages for the page a form sends the browser back to.

use std::{collections::BTreeMap, sync::Mutex};

use crate::{html::Flash, security::query_param};

/// How many messages are kept for pages to show.
const FLASHES_KEPT: usize = 100;

/// Messages for the page a form sends the browser back to, by number.
#[derive(Default)]
pub(crate) struct Flashes(Mutex<(u64, BTreeMap<u64, Flash>)>);

impl Flashes {
    pub(crate) fn put(&self, f: Flash) -> u64 {
        let Ok(mut g) = self.0.lock() else { return 0 };
        g.0 = g.0.wrapping_add(1);
        let n = g.0;
        g.1.insert(n, f);
        while g.1.len() > FLASHES_KEPT {
            g.1.pop_first();
        }
        n
    }

    pub(crate) fn get(&self, query: Option<&str>) -> Option<Flash> {
        let n: u64 = query_param(query, "flash")?.parse().ok()?;
        self.0.lock().ok()?.1.get(&n).cloned()
    }
}
