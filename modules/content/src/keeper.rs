//! Typed reads and writes of the content module's state. This is the only place that
//! turns the module's stored bytes into types. Reads take any [`Store`]: the metered
//! [`Ctx`] in a block, an unmetered view in a query.

use prost::Message;
use weave_kernel::{parse_amount, Address, Ctx, ModuleError, Store, TxError};
use weave_proto::weave::content::v1 as pb;

use crate::{state_key, ContentError, ContentRecord, Params};

fn corrupt(key: &[u8]) -> TxError {
    ContentError::corrupt_state(key)
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

/// Reads and writes content state. It holds no data.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Keeper;

impl Keeper {
    /// The parameters (defaults before genesis).
    pub(crate) fn params(&self, s: &mut impl Store) -> Result<Params, TxError> {
        Ok(
            s.get_proto::<ContentError, pb::Params>(&state_key::params())?
                .map(Params::from)
                .unwrap_or_default(),
        )
    }

    pub(crate) fn set_params(&self, ctx: &mut Ctx<'_>, p: &Params) -> Result<(), TxError> {
        ctx.put_proto(state_key::params(), &pb::Params::from(p))
    }

    /// Allocates the next content id (from 1).
    pub(crate) fn next_id(&self, ctx: &mut Ctx<'_>) -> Result<u64, TxError> {
        ctx.next_sequence(state_key::next_id(), 1)
    }

    /// Content that must exist.
    pub(crate) fn content(&self, s: &mut impl Store, id: u64) -> Result<ContentRecord, TxError> {
        let key = state_key::content(id);
        let stored = s
            .get_proto::<ContentError, pb::Content>(&key)?
            .ok_or(ContentError::NotFound(id))?;
        ContentRecord::from_stored(stored).ok_or_else(|| corrupt(&key))
    }

    pub(crate) fn set_content(&self, ctx: &mut Ctx<'_>, c: &ContentRecord) -> Result<(), TxError> {
        ctx.put_proto(state_key::content(c.id), &c.to_wire())
    }

    pub(crate) fn id_by_root(
        &self,
        s: &mut impl Store,
        root: &[u8; 32],
    ) -> Result<Option<u64>, TxError> {
        s.get_u64::<ContentError>(&state_key::root(root))
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
        s: &mut impl Store,
        id: u64,
        holder: &Address,
    ) -> Result<u64, TxError> {
        Ok(s.get_u64::<ContentError>(&state_key::tokens(id, holder))?
            .unwrap_or(0))
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
        ctx.put_proto(state_key::price(c.id, c.metadata_nonce), &point)
    }

    pub(crate) fn terms(
        &self,
        ctx: &mut Ctx<'_>,
        creator: &Address,
    ) -> Result<Option<Terms>, TxError> {
        let key = state_key::terms(creator);
        let Some(t) = ctx.get_proto::<ContentError, pb::SubscriptionTerms>(&key)? else {
            return Ok(None);
        };
        Ok(Some(Terms {
            price: parse_amount(&t.price).map_err(|_| corrupt(&key))?,
            period_blocks: t.period_blocks,
            split_id: t.split_id,
        }))
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
        Ok(ctx
            .get_proto::<ContentError, pb::Subscription>(&state_key::subscription(
                subscriber, creator,
            ))?
            .map(|s| s.expires_height))
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
        s: &mut impl Store,
        owner: &Address,
    ) -> Result<Option<Vec<u8>>, TxError> {
        s.read(&state_key::buyer_key(owner))
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
        let p: pb::PricePoint = weave_kernel::decode_proto::<ContentError, _>(key, bytes)?;
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
