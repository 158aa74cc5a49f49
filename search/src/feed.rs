//! The part of the index that is not text: who follows whom, profiles, and the paid
//! views and purchases of the last blocks (for the trending list). Kept as one JSON file
//! next to the text index, written after it, with the same height.

use std::collections::{BTreeMap, BTreeSet};

use crate::event::Profile;

/// The most blocks of views and purchases kept: the widest trending window.
pub const MAX_TRENDING_WINDOW: u64 = 100_000;

/// The version of this file's layout; another version means a rebuild.
pub(crate) const FORMAT: u32 = 1;

/// A paying viewer's act on a content in a block.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct Activity {
    pub(crate) content_id: u64,
    pub(crate) account: String,
    /// A counted view (else a purchase).
    pub(crate) view: bool,
}

/// The feed state, as of `height`.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct FeedState {
    pub(crate) format: u32,
    /// The last block indexed.
    pub(crate) height: u64,
    /// Profiles by address.
    pub(crate) profiles: BTreeMap<String, Profile>,
    /// Followees by follower.
    pub(crate) following: BTreeMap<String, BTreeSet<String>>,
    /// Views and purchases by height, for the last [`MAX_TRENDING_WINDOW`] blocks.
    pub(crate) activity: BTreeMap<u64, Vec<Activity>>,
    /// Each content's total of counted views, as its last view event said.
    pub(crate) total_views: BTreeMap<u64, u64>,
}

impl FeedState {
    pub(crate) fn new() -> Self {
        Self {
            format: FORMAT,
            ..Self::default()
        }
    }

    pub(crate) fn follow(&mut self, follower: &str, followee: &str, on: bool) {
        if on {
            self.following
                .entry(follower.to_string())
                .or_default()
                .insert(followee.to_string());
        } else if let Some(set) = self.following.get_mut(follower) {
            set.remove(followee);
            if set.is_empty() {
                self.following.remove(follower);
            }
        }
    }

    pub(crate) fn record(&mut self, height: u64, activity: Activity) {
        self.activity.entry(height).or_default().push(activity);
    }

    /// Forgets activity older than the widest window before `height`.
    pub(crate) fn prune(&mut self, height: u64) {
        let keep_from = height.saturating_sub(MAX_TRENDING_WINDOW) + 1;
        self.activity = self.activity.split_off(&keep_from);
    }

    /// `(content_id, views, paying viewers)` over the `window` blocks up to the last
    /// one indexed, most viewed first (then most paying viewers, then lowest id).
    pub(crate) fn trending(&self, window: u64) -> Vec<(u64, u64, u64)> {
        let window = window.clamp(1, MAX_TRENDING_WINDOW);
        let from = self.height.saturating_sub(window) + 1;
        let mut views: BTreeMap<u64, u64> = BTreeMap::new();
        let mut viewers: BTreeMap<u64, BTreeSet<&str>> = BTreeMap::new();
        for acts in self.activity.range(from..).map(|(_, a)| a) {
            for a in acts {
                if a.view {
                    *views.entry(a.content_id).or_default() += 1;
                }
                viewers
                    .entry(a.content_id)
                    .or_default()
                    .insert(a.account.as_str());
            }
        }
        let mut rows: Vec<(u64, u64, u64)> = viewers
            .iter()
            .map(|(id, v)| (*id, views.get(id).copied().unwrap_or(0), v.len() as u64))
            .collect();
        rows.sort_by(|a, b| b.1.cmp(&a.1).then(b.2.cmp(&a.2)).then(a.0.cmp(&b.0)));
        rows
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn act(id: u64, who: &str, view: bool) -> Activity {
        Activity {
            content_id: id,
            account: who.into(),
            view,
        }
    }

    #[test]
    fn trending_counts_only_the_window_and_distinct_payers() {
        let mut s = FeedState::new();
        s.record(1, act(1, "a", true));
        s.record(1, act(1, "b", true));
        s.record(1, act(1, "c", true));
        s.record(9, act(2, "a", true));
        s.record(10, act(2, "b", true));
        s.record(10, act(2, "b", false)); // the same account's purchase: one payer
        s.record(10, act(3, "c", false));
        s.height = 10;
        // Over all ten blocks content 1 leads with three views.
        assert_eq!(s.trending(10), vec![(1, 3, 3), (2, 2, 2), (3, 0, 1)]);
        // Over the last two, content 1's views are out of the window.
        assert_eq!(s.trending(2), vec![(2, 2, 2), (3, 0, 1)]);
        s.height = MAX_TRENDING_WINDOW + 10;
        s.prune(s.height);
        assert!(s.activity.is_empty());
    }

    #[test]
    fn unfollow_removes_and_forgets_empty_sets() {
        let mut s = FeedState::new();
        s.follow("a", "b", true);
        s.follow("a", "c", true);
        s.follow("a", "b", false);
        assert_eq!(s.following["a"].len(), 1);
        s.follow("a", "c", false);
        assert!(s.following.is_empty());
        s.follow("x", "y", false); // unknown: nothing happens
        assert!(s.following.is_empty());
    }
}
