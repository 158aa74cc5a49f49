//! The `weave.social.v1.Query` service: profiles by address and handle, follows,
//! reactions, comments (newest first) and verified views.

use prost::Message;
use weave_kernel::{
    decode_request, page, query_address, unknown_query, Address, KernelError, PageLimits,
    StateRead, StateView, Store, TxError,
};
use weave_proto::weave::social::v1 as pb;

use crate::{fold_handle, keeper::Keeper, state_key, SocialError};

macro_rules! paths {
    ($($name:ident = $path:literal;)*) => {
        $(const $name: &str = $path;)*
        pub(crate) const PATHS: &[&str] = &[$($name),*];
    };
}

paths! {
    PARAMS = "/weave.social.v1.Query/Params";
    PROFILE = "/weave.social.v1.Query/Profile";
    PROFILE_BY_HANDLE = "/weave.social.v1.Query/ProfileByHandle";
    FOLLOWING = "/weave.social.v1.Query/Following";
    FOLLOWERS = "/weave.social.v1.Query/Followers";
    REACTIONS = "/weave.social.v1.Query/Reactions";
    COMMENT = "/weave.social.v1.Query/Comment";
    COMMENTS = "/weave.social.v1.Query/Comments";
    REPLIES = "/weave.social.v1.Query/Replies";
    VIEWS = "/weave.social.v1.Query/Views";
    PROFILES = "/weave.social.v1.Query/Profiles";
    FOLLOWS = "/weave.social.v1.Query/Follows";
}

