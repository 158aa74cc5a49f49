//! Constructors for the social module's typed events (see
//! `weave/social/v1/event.proto`).

use weave_kernel::{Address, Event};
use weave_proto::weave::social::v1 as ev;

/// A reaction kind's name (`REACTION_KIND_LIKE`), or `UNKNOWN`.
pub(crate) fn kind_name(kind: i32) -> String {
    ev::ReactionKind::try_from(kind)
        .map(|k| k.as_str_name().to_string())
        .unwrap_or_else(|_| "UNKNOWN".into())
}

/// The type strings of the module's events: the full names of the messages of
/// `weave/social/v1/event.proto`. Clients (and the search index) match events by
/// these.
pub mod types {
    /// `EventProfileUpdated`: `address`, `handle`, `display_name`, `bio`, ...
    pub const PROFILE_UPDATED: &str = "weave.social.v1.EventProfileUpdated";
    /// `EventFollowed`: `follower`, `followee`.
    pub const FOLLOWED: &str = "weave.social.v1.EventFollowed";
    /// `EventUnfollowed`: `follower`, `followee`.
    pub const UNFOLLOWED: &str = "weave.social.v1.EventUnfollowed";
    /// `EventReacted`.
    pub const REACTED: &str = "weave.social.v1.EventReacted";
    /// `EventReactionRemoved`.
    pub const REACTION_REMOVED: &str = "weave.social.v1.EventReactionRemoved";
    /// `EventCommented`: `comment_id`, `content_id`, `author`, `parent_id`, `fee`.
    pub const COMMENTED: &str = "weave.social.v1.EventCommented";
    /// `EventCommentHidden`.
    pub const COMMENT_HIDDEN: &str = "weave.social.v1.EventCommentHidden";
    /// `EventViewCounted`: `content_id`, `viewer`, `views` (the new total), ...
    pub const VIEW_COUNTED: &str = "weave.social.v1.EventViewCounted";
    /// `EventParamsUpdated`.
    pub const PARAMS_UPDATED: &str = "weave.social.v1.EventParamsUpdated";
}

pub(crate) fn profile_updated(
    p: &weave_proto::weave::social::v1::Profile,
    previous_handle: Option<&str>,
) -> Event {
    Event::from_proto(&ev::EventProfileUpdated {
        address: p.address.clone(),
        handle: p.handle.clone(),
        display_name: p.display_name.clone(),
        bio: p.bio.clone(),
        previous_handle: previous_handle.unwrap_or_default().to_string(),
        avatar_content_id: p.avatar_content_id,
    })
}

pub(crate) fn followed(follower: &Address, followee: &Address) -> Event {
    Event::from_proto(&ev::EventFollowed {
        follower: follower.to_string(),
        followee: followee.to_string(),
    })
}

pub(crate) fn unfollowed(follower: &Address, followee: &Address) -> Event {
    Event::from_proto(&ev::EventUnfollowed {
        follower: follower.to_string(),
        followee: followee.to_string(),
    })
}

pub(crate) fn reacted(
    content_id: u64,
    reactor: &Address,
    kind: i32,
    previous: Option<i32>,
) -> Event {
    Event::from_proto(&ev::EventReacted {
        content_id,
        reactor: reactor.to_string(),
        kind: kind_name(kind),
        previous_kind: previous.map(kind_name).unwrap_or_default(),
    })
}

pub(crate) fn reaction_removed(content_id: u64, reactor: &Address, kind: i32) -> Event {
    Event::from_proto(&ev::EventReactionRemoved {
        content_id,
        reactor: reactor.to_string(),
        kind: kind_name(kind),
    })
}

pub(crate) fn commented(c: &ev::Comment, fee: u128) -> Event {
    Event::from_proto(&ev::EventCommented {
        comment_id: c.id,
        content_id: c.content_id,
        author: c.author.clone(),
        parent_id: c.parent_id,
        fee: fee.to_string(),
    })
}

pub(crate) fn comment_hidden(c: &ev::Comment) -> Event {
    Event::from_proto(&ev::EventCommentHidden {
        comment_id: c.id,
        content_id: c.content_id,
        hidden: c.hidden,
    })
}

pub(crate) fn view_counted(stats: &ev::ViewStats, viewer: &Address, source: &str) -> Event {
    Event::from_proto(&ev::EventViewCounted {
        content_id: stats.content_id,
        viewer: viewer.to_string(),
        views: stats.views,
        paying_viewers: stats.paying_viewers,
        source: source.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use prost::Name;

    use super::*;

    /// The type strings clients match are the full names of the proto events, and the
    /// attributes the search index reads are there by name.
    #[test]
    fn event_types_and_attributes_are_the_ones_indexed() {
        assert_eq!(types::PROFILE_UPDATED, ev::EventProfileUpdated::full_name());
        assert_eq!(types::FOLLOWED, ev::EventFollowed::full_name());
        assert_eq!(types::UNFOLLOWED, ev::EventUnfollowed::full_name());
        assert_eq!(types::VIEW_COUNTED, ev::EventViewCounted::full_name());
        assert_eq!(types::REACTED, ev::EventReacted::full_name());
        assert_eq!(types::COMMENTED, ev::EventCommented::full_name());
        let a = Address::new([1; 20]);
        let stats = ev::ViewStats {
            content_id: 7,
            views: 2,
            paying_viewers: 3,
        };
        let e = view_counted(&stats, &a, "stream");
        assert_eq!(e.kind, types::VIEW_COUNTED);
        assert_eq!(e.get("content_id"), Some("7"));
        assert_eq!(e.get("viewer"), Some(a.to_string().as_str()));
        assert_eq!(e.get("views"), Some("2"));
        let p = ev::Profile {
            address: a.to_string(),
            handle: "alice".into(),
            display_name: "Alice".into(),
            bio: "hi".into(),
            ..Default::default()
        };
        let e = profile_updated(&p, None);
        for (k, v) in [
            ("address", a.to_string()),
            ("handle", "alice".into()),
            ("display_name", "Alice".into()),
            ("bio", "hi".into()),
        ] {
            assert_eq!(e.get(k), Some(v.as_str()), "{k}");
        }
        let e = followed(&a, &Address::new([2; 20]));
        assert_eq!(
            e.get("followee"),
            Some(Address::new([2; 20]).to_string().as_str())
        );
    }
}
