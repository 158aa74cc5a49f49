//! The social module's errors, codespace `social`.

use weave_kernel::TxError;

/// Errors of the social module.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SocialError {
    /// A handle of the wrong length or with characters outside `[a-z0-9_]`.
    #[error("invalid handle {handle:?}: {reason}")]
    InvalidHandle {
        /// The handle as given.
        handle: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A handle held by another account (or reserved for its last owner).
    #[error("handle {0:?} is taken")]
    HandleTaken(String),
    /// A display name, bio or link that is too long or malformed.
    #[error("invalid profile: {0}")]
    InvalidProfile(String),
    /// No content with this id.
    #[error("content {0} not found")]
    UnknownContent(u64),
    /// An account following itself.
    #[error("{0} cannot follow itself")]
    SelfFollow(String),
    /// A follow that exists already.
    #[error("{follower} already follows {followee}")]
    AlreadyFollowing {
        /// The follower.
        follower: String,
        /// The followee.
        followee: String,
    },
    /// An unfollow of an account not followed.
    #[error("{follower} does not follow {followee}")]
    NotFollowing {
        /// The follower.
        follower: String,
        /// The followee.
        followee: String,
    },
    /// A follow beyond `max_following`.
    #[error("{follower} already follows {max} accounts, the most allowed")]
    TooManyFollows {
        /// The follower.
        follower: String,
        /// The limit.
        max: u64,
    },
    /// A reaction kind that is unspecified or unknown.
    #[error("invalid reaction kind {0}")]
    InvalidReaction(i32),
    /// Removing a reaction that does not exist.
    #[error("{reactor} has no reaction on content {content_id}")]
    NoReaction {
        /// The account.
        reactor: String,
        /// The content.
        content_id: u64,
    },
    /// A comment that is empty or too long.
    #[error("invalid comment: {0}")]
    InvalidComment(String),
    /// No comment with this id.
    #[error("comment {0} not found")]
    CommentNotFound(u64),
    /// A reply to a reply: replies go one level deep.
    #[error("comment {0} is a reply; replies go one level deep")]
    ReplyTooDeep(u64),
    /// A reply naming a parent on another content.
    #[error("comment {parent_id} is on content {parent_content}, not {content_id}")]
    ParentOnOtherContent {
        /// The parent.
        parent_id: u64,
        /// The parent's content.
        parent_content: u64,
        /// The content the reply names.
        content_id: u64,
    },
    /// Hiding a comment on a content the signer did not create.
    #[error("{signer} is not the creator of content {content_id}")]
    NotContentCreator {
        /// The content.
        content_id: u64,
        /// The signer.
        signer: String,
    },
    /// Reacting again with the kind already set.
    #[error("{reactor} already reacted {kind} to content {content_id}")]
    SameReaction {
        /// The account.
        reactor: String,
        /// The content.
        content_id: u64,
        /// The kind.
        kind: String,
    },
    /// Arithmetic that would overflow.
    #[error("overflow: {0}")]
    Overflow(String),
    /// `MsgUpdateParams` not signed by the gov authority.
    #[error("invalid authority {got}: only the gov module account {expected} may update params")]
    InvalidAuthority {
        /// The signer.
        got: String,
        /// The gov authority.
        expected: String,
    },
    /// Parameters that fail validation.
    #[error("invalid params: {0}")]
    InvalidParams(String),
    /// A malformed genesis section.
    #[error("invalid social genesis: {0}")]
    InvalidGenesis(String),
    /// Stored state that does not decode: a bug or corruption, never user input.
    #[error("corrupt social state at {0}")]
    CorruptState(String),
}

impl SocialError {
    /// The stable code, in the `social` codespace.
    pub fn code(&self) -> u32 {
        match self {
            Self::InvalidHandle { .. } => 2,
            Self::HandleTaken(_) => 3,
            Self::InvalidProfile(_) => 4,
            Self::UnknownContent(_) => 5,
            Self::SelfFollow(_) => 6,
            Self::AlreadyFollowing { .. } => 7,
            Self::NotFollowing { .. } => 8,
            Self::TooManyFollows { .. } => 9,
            Self::InvalidReaction(_) => 10,
            Self::NoReaction { .. } => 11,
            Self::InvalidComment(_) => 12,
            Self::CommentNotFound(_) => 13,
            Self::ReplyTooDeep(_) => 14,
            Self::ParentOnOtherContent { .. } => 15,
            Self::NotContentCreator { .. } => 16,
            Self::SameReaction { .. } => 17,
            Self::Overflow(_) => 18,
            Self::InvalidAuthority { .. } => 19,
            Self::InvalidParams(_) => 20,
            Self::InvalidGenesis(_) => 21,
            Self::CorruptState(_) => 22,
        }
    }
}

impl From<SocialError> for TxError {
    fn from(e: SocialError) -> Self {
        TxError::new(crate::MODULE_NAME, e.code(), e.to_string())
    }
}

weave_kernel::impl_module_error!(SocialError);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_distinct_and_stable() {
        let all = [
            SocialError::InvalidHandle {
                handle: String::new(),
                reason: String::new(),
            },
            SocialError::HandleTaken(String::new()),
            SocialError::InvalidProfile(String::new()),
            SocialError::UnknownContent(0),
            SocialError::SelfFollow(String::new()),
            SocialError::AlreadyFollowing {
                follower: String::new(),
                followee: String::new(),
            },
            SocialError::NotFollowing {
                follower: String::new(),
                followee: String::new(),
            },
            SocialError::TooManyFollows {
                follower: String::new(),
                max: 0,
            },
            SocialError::InvalidReaction(0),
            SocialError::NoReaction {
                reactor: String::new(),
                content_id: 0,
            },
            SocialError::InvalidComment(String::new()),
            SocialError::CommentNotFound(0),
            SocialError::ReplyTooDeep(0),
            SocialError::ParentOnOtherContent {
                parent_id: 0,
                parent_content: 0,
                content_id: 0,
            },
            SocialError::NotContentCreator {
                content_id: 0,
                signer: String::new(),
            },
            SocialError::SameReaction {
                reactor: String::new(),
                content_id: 0,
                kind: String::new(),
            },
            SocialError::Overflow(String::new()),
            SocialError::InvalidAuthority {
                got: String::new(),
                expected: String::new(),
            },
            SocialError::InvalidParams(String::new()),
            SocialError::InvalidGenesis(String::new()),
            SocialError::CorruptState(String::new()),
        ];
        let codes: Vec<u32> = all.iter().map(SocialError::code).collect();
        assert_eq!(codes, (2..=22).collect::<Vec<u32>>());
        let e: TxError = SocialError::HandleTaken("x".into()).into();
        assert_eq!((e.codespace, e.code), ("social", 3));
    }
}
