//! The content module's queries (`weave.content.v1.Query`), answered by gRPC method
//! path for both ABCI `Query` and the gRPC server. Listings are newest first and
//! paginated by an opaque key.

use prost::Message;
use weave_kernel::{
    decode_proto, decode_request as decode, page_with, query_address as address, unknown_query,
    Address, Entries, KernelError, ModuleError, PageLimits, StateRead, StateView, Store, TxError,
};
use weave_proto::weave::{base::v1 as base, content::v1 as pb};

use crate::{keeper::Keeper, state_key, ContentError, Status};

pub(crate) const PATHS: &[&str] = &[
    "/weave.content.v1.Query/Params",
    "/weave.content.v1.Query/Content",
    "/weave.content.v1.Query/ContentByRoot",
    "/weave.content.v1.Query/ContentByCreator",
    "/weave.content.v1.Query/ContentByTag",
    "/weave.content.v1.Query/Feed",
    "/weave.content.v1.Query/Access",
    "/weave.content.v1.Query/PriceHistory",
    "/weave.content.v1.Query/SubscriptionTerms",
    "/weave.content.v1.Query/Subscription",
    "/weave.content.v1.Query/SubscriptionsBySubscriber",
    "/weave.content.v1.Query/BuyerKey",
    "/weave.content.v1.Query/SealedKey",
    "/weave.content.v1.Query/PendingKeys",
];

/// Which key space a listing reads.
#[derive(Clone, Copy)]
enum Space {
    Verifiable,
    Index,
}

/// One page of entries under `prefix`, starting at the page key.
fn page(
    state: &dyn StateRead,
    space: Space,
    prefix: &[u8],
    request: Option<&base::PageRequest>,
) -> Result<(Entries, base::PageResponse), TxError> {
    page_with(
        prefix,
        request,
        PageLimits::STANDARD,
        |start, end, limit| {
            Ok(match space {
                Space::Verifiable => state.range(start, end, limit)?,
                Space::Index => state.nv_range(start, end, limit)?,
            })
        },
    )
}

fn content_list(
    state: &dyn StateRead,
    prefix: &[u8],
    request: Option<&base::PageRequest>,
) -> Result<Vec<u8>, TxError> {
    let (entries, page) = page(state, Space::Index, prefix, request)?;
    let contents = entries
        .iter()
        .map(|(k, _)| {
            let id =
                state_key::id_from_inverted(k).ok_or_else(|| ContentError::corrupt_state(k))?;
            Ok(Keeper.content(&mut StateView(state), id)?.to_wire())
        })
        .collect::<Result<Vec<_>, TxError>>()?;
    Ok(pb::QueryContentListResponse {
        contents,
        page: Some(page),
    }
    .encode_to_vec())
}

fn proto_list<M: Message + Default>(entries: &[(Vec<u8>, Vec<u8>)]) -> Result<Vec<M>, TxError> {
    entries
        .iter()
        .map(|(k, v)| decode_proto::<ContentError, M>(k, v))
        .collect()
}

