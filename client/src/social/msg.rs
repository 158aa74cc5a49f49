//! The social module's messages, built from Rust values and checked as the chain's
//! CheckTx checks them without state, so a malformed handle or an empty comment is
//! refused before signing.

use anyhow::anyhow;
use cosmos_sdk_proto::Any;
use prost::Message;
use weave_kernel::Address;
use weave_proto::weave::social::v1 as pb;
use weave_social::{
    SocialMsg, MSG_COMMENT, MSG_FOLLOW, MSG_HIDE_COMMENT, MSG_REACT, MSG_REMOVE_REACTION,
    MSG_SET_PROFILE, MSG_UNFOLLOW,
};

use crate::builder::to_any;

/// A comment was posted: its `comment_id`.
pub const EVENT_COMMENTED: &str = "weave.social.v1.EventCommented";

/// Packs a social message and checks it as the chain's CheckTx would without state.
pub fn social_msg(type_url: &str, msg: &impl Message) -> anyhow::Result<Any> {
    let any = to_any(type_url, msg);
    SocialMsg::decode(&any).map_err(|e| anyhow!("{}:{}: {}", e.codespace, e.code, e.log))?;
    Ok(any)
}

/// A profile's fields.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProfileFields {
    /// The handle (case-folded by the chain).
    pub handle: String,
    /// Display name.
    pub display_name: String,
    /// Bio.
    pub bio: String,
    /// Avatar content id; 0: none.
    pub avatar_content_id: u64,
    /// Links.
    pub links: Vec<String>,
}

/// `/weave.social.v1.MsgSetProfile`.
pub fn set_profile(owner: &Address, p: ProfileFields) -> anyhow::Result<Any> {
    social_msg(
        MSG_SET_PROFILE,
        &pb::MsgSetProfile {
            owner: owner.to_string(),
            handle: p.handle,
            display_name: p.display_name,
            bio: p.bio,
            avatar_content_id: p.avatar_content_id,
            links: p.links,
        },
    )
}

/// `/weave.social.v1.MsgFollow` or, with `follow` false, `MsgUnfollow`.
pub fn follow(follower: &Address, followee: &Address, follow: bool) -> anyhow::Result<Any> {
    if follow {
        social_msg(
            MSG_FOLLOW,
            &pb::MsgFollow {
                follower: follower.to_string(),
                followee: followee.to_string(),
            },
        )
    } else {
        social_msg(
            MSG_UNFOLLOW,
            &pb::MsgUnfollow {
                follower: follower.to_string(),
                followee: followee.to_string(),
            },
        )
    }
}

/// A reaction kind by name: `like`, `love`, `laugh`, `wow`, `sad`, `dislike` (or the
/// enum's full name).
pub fn parse_kind(s: &str) -> Result<pb::ReactionKind, String> {
    let upper = s.trim().to_ascii_uppercase();
    let full = if upper.starts_with("REACTION_KIND_") {
        upper
    } else {
        format!("REACTION_KIND_{upper}")
    };
    match pb::ReactionKind::from_str_name(&full) {
        Some(k) if k != pb::ReactionKind::Unspecified => Ok(k),
        _ => Err(format!(
            "unknown reaction {s:?}: want like, love, laugh, wow, sad or dislike"
        )),
    }
}

/// A reaction kind's short name (`like`).
pub fn kind_text(kind: i32) -> String {
    pb::ReactionKind::try_from(kind)
        .map(|k| {
            k.as_str_name()
                .trim_start_matches("REACTION_KIND_")
                .to_ascii_lowercase()
        })
        .unwrap_or_else(|_| format!("kind {kind}"))
}

/// `/weave.social.v1.MsgReact`.
pub fn react(reactor: &Address, content_id: u64, kind: pb::ReactionKind) -> anyhow::Result<Any> {
    social_msg(
        MSG_REACT,
        &pb::MsgReact {
            reactor: reactor.to_string(),
            content_id,
            kind: kind as i32,
        },
    )
}

/// `/weave.social.v1.MsgRemoveReaction`.
pub fn remove_reaction(reactor: &Address, content_id: u64) -> anyhow::Result<Any> {
    social_msg(
        MSG_REMOVE_REACTION,
        &pb::MsgRemoveReaction {
            reactor: reactor.to_string(),
            content_id,
        },
    )
}

/// `/weave.social.v1.MsgComment`: on a content, or a reply to `parent_id` (0: none).
pub fn comment(
    author: &Address,
    content_id: u64,
    parent_id: u64,
    text: &str,
) -> anyhow::Result<Any> {
    social_msg(
        MSG_COMMENT,
        &pb::MsgComment {
            author: author.to_string(),
            content_id,
            parent_id,
            text: text.to_string(),
        },
    )
}

/// `/weave.social.v1.MsgHideComment`: hide (or show again) a comment on one's content.
pub fn hide_comment(creator: &Address, comment_id: u64, hidden: bool) -> anyhow::Result<Any> {
    social_msg(
        MSG_HIDE_COMMENT,
        &pb::MsgHideComment {
            creator: creator.to_string(),
            comment_id,
            hidden,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_checked_before_signing() {
        let a = Address::new([1; 20]);
        let p = ProfileFields {
            handle: "Alice".into(),
            ..Default::default()
        };
        assert!(set_profile(&a, p).is_ok());
        let bad = ProfileFields {
            handle: "al ice".into(),
            ..Default::default()
        };
        let e = set_profile(&a, bad).unwrap_err().to_string();
        assert!(e.starts_with("social:2:"), "{e}");
        assert!(follow(&a, &a, true)
            .unwrap_err()
            .to_string()
            .starts_with("social:6:"));
        assert!(comment(&a, 1, 0, "   ").is_err());
        assert!(comment(&a, 1, 0, "hello").is_ok());
    }

    #[test]
    fn reaction_kinds_parse_by_short_or_full_name() {
        assert_eq!(parse_kind("like").unwrap(), pb::ReactionKind::Like);
        assert_eq!(parse_kind("WOW").unwrap(), pb::ReactionKind::Wow);
        assert_eq!(
            parse_kind("REACTION_KIND_SAD").unwrap(),
            pb::ReactionKind::Sad
        );
        assert!(parse_kind("unspecified").is_err());
        assert!(parse_kind("meh").is_err());
        assert_eq!(kind_text(2), "love");
    }
}
