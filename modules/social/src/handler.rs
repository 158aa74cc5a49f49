//! One function per message: check against state, then execute. Each handler runs
//! inside `Ctx::atomically`, so an error leaves no write behind. Every state access
//! goes through the metered [`Ctx`].

use weave_kernel::{
    community_pool,
    expected::{Bank, ContentDirectory, ContentFacts},
    update_params, Address, Coin, Coins, Ctx, KernelError, TxError,
};
use weave_proto::weave::social::v1 as pb;

use crate::{event, keeper::Keeper, state_key, Params, SocialError, SocialMsg};

/// What the handlers work with.
pub(crate) struct Deps<'a> {
    pub(crate) keeper: Keeper,
    pub(crate) bank: &'a dyn Bank,
    pub(crate) content: &'a dyn ContentDirectory,
}

pub(crate) fn handle(deps: &Deps<'_>, ctx: &mut Ctx<'_>, msg: SocialMsg) -> Result<(), TxError> {
    let k = deps.keeper;
    match msg {
        SocialMsg::SetProfile {
            owner,
            handle,
            display_name,
            bio,
            avatar_content_id,
            links,
        } => {
            let params = k.params(ctx)?;
            check_profile(&params, &handle, &display_name, &bio, &links)?;
            if avatar_content_id != 0 {
                content(deps, ctx, avatar_content_id)?;
            }
            let existing = k.profile(ctx, &owner)?;
            let previous = existing
                .as_ref()
                .map(|p| p.handle.clone())
                .filter(|h| *h != handle);
            if existing.is_none() || previous.is_some() {
                claim_handle(&k, ctx, &params, &owner, &handle)?;
            }
            if let Some(old) = &previous {
                // The old handle stays reserved for its owner through the cool-down.
                k.set_handle(
                    ctx,
                    old,
                    &pb::HandleRecord {
                        owner: owner.to_string(),
                        released_height: ctx.block.height.max(1),
                    },
                )?;
            }
            let height = ctx.block.height;
            let profile = pb::Profile {
                address: owner.to_string(),
                handle,
                display_name,
                bio,
                avatar_content_id,
                links,
                created_height: existing.as_ref().map_or(height, |p| p.created_height),
                updated_height: height,
            };
            k.set_profile(ctx, &owner, &profile)?;
            ctx.emit(event::profile_updated(&profile, previous.as_deref()));
            Ok(())
        }

        SocialMsg::Follow { follower, followee } => {
            if k.follows(ctx, &follower, &followee)? {
                return Err(SocialError::AlreadyFollowing {
                    follower: follower.to_string(),
                    followee: followee.to_string(),
                }
                .into());
            }
            let max = k.params(ctx)?.max_following;
            let mut mine = k.follow_counts(ctx, &follower)?;
            if mine.following >= max {
                return Err(SocialError::TooManyFollows {
                    follower: follower.to_string(),
                    max,
                }
                .into());
            }
            let mut theirs = k.follow_counts(ctx, &followee)?;
            mine.following = inc(mine.following, "following")?;
            theirs.followers = inc(theirs.followers, "followers")?;
            k.set_follow(ctx, &follower, &followee, true)?;
            k.set_follow_counts(ctx, &follower, &mine)?;
            k.set_follow_counts(ctx, &followee, &theirs)?;
            ctx.emit(event::followed(&follower, &followee));
            Ok(())
        }

        SocialMsg::Unfollow { follower, followee } => {
            if !k.follows(ctx, &follower, &followee)? {
                return Err(SocialError::NotFollowing {
                    follower: follower.to_string(),
                    followee: followee.to_string(),
                }
                .into());
            }
            let mut mine = k.follow_counts(ctx, &follower)?;
            let mut theirs = k.follow_counts(ctx, &followee)?;
            mine.following = dec(mine.following, "following")?;
            theirs.followers = dec(theirs.followers, "followers")?;
            k.set_follow(ctx, &follower, &followee, false)?;
            k.set_follow_counts(ctx, &follower, &mine)?;
            k.set_follow_counts(ctx, &followee, &theirs)?;
            ctx.emit(event::unfollowed(&follower, &followee));
            Ok(())
        }

        SocialMsg::React {
            reactor,
            content_id,
            kind,
        } => {
            content(deps, ctx, content_id)?;
            let previous = k.reaction(ctx, content_id, &reactor)?.map(|r| r.kind);
            if previous == Some(kind) {
                return Err(SocialError::SameReaction {
                    reactor: reactor.to_string(),
                    content_id,
                    kind: crate::event::kind_name(kind),
                }
                .into());
            }
            if let Some(old) = previous {
                k.bump_reaction_count(ctx, content_id, old, false)?;
            }
            k.bump_reaction_count(ctx, content_id, kind, true)?;
            let r = pb::Reaction {
                reactor: reactor.to_string(),
                content_id,
                kind,
                height: ctx.block.height,
            };
            k.set_reaction(ctx, content_id, &reactor, Some(&r))?;
            ctx.emit(event::reacted(content_id, &reactor, kind, previous));
            Ok(())
        }

        SocialMsg::RemoveReaction {
            reactor,
            content_id,
        } => {
            let r =
                k.reaction(ctx, content_id, &reactor)?
                    .ok_or_else(|| SocialError::NoReaction {
                        reactor: reactor.to_string(),
                        content_id,
                    })?;
            k.bump_reaction_count(ctx, content_id, r.kind, false)?;
            k.set_reaction(ctx, content_id, &reactor, None)?;
            ctx.emit(event::reaction_removed(content_id, &reactor, r.kind));
            Ok(())
        }

        SocialMsg::Comment {
            author,
            content_id,
            parent_id,
            text,
        } => {
            let params = k.params(ctx)?;
            if text.len() > params.max_comment_len as usize {
                return Err(SocialError::InvalidComment(format!(
                    "{} bytes, more than {}",
                    text.len(),
                    params.max_comment_len
                ))
                .into());
            }
            content(deps, ctx, content_id)?;
            if parent_id != 0 {
                let mut parent = k.comment(ctx, parent_id)?;
                if parent.parent_id != 0 {
                    return Err(SocialError::ReplyTooDeep(parent_id).into());
                }
                if parent.content_id != content_id {
                    return Err(SocialError::ParentOnOtherContent {
                        parent_id,
                        parent_content: parent.content_id,
                        content_id,
                    }
                    .into());
                }
                parent.replies = inc(parent.replies, "replies")?;
                k.set_comment(ctx, &parent)?;
            }
            if params.comment_fee > 0 {
                let fee = Coins::new(vec![Coin::base(params.comment_fee)])
                    .map_err(|e| KernelError::InvalidCoins(e.to_string()))?;
                deps.bank.transfer(ctx, &author, &community_pool(), &fee)?;
            }
            let id = k.next_comment_id(ctx)?;
            let c = pb::Comment {
                id,
                content_id,
                author: author.to_string(),
                parent_id,
                text,
                height: ctx.block.height,
                hidden: false,
                replies: 0,
            };
            k.set_comment(ctx, &c)?;
            let entry = if parent_id == 0 {
                state_key::top_level_entry(content_id, id)
            } else {
                state_key::reply_entry(parent_id, id)
            };
            ctx.put(entry, Vec::new())?;
            let n = k.comment_count(ctx, content_id)?;
            k.set_comment_count(ctx, content_id, inc(n, "comments")?)?;
            ctx.emit(event::commented(&c, params.comment_fee));
            Ok(())
        }

        SocialMsg::HideComment {
            creator,
            comment_id,
            hidden,
        } => {
            let mut c = k.comment(ctx, comment_id)?;
            let facts = content(deps, ctx, c.content_id)?;
            if facts.creator != creator {
                return Err(SocialError::NotContentCreator {
                    content_id: c.content_id,
                    signer: creator.to_string(),
                }
                .into());
            }
            c.hidden = hidden;
            k.set_comment(ctx, &c)?;
            ctx.emit(event::comment_hidden(&c));
            Ok(())
        }

        SocialMsg::UpdateParams { authority, params } => update_params(ctx, &authority, &params),
    }
}

