//! Typed reads and writes of the content module's state. This is the only place that
//! turns the module's stored bytes into types. Metered reads take a [`Ctx`]; the
//! `read_*` functions serve queries from an unmetered view.

use prost::Message;
use weave_kernel::{parse_amount, Address, Ctx, StateRead, TxError};
use weave_proto::weave::content::v1 as pb;

use crate::{state_key, ContentError, ContentRecord, Params};

fn corrupt(key: &[u8]) -> ContentError {
    ContentError::CorruptState(String::from_utf8_lossy(key).into_owned())
}

fn decode_u64(key: &[u8], bytes: &[u8]) -> Result<u64, ContentError> {
    Ok(u64::from_be_bytes(
        bytes.try_into().map_err(|_| corrupt(key))?,
    ))
}

fn decode_content(key: &[u8], bytes: &[u8]) -> Result<ContentRecord, ContentError> {
    let c = pb::Content::decode(bytes).map_err(|_| corrupt(key))?;
    ContentRecord::from_stored(c).ok_or_else(|| corrupt(key))
}

fn decode_proto<M: Message + Default>(key: &[u8], bytes: &[u8]) -> Result<M, ContentError> {
    M::decode(bytes).map_err(|_| corrupt(key))
}

/// A creator's subscription terms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Terms {
    /// uweave per period.
    pub(crate) price: u128,
    /// Blocks per period.
    pub(crate) period_blocks: u64,
    /// The split payments go through; 0: the creator alone.
    pub(crate) split_id: u64,
}

fn decode_terms(key: &[u8], bytes: &[u8]) -> Result<Terms, ContentError> {
    let t: pb::SubscriptionTerms = decode_proto(key, bytes)?;
    Ok(Terms {
        price: parse_amount(&t.price).map_err(|_| corrupt(key))?,
        period_blocks: t.period_blocks,
        split_id: t.split_id,
    })
}

/// Reads and writes content state. It holds no data.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Keeper;

impl Keeper {
    pub(crate) fn params(&self, ctx: &mut Ctx<'_>) -> Result<Params, TxError> {
        let key = state_key::params();
        match ctx.get(&key)? {
            Some(b) => Ok(decode_proto::<pb::Params>(&key, &b)?.into()),
            None => Ok(Params::default()),
        }
    }

    pub(crate) fn set_params(&self, ctx: &mut Ctx<'_>, p: &Params) -> Result<(), TxError> {
        ctx.put(state_key::params(), pb::Params::from(p).encode_to_vec())
    }

    /// Allocates the next content id (from 1).
    pub(crate) fn next_id(&self, ctx: &mut Ctx<'_>) -> Result<u64, TxError> {
        ctx.next_sequence(state_key::next_id(), 1)
    }

    pub(crate) fn content(&self, ctx: &mut Ctx<'_>, id: u64) -> Result<ContentRecord, TxError> {
        let key = state_key::content(id);
        match ctx.get(&key)? {
            Some(b) => Ok(decode_content(&key, &b)?),
            None => Err(ContentError::NotFound(id).into()),
        }
    }

    pub(crate) fn set_content(&self, ctx: &mut Ctx<'_>, c: &ContentRecord) -> Result<(), TxError> {
        ctx.put(state_key::content(c.id), c.to_wire().encode_to_vec())
    }

    pub(crate) fn id_by_root(
        &self,
        ctx: &mut Ctx<'_>,
        root: &[u8; 32],
    ) -> Result<Option<u64>, TxError> {
        let key = state_key::root(root);
        match ctx.get(&key)? {
            Some(b) => Ok(Some(decode_u64(&key, &b)?)),
            None => Ok(None),
        }
    }

    pub(crate) fn set_root(
        &self,
        ctx: &mut Ctx<'_>,
        root: &[u8; 32],
        id: u64,
    ) -> Result<(), TxError> {
        ctx.put(state_key::root(root), id.to_be_bytes().to_vec())
    }

    pub(crate) fn tokens(
        &self,
        ctx: &mut Ctx<'_>,
        id: u64,
        holder: &Address,
    ) -> Result<u64, TxError> {
        let key = state_key::tokens(id, holder);
        match ctx.get(&key)? {
            Some(b) => Ok(decode_u64(&key, &b)?),
            None => Ok(0),
        }
    }

