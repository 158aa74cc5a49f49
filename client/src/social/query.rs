//! Typed queries of the social module (`weave.social.v1.Query`).

use anyhow::anyhow;
use tonic::transport::Channel;
use weave_kernel::Address;
use weave_proto::weave::{
    base::v1::PageRequest,
    social::v1::{self as pb, query_client::QueryClient},
};

use crate::chain::status_error;

/// The social module's parameters.
pub async fn params(channel: Channel) -> anyhow::Result<pb::Params> {
    QueryClient::new(channel)
        .params(pb::QueryParamsRequest {})
        .await
        .map_err(status_error)?
        .into_inner()
        .params
        .ok_or_else(|| anyhow!("the node returned no parameters"))
}

/// An account's profile (if any) and follow counts.
pub async fn profile(
    channel: Channel,
    address: &Address,
) -> anyhow::Result<pb::QueryProfileResponse> {
    Ok(QueryClient::new(channel)
        .profile(pb::QueryProfileRequest {
            address: address.to_string(),
        })
        .await
        .map_err(status_error)?
        .into_inner())
}

/// The profile holding a handle.
pub async fn profile_by_handle(
    channel: Channel,
    handle: &str,
) -> anyhow::Result<pb::QueryProfileResponse> {
    Ok(QueryClient::new(channel)
        .profile_by_handle(pb::QueryProfileByHandleRequest {
            handle: handle.to_string(),
        })
        .await
        .map_err(status_error)?
        .into_inner())
}

/// The accounts an account follows (`followers` false) or that follow it.
pub async fn follows(
    channel: Channel,
    address: &Address,
    followers: bool,
    page: PageRequest,
) -> anyhow::Result<pb::QueryFollowsResponse> {
    let mut c = QueryClient::new(channel);
    let r = if followers {
        c.followers(pb::QueryFollowersRequest {
            address: address.to_string(),
            page: Some(page),
        })
        .await
    } else {
        c.following(pb::QueryFollowingRequest {
            address: address.to_string(),
            page: Some(page),
        })
        .await
    };
    Ok(r.map_err(status_error)?.into_inner())
}

/// A content's reaction counts, and `reactor`'s reaction if given.
pub async fn reactions(
    channel: Channel,
    content_id: u64,
    reactor: Option<&Address>,
) -> anyhow::Result<pb::QueryReactionsResponse> {
    Ok(QueryClient::new(channel)
        .reactions(pb::QueryReactionsRequest {
            content_id,
            reactor: reactor.map(ToString::to_string).unwrap_or_default(),
        })
        .await
        .map_err(status_error)?
        .into_inner())
}

/// A content's top-level comments (or, with `replies_to`, a comment's replies),
/// newest first.
pub async fn comments(
    channel: Channel,
    content_id: u64,
    replies_to: Option<u64>,
    page: PageRequest,
) -> anyhow::Result<pb::QueryCommentsResponse> {
    let mut c = QueryClient::new(channel);
    let r = match replies_to {
        None => {
            c.comments(pb::QueryCommentsRequest {
                content_id,
                page: Some(page),
            })
            .await
        }
        Some(comment_id) => {
            c.replies(pb::QueryRepliesRequest {
                comment_id,
                page: Some(page),
            })
            .await
        }
    };
    Ok(r.map_err(status_error)?.into_inner())
}

/// A content's verified views and paying viewers, and `viewer`'s record if given.
pub async fn views(
    channel: Channel,
    content_id: u64,
    viewer: Option<&Address>,
) -> anyhow::Result<pb::QueryViewsResponse> {
    Ok(QueryClient::new(channel)
        .views(pb::QueryViewsRequest {
            content_id,
            viewer: viewer.map(ToString::to_string).unwrap_or_default(),
        })
        .await
        .map_err(status_error)?
        .into_inner())
}