/// The registered content with this id, or `UnknownContent`.
fn content(deps: &Deps<'_>, ctx: &mut Ctx<'_>, id: u64) -> Result<ContentFacts, TxError> {
    deps.content
        .content_facts(ctx, id)?
        .ok_or_else(|| SocialError::UnknownContent(id).into())
}

fn inc(n: u64, what: &str) -> Result<u64, SocialError> {
    n.checked_add(1)
        .ok_or_else(|| SocialError::Overflow(what.to_string()))
}

fn dec(n: u64, what: &str) -> Result<u64, SocialError> {
    n.checked_sub(1)
        .ok_or_else(|| SocialError::Overflow(format!("{what} below zero")))
}

/// Checks a profile's fields against the params in force. `handle` is folded.
pub(crate) fn check_profile(
    params: &Params,
    handle: &str,
    display_name: &str,
    bio: &str,
    links: &[String],
) -> Result<(), SocialError> {
    let len = handle.len();
    if len < params.min_handle_len as usize || len > params.max_handle_len as usize {
        return Err(SocialError::InvalidHandle {
            handle: handle.to_string(),
            reason: format!(
                "{len} characters, not {} to {}",
                params.min_handle_len, params.max_handle_len
            ),
        });
    }
    let too_long = |field: &str, got: usize, max: u32| {
        SocialError::InvalidProfile(format!("{field} of {got} bytes, more than {max}"))
    };
    if display_name.len() > params.max_display_name_len as usize {
        return Err(too_long(
            "display_name",
            display_name.len(),
            params.max_display_name_len,
        ));
    }
    if bio.len() > params.max_bio_len as usize {
        return Err(too_long("bio", bio.len(), params.max_bio_len));
    }
    if links.len() > params.max_links as usize {
        return Err(SocialError::InvalidProfile(format!(
            "{} links, more than {}",
            links.len(),
            params.max_links
        )));
    }
    if let Some(l) = links
        .iter()
        .find(|l| l.len() > params.max_link_len as usize)
    {
        return Err(too_long("link", l.len(), params.max_link_len));
    }
    Ok(())
}

/// Takes `handle` for `owner`: free, reserved for `owner`, or given up by another
/// account longer ago than the cool-down.
fn claim_handle(
    k: &Keeper,
    ctx: &mut Ctx<'_>,
    params: &Params,
    owner: &Address,
    handle: &str,
) -> Result<(), TxError> {
    if let Some(record) = k.handle(ctx, handle)? {
        let mine = record.owner == owner.to_string();
        let free_at = record
            .released_height
            .saturating_add(params.handle_cooldown_blocks);
        let released = record.released_height != 0 && ctx.block.height >= free_at;
        if !mine && !released {
            return Err(SocialError::HandleTaken(handle.to_string()).into());
        }
    }
    k.set_handle(
        ctx,
        handle,
        &pb::HandleRecord {
            owner: owner.to_string(),
            released_height: 0,
        },
    )
}