    pub(crate) fn set_tokens(
        &self,
        ctx: &mut Ctx<'_>,
        id: u64,
        holder: &Address,
        amount: u64,
    ) -> Result<(), TxError> {
        let key = state_key::tokens(id, holder);
        if amount == 0 {
            ctx.delete(key)
        } else {
            ctx.put(key, amount.to_be_bytes().to_vec())
        }
    }

    pub(crate) fn add_price_point(
        &self,
        ctx: &mut Ctx<'_>,
        c: &ContentRecord,
    ) -> Result<(), TxError> {
        let point = pb::PricePoint {
            height: ctx.block.height,
            access_price: c.access_price.to_string(),
            price_per_gib: c.price_per_gib.to_string(),
        };
        ctx.put(
            state_key::price(c.id, c.metadata_nonce),
            point.encode_to_vec(),
        )
    }

    pub(crate) fn terms(
        &self,
        ctx: &mut Ctx<'_>,
        creator: &Address,
    ) -> Result<Option<Terms>, TxError> {
        let key = state_key::terms(creator);
        match ctx.get(&key)? {
            Some(b) => Ok(Some(decode_terms(&key, &b)?)),
            None => Ok(None),
        }
    }

    pub(crate) fn set_terms(
        &self,
        ctx: &mut Ctx<'_>,
        creator: &Address,
        terms: Option<&Terms>,
    ) -> Result<(), TxError> {
        let key = state_key::terms(creator);
        match terms {
            Some(t) => ctx.put(
                key,
                pb::SubscriptionTerms {
                    creator: creator.to_string(),
                    price: t.price.to_string(),
                    period_blocks: t.period_blocks,
                    split_id: t.split_id,
                }
                .encode_to_vec(),
            ),
            None => ctx.delete(key),
        }
    }

    /// The height a subscription ends (exclusive), if one is stored.
    pub(crate) fn subscription(
        &self,
        ctx: &mut Ctx<'_>,
        subscriber: &Address,
        creator: &Address,
    ) -> Result<Option<u64>, TxError> {
        let key = state_key::subscription(subscriber, creator);
        match ctx.get(&key)? {
            Some(b) => Ok(Some(
                decode_proto::<pb::Subscription>(&key, &b)?.expires_height,
            )),
            None => Ok(None),
        }
    }

    pub(crate) fn set_subscription(
        &self,
        ctx: &mut Ctx<'_>,
        subscriber: &Address,
        creator: &Address,
        expires: Option<u64>,
    ) -> Result<(), TxError> {
        let key = state_key::subscription(subscriber, creator);
        match expires {
            Some(h) => ctx.put(
                key,
                pb::Subscription {
                    subscriber: subscriber.to_string(),
                    creator: creator.to_string(),
                    expires_height: h,
                }
                .encode_to_vec(),
            ),
            None => ctx.delete(key),
        }
    }

    pub(crate) fn buyer_key(
        &self,
        ctx: &mut Ctx<'_>,
        owner: &Address,
    ) -> Result<Option<Vec<u8>>, TxError> {
        ctx.get(&state_key::buyer_key(owner))
    }

    pub(crate) fn has_sealed_key(
        &self,
        ctx: &mut Ctx<'_>,
        id: u64,
        holder: &Address,
    ) -> Result<bool, TxError> {
        Ok(ctx.get(&state_key::sealed_key(id, holder))?.is_some())
    }

    /// Whether `who` may read content `c` now: it holds a token, or it subscribes to
    /// the creator and the content is active, or it is the creator.
    pub(crate) fn has_access(
        &self,
        ctx: &mut Ctx<'_>,
        c: &ContentRecord,
        who: &Address,
    ) -> Result<bool, TxError> {
        if *who == c.creator || self.tokens(ctx, c.id, who)? > 0 {
            return Ok(true);
        }
        if c.status != crate::Status::Active {
            return Ok(false);
        }
        let height = ctx.block.height;
        Ok(self
            .subscription(ctx, who, &c.creator)?
            .is_some_and(|expires| expires > height))
    }
}

