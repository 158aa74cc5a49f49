//! Domain messages, built from the wire types with their shape checked. What needs no
//! state is checked here, so CheckTx rejects it early; limits that are params (handle
//! and text lengths) are checked by the handlers against the params in force, with
//! absolute caps here so that nothing unbounded is ever decoded into a message.

use weave_kernel::{decode_any, Address, Any, KernelError, TxError};
use weave_proto::weave::social::v1 as pb;

use crate::{
    params::{HANDLE_LEN_CAP, LINKS_CAP, TEXT_LEN_CAP},
    Params, SocialError,
};

macro_rules! type_urls {
    ($($name:ident = $url:literal;)*) => {
        $(
            #[doc = concat!("`", $url, "`")]
            pub const $name: &str = $url;
        )*
        pub(crate) const MESSAGE_TYPES: &[&str] = &[$($name),*];
    };
}

type_urls! {
    MSG_SET_PROFILE = "/weave.social.v1.MsgSetProfile";
    MSG_FOLLOW = "/weave.social.v1.MsgFollow";
    MSG_UNFOLLOW = "/weave.social.v1.MsgUnfollow";
    MSG_REACT = "/weave.social.v1.MsgReact";
    MSG_REMOVE_REACTION = "/weave.social.v1.MsgRemoveReaction";
    MSG_COMMENT = "/weave.social.v1.MsgComment";
    MSG_HIDE_COMMENT = "/weave.social.v1.MsgHideComment";
    MSG_UPDATE_PARAMS = "/weave.social.v1.MsgUpdateParams";
}

/// A social message whose shape is valid.
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum SocialMsg {
    SetProfile {
        owner: Address,
        /// Folded to lower case.
        handle: String,
        display_name: String,
        bio: String,
        avatar_content_id: u64,
        links: Vec<String>,
    },
    Follow {
        follower: Address,
        followee: Address,
    },
    Unfollow {
        follower: Address,
        followee: Address,
    },
    React {
        reactor: Address,
        content_id: u64,
        /// A named, specified [`pb::ReactionKind`].
        kind: i32,
    },
    RemoveReaction {
        reactor: Address,
        content_id: u64,
    },
    Comment {
        author: Address,
        content_id: u64,
        parent_id: u64,
        text: String,
    },
    HideComment {
        creator: Address,
        comment_id: u64,
        hidden: bool,
    },
    UpdateParams {
        authority: Address,
        params: Params,
    },
}

fn address(s: &str, field: &str) -> Result<Address, KernelError> {
    s.parse()
        .map_err(|e| KernelError::InvalidAddress(format!("{field}: {e}")))
}

/// A handle folded to lower case; refused unless it is 1 to [`HANDLE_LEN_CAP`]
/// characters of `[a-z0-9_]` once folded. (The params' length bounds are checked
/// against state.)
pub fn fold_handle(handle: &str) -> Result<String, SocialError> {
    let bad = |reason: &str| SocialError::InvalidHandle {
        handle: handle.chars().take(HANDLE_LEN_CAP as usize + 8).collect(),
        reason: reason.to_string(),
    };
    if handle.is_empty() {
        return Err(bad("empty"));
    }
    if handle.len() > HANDLE_LEN_CAP as usize {
        return Err(bad("too long"));
    }
    if !handle
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'_')
    {
        return Err(bad("only letters a-z, digits and _ are allowed"));
    }
    Ok(handle.to_ascii_lowercase())
}

/// A reaction kind by its number: a named, specified [`pb::ReactionKind`].
pub fn reaction_kind(kind: i32) -> Result<pb::ReactionKind, SocialError> {
    match pb::ReactionKind::try_from(kind) {
        Ok(pb::ReactionKind::Unspecified) | Err(_) => Err(SocialError::InvalidReaction(kind)),
        Ok(k) => Ok(k),
    }
}

/// Refuses text with control characters other than newline and tab, or longer than
/// the absolute cap.
fn check_text(field: &str, s: &str, multiline: bool) -> Result<(), SocialError> {
    if s.len() > TEXT_LEN_CAP as usize {
        return Err(SocialError::InvalidProfile(format!(
            "{field} longer than {TEXT_LEN_CAP} bytes"
        )));
    }
    if s.chars()
        .any(|c| c.is_control() && !(multiline && (c == '\n' || c == '\t')))
    {
        return Err(SocialError::InvalidProfile(format!(
            "{field} holds control characters"
        )));
    }
    Ok(())
}

