//! Typed reads and writes of the social module's state. This is the only place that
//! turns the module's stored bytes into types. Reads take any [`Store`]: the metered
//! [`Ctx`] in a block, an unmetered view in a query.

use weave_kernel::{Address, Ctx, ModuleError, Store, TxError};
use weave_proto::weave::social::v1 as pb;

use crate::{state_key, Params, SocialError};

/// Reads and writes social state. It holds no data.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Keeper;

fn put_u64(ctx: &mut Ctx<'_>, key: Vec<u8>, v: u64) -> Result<(), TxError> {
    if v == 0 {
        ctx.delete(key)
    } else {
        ctx.put(key, v.to_be_bytes().to_vec())
    }
}

impl Keeper {
    /// The parameters (defaults before genesis).
    pub(crate) fn params(&self, s: &mut impl Store) -> Result<Params, TxError> {
        match s.get_proto::<SocialError, pb::Params>(&state_key::params())? {
            None => Ok(Params::default()),
            Some(p) => {
                Params::from_wire(p).map_err(|_| SocialError::corrupt_state(&state_key::params()))
            }
        }
    }

    pub(crate) fn set_params(&self, ctx: &mut Ctx<'_>, p: &Params) -> Result<(), TxError> {
        ctx.put_proto(state_key::params(), &pb::Params::from(p))
    }

    pub(crate) fn profile(
        &self,
        s: &mut impl Store,
        owner: &Address,
    ) -> Result<Option<pb::Profile>, TxError> {
        s.get_proto::<SocialError, _>(&state_key::profile(owner))
    }

    pub(crate) fn set_profile(
        &self,
        ctx: &mut Ctx<'_>,
        owner: &Address,
        p: &pb::Profile,
    ) -> Result<(), TxError> {
        ctx.put_proto(state_key::profile(owner), p)
    }

    pub(crate) fn handle(
        &self,
        s: &mut impl Store,
        handle: &str,
    ) -> Result<Option<pb::HandleRecord>, TxError> {
        s.get_proto::<SocialError, _>(&state_key::handle(handle))
    }

    pub(crate) fn set_handle(
        &self,
        ctx: &mut Ctx<'_>,
        handle: &str,
        record: &pb::HandleRecord,
    ) -> Result<(), TxError> {
        ctx.put_proto(state_key::handle(handle), record)
    }

    pub(crate) fn follows(
        &self,
        s: &mut impl Store,
        follower: &Address,
        followee: &Address,
    ) -> Result<bool, TxError> {
        Ok(s.read(&state_key::follow(follower, followee))?.is_some())
    }

    pub(crate) fn set_follow(
        &self,
        ctx: &mut Ctx<'_>,
        follower: &Address,
        followee: &Address,
        on: bool,
    ) -> Result<(), TxError> {
        let (a, b) = (
            state_key::follow(follower, followee),
            state_key::follower(followee, follower),
        );
        if on {
            let h = ctx.block.height.to_be_bytes().to_vec();
            ctx.put(a, h.clone())?;
            ctx.put(b, h)
        } else {
            ctx.delete(a)?;
            ctx.delete(b)
        }
    }

    pub(crate) fn follow_counts(
        &self,
        s: &mut impl Store,
        account: &Address,
    ) -> Result<pb::FollowCounts, TxError> {
        Ok(
            s.get_proto::<SocialError, pb::FollowCounts>(&state_key::follow_counts(account))?
                .unwrap_or_default(),
        )
    }

    pub(crate) fn set_follow_counts(
        &self,
        ctx: &mut Ctx<'_>,
        account: &Address,
        c: &pb::FollowCounts,
    ) -> Result<(), TxError> {
        let key = state_key::follow_counts(account);
        if c.followers == 0 && c.following == 0 {
            ctx.delete(key)
        } else {
            ctx.put_proto(key, c)
        }
    }