pub(crate) fn query(state: &dyn StateRead, path: &str, request: &[u8]) -> Result<Vec<u8>, TxError> {
    match path {
        "/weave.content.v1.Query/Params" => {
            let _: pb::QueryParamsRequest = decode(path, request)?;
            Ok(pb::QueryParamsResponse {
                params: Some((&Keeper.params(&mut StateView(state))?).into()),
            }
            .encode_to_vec())
        }
        "/weave.content.v1.Query/Content" => {
            let r: pb::QueryContentRequest = decode(path, request)?;
            Ok(pb::QueryContentResponse {
                content: Some(
                    Keeper
                        .content(&mut StateView(state), r.content_id)?
                        .to_wire(),
                ),
            }
            .encode_to_vec())
        }
        "/weave.content.v1.Query/ContentByRoot" => {
            let r: pb::QueryContentByRootRequest = decode(path, request)?;
            let root: [u8; 32] = r.root.as_slice().try_into().map_err(|_| {
                KernelError::InvalidRequest(format!("root must be 32 bytes, got {}", r.root.len()))
            })?;
            let id = Keeper
                .id_by_root(&mut StateView(state), &root)?
                .ok_or_else(|| {
                    KernelError::NotFound(format!("no content with root {}", hex::encode(root)))
                })?;
            Ok(pb::QueryContentResponse {
                content: Some(Keeper.content(&mut StateView(state), id)?.to_wire()),
            }
            .encode_to_vec())
        }
        "/weave.content.v1.Query/ContentByCreator" => {
            let r: pb::QueryContentByCreatorRequest = decode(path, request)?;
            let creator = address(&r.creator, "creator")?;
            content_list(
                state,
                &state_key::by_creator_prefix(&creator),
                r.page.as_ref(),
            )
        }
        "/weave.content.v1.Query/ContentByTag" => {
            let r: pb::QueryContentByTagRequest = decode(path, request)?;
            if r.tag.is_empty() || r.tag.contains('/') || r.tag.len() > crate::record::MAX_TAG_LEN {
                return Err(KernelError::InvalidRequest(format!("invalid tag {:?}", r.tag)).into());
            }
            content_list(state, &state_key::by_tag_prefix(&r.tag), r.page.as_ref())
        }
        "/weave.content.v1.Query/Feed" => {
            let r: pb::QueryFeedRequest = decode(path, request)?;
            content_list(state, &state_key::feed_prefix(), r.page.as_ref())
        }
        "/weave.content.v1.Query/Access" => {
            let r: pb::QueryAccessRequest = decode(path, request)?;
            let who = address(&r.address, "address")?;
            let c = Keeper.content(&mut StateView(state), r.content_id)?;
            let tokens = Keeper.tokens(&mut StateView(state), c.id, &who)?;
            let subscribed_until = StateView(state)
                .get_proto::<ContentError, pb::Subscription>(&state_key::subscription(
                    &who, &c.creator,
                ))?
                .map_or(0, |s| s.expires_height);
            // Queries answer at the last committed height; the next block is the
            // first that could use the access.
            let height = latest_height(state)?;
            let subscribed = c.status == Status::Active && subscribed_until > height;
            Ok(pb::QueryAccessResponse {
                tokens,
                rights: c.rights(tokens),
                subscribed_until,
                has_access: who == c.creator || tokens > 0 || subscribed,
            }
            .encode_to_vec())
        }
        "/weave.content.v1.Query/PriceHistory" => {
            let r: pb::QueryPriceHistoryRequest = decode(path, request)?;
            Keeper.content(&mut StateView(state), r.content_id)?;
            let (entries, page) = page(
                state,
                Space::Verifiable,
                &state_key::prices(r.content_id),
                r.page.as_ref(),
            )?;
            Ok(pb::QueryPriceHistoryResponse {
                prices: proto_list(&entries)?,
                page: Some(page),
            }
            .encode_to_vec())
        }
        "/weave.content.v1.Query/SubscriptionTerms" => {
            let r: pb::QuerySubscriptionTermsRequest = decode(path, request)?;
            let creator = address(&r.creator, "creator")?;
            let terms = StateView(state)
                .get_proto::<ContentError, pb::SubscriptionTerms>(&state_key::terms(&creator))?
                .ok_or_else(|| ContentError::NoSubscriptionTerms(creator.to_string()))?;
            Ok(pb::QuerySubscriptionTermsResponse { terms: Some(terms) }.encode_to_vec())
        }
        "/weave.content.v1.Query/Subscription" => {
            let r: pb::QuerySubscriptionRequest = decode(path, request)?;
            let subscriber = address(&r.subscriber, "subscriber")?;
            let creator = address(&r.creator, "creator")?;
            let s = StateView(state)
                .get_proto::<ContentError, pb::Subscription>(&state_key::subscription(
                    &subscriber,
                    &creator,
                ))?
                .ok_or_else(|| {
                    KernelError::NotFound(format!("{subscriber} has no subscription to {creator}"))
                })?;
            Ok(pb::QuerySubscriptionResponse {
                subscription: Some(s),
            }
            .encode_to_vec())
        }
        "/weave.content.v1.Query/SubscriptionsBySubscriber" => {
            let r: pb::QuerySubscriptionsBySubscriberRequest = decode(path, request)?;
            let subscriber = address(&r.subscriber, "subscriber")?;
            let (entries, page) = page(
                state,
                Space::Verifiable,
                &state_key::subscriptions_of(&subscriber),
                r.page.as_ref(),
            )?;
            Ok(pb::QuerySubscriptionsBySubscriberResponse {
                subscriptions: proto_list(&entries)?,
                page: Some(page),
            }
            .encode_to_vec())
        }
        "/weave.content.v1.Query/BuyerKey" => {
            let r: pb::QueryBuyerKeyRequest = decode(path, request)?;
            let owner = address(&r.address, "address")?;
            let key = Keeper
                .buyer_key(&mut StateView(state), &owner)?
                .ok_or_else(|| ContentError::NoBuyerKey(owner.to_string()))?;
            Ok(pb::QueryBuyerKeyResponse {
                x25519_public_key: key,
            }
            .encode_to_vec())
        }
        "/weave.content.v1.Query/SealedKey" => {
            let r: pb::QuerySealedKeyRequest = decode(path, request)?;
            let holder = address(&r.holder, "holder")?;
            let sealed = StateView(state)
                .get_proto::<ContentError, pb::SealedKey>(&state_key::sealed_key(
                    r.content_id,
                    &holder,
                ))?
                .ok_or_else(|| {
                    KernelError::NotFound(format!(
                        "no key delivered to {holder} for content {}",
                        r.content_id
                    ))
                })?;
            Ok(pb::QuerySealedKeyResponse {
                sealed_key: Some(sealed),
            }
            .encode_to_vec())
        }
        "/weave.content.v1.Query/PendingKeys" => {
            let r: pb::QueryPendingKeysRequest = decode(path, request)?;
            let creator = address(&r.creator, "creator")?;
            let prefix = state_key::pending_prefix(&creator);
            let (entries, page) = page(state, Space::Index, &prefix, r.page.as_ref())?;
            let pending = entries
                .iter()
                .map(|(k, _)| {
                    let (content_id, holder) =
                        parse_pending(&prefix, k).ok_or_else(|| ContentError::corrupt_state(k))?;
                    Ok(pb::PendingKey {
                        content_id,
                        holder: holder.to_string(),
                        buyer_key: Keeper
                            .buyer_key(&mut StateView(state), &holder)?
                            .unwrap_or_default(),
                    })
                })
                .collect::<Result<Vec<_>, TxError>>()?;
            Ok(pb::QueryPendingKeysResponse {
                pending,
                page: Some(page),
            }
            .encode_to_vec())
        }
        other => Err(unknown_query(other)),
    }
}

fn parse_pending(prefix: &[u8], key: &[u8]) -> Option<(u64, Address)> {
    let rest = std::str::from_utf8(key.strip_prefix(prefix)?).ok()?;
    let (id, holder) = rest.split_once('/')?;
    Some((
        id.parse().ok()?,
        Address::from_slice(&hex::decode(holder).ok()?).ok()?,
    ))
}

/// The height queries answer at: the latest block that expired subscriptions. The
/// module records it in end block so that queries need no block context.
fn latest_height(state: &dyn StateRead) -> Result<u64, TxError> {
    let key = state_key::last_height();
    match state.nv_get(&key)? {
        Some(b) => Ok(u64::from_be_bytes(
            b.as_slice()
                .try_into()
                .map_err(|_| ContentError::corrupt_state(&key))?,
        )),
        None => Ok(0),
    }
}