impl SocialMsg {
    /// Decodes and checks a message.
    pub fn decode(any: &Any) -> Result<Self, TxError> {
        Ok(match any.type_url.as_str() {
            MSG_SET_PROFILE => {
                let m: pb::MsgSetProfile = decode_any(any)?;
                let handle = fold_handle(&m.handle)?;
                check_text("display_name", &m.display_name, false)?;
                check_text("bio", &m.bio, true)?;
                if m.links.len() > LINKS_CAP as usize {
                    return Err(SocialError::InvalidProfile(format!(
                        "{} links, more than {LINKS_CAP}",
                        m.links.len()
                    ))
                    .into());
                }
                for link in &m.links {
                    check_text("link", link, false)?;
                    if link.is_empty() || link.chars().any(char::is_whitespace) {
                        return Err(SocialError::InvalidProfile(
                            "a link is empty or holds white space".into(),
                        )
                        .into());
                    }
                }
                Self::SetProfile {
                    owner: address(&m.owner, "owner")?,
                    handle,
                    display_name: m.display_name,
                    bio: m.bio,
                    avatar_content_id: m.avatar_content_id,
                    links: m.links,
                }
            }
            MSG_FOLLOW | MSG_UNFOLLOW => {
                let (follower, followee) = if any.type_url == MSG_FOLLOW {
                    let m: pb::MsgFollow = decode_any(any)?;
                    (m.follower, m.followee)
                } else {
                    let m: pb::MsgUnfollow = decode_any(any)?;
                    (m.follower, m.followee)
                };
                let follower = address(&follower, "follower")?;
                let followee = address(&followee, "followee")?;
                if follower == followee {
                    return Err(SocialError::SelfFollow(follower.to_string()).into());
                }
                if any.type_url == MSG_FOLLOW {
                    Self::Follow { follower, followee }
                } else {
                    Self::Unfollow { follower, followee }
                }
            }
            MSG_REACT => {
                let m: pb::MsgReact = decode_any(any)?;
                reaction_kind(m.kind)?;
                Self::React {
                    reactor: address(&m.reactor, "reactor")?,
                    content_id: m.content_id,
                    kind: m.kind,
                }
            }
            MSG_REMOVE_REACTION => {
                let m: pb::MsgRemoveReaction = decode_any(any)?;
                Self::RemoveReaction {
                    reactor: address(&m.reactor, "reactor")?,
                    content_id: m.content_id,
                }
            }
            MSG_COMMENT => {
                let m: pb::MsgComment = decode_any(any)?;
                if m.text.trim().is_empty() {
                    return Err(SocialError::InvalidComment("empty".into()).into());
                }
                if m.text.len() > TEXT_LEN_CAP as usize {
                    return Err(SocialError::InvalidComment(format!(
                        "longer than {TEXT_LEN_CAP} bytes"
                    ))
                    .into());
                }
                if m.text
                    .chars()
                    .any(|c| c.is_control() && c != '\n' && c != '\t')
                {
                    return Err(
                        SocialError::InvalidComment("holds control characters".into()).into(),
                    );
                }
                Self::Comment {
                    author: address(&m.author, "author")?,
                    content_id: m.content_id,
                    parent_id: m.parent_id,
                    text: m.text,
                }
            }
            MSG_HIDE_COMMENT => {
                let m: pb::MsgHideComment = decode_any(any)?;
                Self::HideComment {
                    creator: address(&m.creator, "creator")?,
                    comment_id: m.comment_id,
                    hidden: m.hidden,
                }
            }
            MSG_UPDATE_PARAMS => {
                let m: pb::MsgUpdateParams = decode_any(any)?;
                let params = Params::from_wire(
                    m.params
                        .ok_or_else(|| KernelError::InvalidRequest("params missing".into()))?,
                )?;
                params.validate()?;
                Self::UpdateParams {
                    authority: address(&m.authority, "authority")?,
                    params,
                }
            }
            other => return Err(KernelError::UnknownMessage(other.to_string()).into()),
        })
    }

    /// The addresses that must sign.
    pub fn signers(&self) -> Vec<Address> {
        vec![match self {
            Self::SetProfile { owner, .. } => *owner,
            Self::Follow { follower, .. } | Self::Unfollow { follower, .. } => *follower,
            Self::React { reactor, .. } | Self::RemoveReaction { reactor, .. } => *reactor,
            Self::Comment { author, .. } => *author,
            Self::HideComment { creator, .. } => *creator,
            Self::UpdateParams { authority, .. } => *authority,
        }]
    }
}

impl weave_kernel::ModuleMsg for SocialMsg {
    fn decode(any: &Any) -> Result<Self, TxError> {
        SocialMsg::decode(any)
    }

    fn signers(&self) -> Vec<Address> {
        SocialMsg::signers(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handles_fold_to_lower_case_and_refuse_other_characters() {
        assert_eq!(fold_handle("Alice_01").unwrap(), "alice_01");
        for bad in ["", "al ice", "alice!", "ålice", "a-b", &"a".repeat(65)] {
            assert!(
                matches!(fold_handle(bad), Err(SocialError::InvalidHandle { .. })),
                "{bad}"
            );
        }
    }

    #[test]
    fn reaction_kinds_must_be_named_and_specified() {
        assert_eq!(reaction_kind(1).unwrap(), pb::ReactionKind::Like);
        assert!(reaction_kind(0).is_err());
        assert!(reaction_kind(99).is_err());
        assert_eq!(crate::event::kind_name(2), "REACTION_KIND_LOVE");
        assert_eq!(crate::event::kind_name(-1), "UNKNOWN");
    }
}