    pub(crate) fn reaction(
        &self,
        s: &mut impl Store,
        content_id: u64,
        reactor: &Address,
    ) -> Result<Option<pb::Reaction>, TxError> {
        s.get_proto::<SocialError, _>(&state_key::reaction(content_id, reactor))
    }

    pub(crate) fn set_reaction(
        &self,
        ctx: &mut Ctx<'_>,
        content_id: u64,
        reactor: &Address,
        r: Option<&pb::Reaction>,
    ) -> Result<(), TxError> {
        let key = state_key::reaction(content_id, reactor);
        match r {
            Some(r) => ctx.put_proto(key, r),
            None => ctx.delete(key),
        }
    }

    pub(crate) fn reaction_count(
        &self,
        s: &mut impl Store,
        content_id: u64,
        kind: i32,
    ) -> Result<u64, TxError> {
        Ok(
            s.get_u64::<SocialError>(&state_key::reaction_count(content_id, kind))?
                .unwrap_or(0),
        )
    }

    /// Adds `delta` (+1 or -1) to a content's count of a kind.
    pub(crate) fn bump_reaction_count(
        &self,
        ctx: &mut Ctx<'_>,
        content_id: u64,
        kind: i32,
        up: bool,
    ) -> Result<(), TxError> {
        let n = self.reaction_count(ctx, content_id, kind)?;
        let n = if up {
            n.checked_add(1)
        } else {
            n.checked_sub(1)
        }
        .ok_or_else(|| SocialError::Overflow("reaction count".into()))?;
        put_u64(ctx, state_key::reaction_count(content_id, kind), n)
    }

    pub(crate) fn next_comment_id(&self, ctx: &mut Ctx<'_>) -> Result<u64, TxError> {
        ctx.next_sequence(state_key::next_comment_id(), 1)
    }

    pub(crate) fn comment(&self, s: &mut impl Store, id: u64) -> Result<pb::Comment, TxError> {
        s.get_proto::<SocialError, pb::Comment>(&state_key::comment(id))?
            .ok_or_else(|| SocialError::CommentNotFound(id).into())
    }

    pub(crate) fn set_comment(&self, ctx: &mut Ctx<'_>, c: &pb::Comment) -> Result<(), TxError> {
        ctx.put_proto(state_key::comment(c.id), c)
    }

    pub(crate) fn comment_count(
        &self,
        s: &mut impl Store,
        content_id: u64,
    ) -> Result<u64, TxError> {
        Ok(
            s.get_u64::<SocialError>(&state_key::comment_count(content_id))?
                .unwrap_or(0),
        )
    }

    pub(crate) fn set_comment_count(
        &self,
        ctx: &mut Ctx<'_>,
        content_id: u64,
        n: u64,
    ) -> Result<(), TxError> {
        put_u64(ctx, state_key::comment_count(content_id), n)
    }

    pub(crate) fn viewer(
        &self,
        s: &mut impl Store,
        content_id: u64,
        viewer: &Address,
    ) -> Result<Option<pb::Viewer>, TxError> {
        s.get_proto::<SocialError, _>(&state_key::viewer(content_id, viewer))
    }

    pub(crate) fn set_viewer(
        &self,
        ctx: &mut Ctx<'_>,
        content_id: u64,
        viewer: &Address,
        v: &pb::Viewer,
    ) -> Result<(), TxError> {
        ctx.put_proto(state_key::viewer(content_id, viewer), v)
    }

    pub(crate) fn view_stats(
        &self,
        s: &mut impl Store,
        content_id: u64,
    ) -> Result<pb::ViewStats, TxError> {
        Ok(
            s.get_proto::<SocialError, pb::ViewStats>(&state_key::view_stats(content_id))?
                .unwrap_or(pb::ViewStats {
                    content_id,
                    views: 0,
                    paying_viewers: 0,
                }),
        )
    }

    pub(crate) fn set_view_stats(
        &self,
        ctx: &mut Ctx<'_>,
        stats: &pb::ViewStats,
    ) -> Result<(), TxError> {
        ctx.put_proto(state_key::view_stats(stats.content_id), stats)
    }
}