/// Answers a query.
pub(crate) fn query(state: &dyn StateRead, path: &str, request: &[u8]) -> Result<Vec<u8>, TxError> {
    let mut s = StateView(state);
    let k = Keeper;
    let out = match path {
        PARAMS => pb::QueryParamsResponse {
            params: Some((&k.params(&mut s)?).into()),
        }
        .encode_to_vec(),
        PROFILE => {
            let r: pb::QueryProfileRequest = decode_request(path, request)?;
            let a = query_address(&r.address, "address")?;
            profile_response(&mut s, &a)?.encode_to_vec()
        }
        PROFILE_BY_HANDLE => {
            let r: pb::QueryProfileByHandleRequest = decode_request(path, request)?;
            let handle = fold_handle(r.handle.trim())
                .map_err(|e| KernelError::InvalidRequest(e.to_string()))?;
            match k.handle(&mut s, &handle)? {
                Some(rec) if rec.released_height == 0 => {
                    let a: Address = rec
                        .owner
                        .parse()
                        .map_err(|_| SocialError::CorruptState(handle.clone()))?;
                    profile_response(&mut s, &a)?.encode_to_vec()
                }
                _ => pb::QueryProfileResponse::default().encode_to_vec(),
            }
        }
        FOLLOWING | FOLLOWERS => {
            let (address, page_req) = if path == FOLLOWING {
                let r: pb::QueryFollowingRequest = decode_request(path, request)?;
                (r.address, r.page)
            } else {
                let r: pb::QueryFollowersRequest = decode_request(path, request)?;
                (r.address, r.page)
            };
            let a = query_address(&address, "address")?;
            let prefix = if path == FOLLOWING {
                state_key::following_of(&a)
            } else {
                state_key::followers_of(&a)
            };
            let (entries, next) = page(&mut s, &prefix, page_req.as_ref(), PageLimits::STANDARD)?;
            let mut follows = Vec::with_capacity(entries.len());
            for (key, value) in entries {
                let other = other_address(&key, prefix.len())?;
                let height = value
                    .as_slice()
                    .try_into()
                    .map(u64::from_be_bytes)
                    .map_err(|_| SocialError::CorruptState(String::from_utf8_lossy(&key).into()))?;
                let (follower, followee) = if path == FOLLOWING {
                    (a, other)
                } else {
                    (other, a)
                };
                follows.push(pb::Follow {
                    follower: follower.to_string(),
                    followee: followee.to_string(),
                    height,
                });
            }
            pb::QueryFollowsResponse {
                follows,
                counts: Some(k.follow_counts(&mut s, &a)?),
                page: Some(next),
            }
            .encode_to_vec()
        }
        REACTIONS => {
            let r: pb::QueryReactionsRequest = decode_request(path, request)?;
            let prefix = state_key::reaction_counts(r.content_id);
            let mut counts = Vec::new();
            for (key, value) in s.scan_prefix(&prefix, 64)? {
                let corrupt = || SocialError::CorruptState(String::from_utf8_lossy(&key).into());
                let kind: i32 = std::str::from_utf8(&key[prefix.len()..])
                    .ok()
                    .and_then(|t| t.parse().ok())
                    .ok_or_else(corrupt)?;
                let count = value
                    .as_slice()
                    .try_into()
                    .map(u64::from_be_bytes)
                    .map_err(|_| corrupt())?;
                counts.push(pb::ReactionCount { kind, count });
            }
            let reaction = if r.reactor.is_empty() {
                None
            } else {
                let a = query_address(&r.reactor, "reactor")?;
                k.reaction(&mut s, r.content_id, &a)?
            };
            pb::QueryReactionsResponse { counts, reaction }.encode_to_vec()
        }
        COMMENT => {
            let r: pb::QueryCommentRequest = decode_request(path, request)?;
            pb::QueryCommentResponse {
                comment: Some(shown(k.comment(&mut s, r.comment_id)?)),
            }
            .encode_to_vec()
        }
        COMMENTS | REPLIES => {
            let (prefix, page_req, content_id) = if path == COMMENTS {
                let r: pb::QueryCommentsRequest = decode_request(path, request)?;
                (state_key::top_level(r.content_id), r.page, r.content_id)
            } else {
                let r: pb::QueryRepliesRequest = decode_request(path, request)?;
                let parent = k.comment(&mut s, r.comment_id)?;
                (state_key::replies(r.comment_id), r.page, parent.content_id)
            };
            let (entries, next) = page(&mut s, &prefix, page_req.as_ref(), PageLimits::STANDARD)?;
            let mut comments = Vec::with_capacity(entries.len());
            for (key, _) in entries {
                let inverted: u64 = std::str::from_utf8(&key[prefix.len()..])
                    .ok()
                    .and_then(|t| t.parse().ok())
                    .ok_or_else(|| {
                        SocialError::CorruptState(String::from_utf8_lossy(&key).into())
                    })?;
                comments.push(shown(k.comment(&mut s, u64::MAX - inverted)?));
            }
            pb::QueryCommentsResponse {
                comments,
                total: k.comment_count(&mut s, content_id)?,
                page: Some(next),
            }
            .encode_to_vec()
        }
        VIEWS => {
            let r: pb::QueryViewsRequest = decode_request(path, request)?;
            let viewer = if r.viewer.is_empty() {
                None
            } else {
                let a = query_address(&r.viewer, "viewer")?;
                k.viewer(&mut s, r.content_id, &a)?
            };
            pb::QueryViewsResponse {
                stats: Some(k.view_stats(&mut s, r.content_id)?),
                viewer,
            }
            .encode_to_vec()
        }
        PROFILES => {
            let r: pb::QueryProfilesRequest = decode_request(path, request)?;
            let prefix = state_key::profiles();
            let (entries, next) = page(&mut s, &prefix, r.page.as_ref(), PageLimits::STANDARD)?;
            let profiles = entries
                .into_iter()
                .map(|(key, value)| {
                    pb::Profile::decode(value.as_slice()).map_err(|_| {
                        SocialError::CorruptState(String::from_utf8_lossy(&key).into()).into()
                    })
                })
                .collect::<Result<_, TxError>>()?;
            pb::QueryProfilesResponse {
                profiles,
                page: Some(next),
            }
            .encode_to_vec()
        }
        FOLLOWS => {
            let r: pb::QueryAllFollowsRequest = decode_request(path, request)?;
            let prefix = state_key::follows();
            let (entries, next) = page(&mut s, &prefix, r.page.as_ref(), PageLimits::STANDARD)?;
            let mut follows = Vec::with_capacity(entries.len());
            for (key, value) in entries {
                let corrupt = || SocialError::CorruptState(String::from_utf8_lossy(&key).into());
                // `{follower hex}/{followee hex}` after the prefix.
                let rest = key.get(prefix.len()..).ok_or_else(corrupt)?;
                let follower = rest
                    .get(..40)
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(address_from_hex)
                    .ok_or_else(corrupt)?;
                if rest.get(40) != Some(&b'/') {
                    return Err(corrupt().into());
                }
                let followee = other_address(&key, prefix.len() + 41)?;
                let height = value
                    .as_slice()
                    .try_into()
                    .map(u64::from_be_bytes)
                    .map_err(|_| corrupt())?;
                follows.push(pb::Follow {
                    follower: follower.to_string(),
                    followee: followee.to_string(),
                    height,
                });
            }
            pb::QueryFollowsResponse {
                follows,
                counts: None,
                page: Some(next),
            }
            .encode_to_vec()
        }
        _ => return Err(unknown_query(path)),
    };
    Ok(out)
}

fn profile_response(
    s: &mut StateView<'_>,
    a: &Address,
) -> Result<pb::QueryProfileResponse, TxError> {
    let k = Keeper;
    Ok(pb::QueryProfileResponse {
        profile: k.profile(s, a)?,
        counts: Some(k.follow_counts(s, a)?),
        address: a.to_string(),
    })
}

/// A comment as listed: a hidden one without its text.
fn shown(mut c: pb::Comment) -> pb::Comment {
    if c.hidden {
        c.text.clear();
    }
    c
}

/// The address (hex) that ends a follow key after `prefix_len` bytes.
pub(crate) fn other_address(key: &[u8], prefix_len: usize) -> Result<Address, TxError> {
    let corrupt = || SocialError::CorruptState(String::from_utf8_lossy(key).into());
    let hex = key.get(prefix_len..).ok_or_else(corrupt)?;
    let hex = std::str::from_utf8(hex).map_err(|_| corrupt())?;
    address_from_hex(hex).ok_or_else(|| corrupt().into())
}

/// An address from its 40 hex digits.
pub(crate) fn address_from_hex(hex: &str) -> Option<Address> {
    if hex.len() != 40 {
        return None;
    }
    let mut bytes = [0u8; 20];
    for (i, b) in bytes.iter_mut().enumerate() {
        *b = u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(Address::new(bytes))
}