pub(crate) fn read_params(state: &dyn StateRead) -> Result<Params, TxError> {
    let key = state_key::params();
    match state.get(&key)? {
        Some(b) => Ok(decode_proto::<pb::Params>(&key, &b)?.into()),
        None => Ok(Params::default()),
    }
}

pub(crate) fn read_content(state: &dyn StateRead, id: u64) -> Result<ContentRecord, TxError> {
    let key = state_key::content(id);
    match state.get(&key)? {
        Some(b) => Ok(decode_content(&key, &b)?),
        None => Err(ContentError::NotFound(id).into()),
    }
}

pub(crate) fn read_id_by_root(
    state: &dyn StateRead,
    root: &[u8; 32],
) -> Result<Option<u64>, TxError> {
    let key = state_key::root(root);
    match state.get(&key)? {
        Some(b) => Ok(Some(decode_u64(&key, &b)?)),
        None => Ok(None),
    }
}

pub(crate) fn read_tokens(
    state: &dyn StateRead,
    id: u64,
    holder: &Address,
) -> Result<u64, TxError> {
    let key = state_key::tokens(id, holder);
    match state.get(&key)? {
        Some(b) => Ok(decode_u64(&key, &b)?),
        None => Ok(0),
    }
}

pub(crate) fn read_subscription(
    state: &dyn StateRead,
    subscriber: &Address,
    creator: &Address,
) -> Result<Option<pb::Subscription>, TxError> {
    let key = state_key::subscription(subscriber, creator);
    match state.get(&key)? {
        Some(b) => Ok(Some(decode_proto(&key, &b)?)),
        None => Ok(None),
    }
}

pub(crate) fn read_terms(
    state: &dyn StateRead,
    creator: &Address,
) -> Result<Option<pb::SubscriptionTerms>, TxError> {
    let key = state_key::terms(creator);
    match state.get(&key)? {
        Some(b) => Ok(Some(decode_proto(&key, &b)?)),
        None => Ok(None),
    }
}

pub(crate) fn read_sealed_key(
    state: &dyn StateRead,
    id: u64,
    holder: &Address,
) -> Result<Option<pb::SealedKey>, TxError> {
    let key = state_key::sealed_key(id, holder);
    match state.get(&key)? {
        Some(b) => Ok(Some(decode_proto(&key, &b)?)),
        None => Ok(None),
    }
}

pub(crate) fn read_buyer_key(
    state: &dyn StateRead,
    owner: &Address,
) -> Result<Option<Vec<u8>>, TxError> {
    Ok(state.get(&state_key::buyer_key(owner))?)
}

/// Price points read at most when looking for the lowest recent price; a content whose
/// creator changed its price more often than that within the window has no floor.
pub(crate) const MAX_PRICE_POINTS_SCANNED: usize = 64;

/// The lowest `price_per_gib` of content `id` in force at any height from
/// `since_height` on (the current price included): its price points newest first, down
/// to the first set at or before `since_height`. When more than
/// [`MAX_PRICE_POINTS_SCANNED`] points fall in the window, 0 (the creator churned its
/// price; it gets no underpricing protection rather than an unbounded scan).
pub(crate) fn lowest_price_per_gib_since(
    ctx: &mut Ctx<'_>,
    c: &ContentRecord,
    since_height: u64,
) -> Result<u128, TxError> {
    let prefix = state_key::prices(c.id);
    let end = weave_kernel::prefix_end(&prefix);
    let points = ctx.range(&prefix, end.as_deref(), MAX_PRICE_POINTS_SCANNED)?;
    let mut lowest = c.price_per_gib;
    for (key, bytes) in &points {
        let p: pb::PricePoint = decode_proto(key, bytes)?;
        let price = parse_amount(&p.price_per_gib).map_err(|_| corrupt(key))?;
        lowest = lowest.min(price);
        if p.height <= since_height {
            return Ok(lowest);
        }
    }
    if points.len() >= MAX_PRICE_POINTS_SCANNED {
        return Ok(0);
    }
    Ok(lowest)
}
