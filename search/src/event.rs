//! The events the index reads, by type and attribute name. Only names are shared with
//! the modules that emit them: this crate depends on no module, so an event of a module
//! that is not (yet) on chain is simply never seen.

use std::collections::BTreeSet;

/// One ABCI event of a committed block: its type and its attributes in order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BlockEvent {
    /// The event type, e.g. `weave.content.v1.EventContentRegistered`.
    pub kind: String,
    /// `(key, value)` pairs.
    pub attributes: Vec<(String, String)>,
}

impl BlockEvent {
    /// An event of type `kind` with `attributes`.
    pub fn new(kind: &str, attributes: &[(&str, &str)]) -> Self {
        Self {
            kind: kind.to_string(),
            attributes: attributes
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }

    /// The value of attribute `key`, if present.
    pub fn attr(&self, key: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// The event types the index acts on.
pub mod types {
    /// A content was registered (`content_id`).
    pub const CONTENT_REGISTERED: &str = "weave.content.v1.EventContentRegistered";
    /// A content's metadata or prices changed (`content_id`).
    pub const CONTENT_UPDATED: &str = "weave.content.v1.EventContentUpdated";
    /// A content was retired (`content_id`).
    pub const CONTENT_RETIRED: &str = "weave.content.v1.EventContentRetired";
    /// Access was bought (`content_id`, `buyer`): the buyer is a paying viewer.
    pub const ACCESS_PURCHASED: &str = "weave.content.v1.EventAccessPurchased";
    /// A profile was created or changed (`address`, `handle`, `display_name`, `bio`).
    pub const PROFILE_UPDATED: &str = "weave.social.v1.EventProfileUpdated";
    /// `follower` follows `followee`.
    pub const FOLLOWED: &str = "weave.social.v1.EventFollowed";
    /// `follower` no longer follows `followee`.
    pub const UNFOLLOWED: &str = "weave.social.v1.EventUnfollowed";
    /// A paid view was counted (`content_id`, `viewer`, `views`: the content's total).
    pub const VIEW_COUNTED: &str = "weave.social.v1.EventViewCounted";
}

/// Whether the index acts on events of type `kind`: a node hands its index only those.
pub fn is_indexed(kind: &str) -> bool {
    matches!(
        kind,
        types::CONTENT_REGISTERED
            | types::CONTENT_UPDATED
            | types::CONTENT_RETIRED
            | types::ACCESS_PURCHASED
            | types::PROFILE_UPDATED
            | types::FOLLOWED
            | types::UNFOLLOWED
            | types::VIEW_COUNTED
    )
}

/// A profile as its last `EventProfileUpdated` described it.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct Profile {
    /// The account.
    pub address: String,
    /// The unique handle.
    pub handle: String,
    /// The display name.
    pub display_name: String,
    /// The bio.
    pub bio: String,
}

/// What one event asks of the index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Change {
    /// Re-read this content from the chain's state.
    Content(u64),
    /// A purchase by a paying viewer.
    Purchase { content_id: u64, buyer: String },
    /// A profile to index.
    Profile(Profile),
    /// A follow or unfollow.
    Follow {
        follower: String,
        followee: String,
        on: bool,
    },
    /// A counted view; `total` is the content's count after it.
    View {
        content_id: u64,
        viewer: String,
        total: u64,
    },
}

impl Change {
    /// What `event` asks, if the index cares about it. An event with a missing or
    /// unreadable attribute is skipped (the chain's own events always carry them).
    pub(crate) fn from_event(event: &BlockEvent) -> Option<Self> {
        let id = || event.attr("content_id")?.parse::<u64>().ok();
        let text = |k: &str| event.attr(k).map(str::to_string);
        Some(match event.kind.as_str() {
            types::CONTENT_REGISTERED | types::CONTENT_UPDATED | types::CONTENT_RETIRED => {
                Change::Content(id()?)
            }
            types::ACCESS_PURCHASED => Change::Purchase {
                content_id: id()?,
                buyer: text("buyer")?,
            },
            types::PROFILE_UPDATED => Change::Profile(Profile {
                address: text("address")?,
                handle: text("handle").unwrap_or_default(),
                display_name: text("display_name").unwrap_or_default(),
                bio: text("bio").unwrap_or_default(),
            }),
            types::FOLLOWED | types::UNFOLLOWED => Change::Follow {
                follower: text("follower")?,
                followee: text("followee")?,
                on: event.kind == types::FOLLOWED,
            },
            types::VIEW_COUNTED => Change::View {
                content_id: id()?,
                viewer: text("viewer")?,
                total: event
                    .attr("views")
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(0),
            },
            _ => return None,
        })
    }
}

/// The content ids a block's changes ask to re-read, once each, in order.
pub(crate) fn touched_contents(changes: &[Change]) -> BTreeSet<u64> {
    changes
        .iter()
        .filter_map(|c| match c {
            Change::Content(id) => Some(*id),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_read_by_type_and_attribute_names() {
        let e = BlockEvent::new(types::CONTENT_UPDATED, &[("content_id", "7")]);
        assert_eq!(Change::from_event(&e), Some(Change::Content(7)));
        let e = BlockEvent::new(
            types::UNFOLLOWED,
            &[("follower", "weave1a"), ("followee", "weave1b")],
        );
        assert_eq!(
            Change::from_event(&e),
            Some(Change::Follow {
                follower: "weave1a".into(),
                followee: "weave1b".into(),
                on: false
            })
        );
        let e = BlockEvent::new(
            types::VIEW_COUNTED,
            &[("content_id", "3"), ("viewer", "weave1v"), ("views", "9")],
        );
        assert_eq!(
            Change::from_event(&e),
            Some(Change::View {
                content_id: 3,
                viewer: "weave1v".into(),
                total: 9
            })
        );
        // Unknown types and broken attributes are skipped, not errors.
        assert_eq!(Change::from_event(&BlockEvent::new("transfer", &[])), None);
        let e = BlockEvent::new(types::CONTENT_REGISTERED, &[("content_id", "x")]);
        assert_eq!(Change::from_event(&e), None);
    }
}
