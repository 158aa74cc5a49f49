//! One function per message: check against state, then execute. Each handler runs
//! inside `Ctx::atomically`, so an error leaves no write behind.

use weave_kernel::{
    expected::{PaidViews, PayTo, Splits},
    Address, Ctx, TxError,
};
use weave_proto::weave::content::v1 as pb;

use crate::{
    event,
    keeper::{Keeper, Terms},
    msg::{SplitChoice, TipTarget},
    state_key, ContentError, ContentMsg, ContentRecord, Status,
};

pub(crate) fn handle(
    keeper: &Keeper,
    splits: &dyn Splits,
    views: Option<&dyn PaidViews>,
    ctx: &mut Ctx<'_>,
    msg: ContentMsg,
) -> Result<(), TxError> {
    match msg {
        ContentMsg::Register {
            creator,
            meta,
            metadata,
            access_price,
            price_per_gib,
            split,
            tiers,
        } => {
            if let Some(existing) = keeper.id_by_root(ctx, &meta.root)? {
                return Err(ContentError::DuplicateRoot {
                    root: hex::encode(meta.root),
                    content_id: existing,
                }
                .into());
            }
            let split_id = match split {
                SplitChoice::Existing(id) => {
                    if !splits.split_exists(ctx, id)? {
                        return Err(
                            ContentError::InvalidSplit(format!("split {id} not found")).into()
                        );
                    }
                    id
                }
                SplitChoice::New {
                    recipients,
                    controller,
                } => splits.create_split(ctx, &creator, recipients, controller)?,
            };
            let height = ctx.block.height;
            let record = ContentRecord {
                id: keeper.next_id(ctx)?,
                creator,
                meta,
                metadata,
                metadata_nonce: 0,
                access_price,
                price_per_gib,
                split_id,
                tiers,
                status: Status::Active,
                created_height: height,
                updated_height: height,
                tokens_issued: 0,
            };
            keeper.set_content(ctx, &record)?;
            keeper.set_root(ctx, &record.meta.root, record.id)?;
            keeper.add_price_point(ctx, &record)?;
            index(ctx, &record)?;
            ctx.emit(event::registered(&record));
            Ok(())
        }

        ContentMsg::Update {
            creator,
            content_id,
            metadata,
            access_price,
            price_per_gib,
        } => {
            let mut c = owned(keeper, ctx, content_id, &creator)?;
            if let Some(m) = metadata {
                for tag in &c.metadata.tags {
                    ctx.nv_delete(state_key::by_tag(tag, c.id))?;
                }
                c.metadata = m;
                for tag in &c.metadata.tags {
                    ctx.nv_put(state_key::by_tag(tag, c.id), Vec::new())?;
                }
            }
            let old_prices = (c.access_price, c.price_per_gib);
            c.access_price = access_price.unwrap_or(c.access_price);
            c.price_per_gib = price_per_gib.unwrap_or(c.price_per_gib);
            c.metadata_nonce = c
                .metadata_nonce
                .checked_add(1)
                .ok_or_else(|| ContentError::Overflow("metadata nonce".into()))?;
            c.updated_height = ctx.block.height;
            if old_prices != (c.access_price, c.price_per_gib) {
                keeper.add_price_point(ctx, &c)?;
            }
            keeper.set_content(ctx, &c)?;
            ctx.emit(event::updated(&c));
            Ok(())
        }

        ContentMsg::Retire {
            creator,
            content_id,
        } => {
            let mut c = owned(keeper, ctx, content_id, &creator)?;
            if c.status == Status::Retired {
                return Err(ContentError::Retired(content_id).into());
            }
            c.status = Status::Retired;
            c.updated_height = ctx.block.height;
            keeper.set_content(ctx, &c)?;
            ctx.emit(event::retired(content_id));
            Ok(())
        }

        ContentMsg::Purchase {
            buyer,
            content_id,
            quantity,
            max_total_price,
        } => {
            let mut c = keeper.content(ctx, content_id)?;
            if c.status != Status::Active {
                return Err(ContentError::Retired(content_id).into());
            }
            let total = c
                .access_price
                .checked_mul(u128::from(quantity))
                .ok_or_else(|| {
                    ContentError::Overflow(format!("{quantity} tokens at {}", c.access_price))
                })?;
            if let Some(max) = max_total_price {
                if total > max {
                    return Err(ContentError::PriceAboveMax {
                        price: total.to_string(),
                        max: max.to_string(),
                    }
                    .into());
                }
            }
            let held = keeper.tokens(ctx, content_id, &buyer)?;
            let new_balance = held
                .checked_add(quantity)
                .ok_or_else(|| ContentError::Overflow("token balance".into()))?;
            c.tokens_issued = c
                .tokens_issued
                .checked_add(quantity)
                .ok_or_else(|| ContentError::Overflow("tokens issued".into()))?;
            splits.pay(ctx, &buyer, total, PayTo::Split(c.split_id), "access")?;
            keeper.set_tokens(ctx, content_id, &buyer, new_balance)?;
            keeper.set_content(ctx, &c)?;
            mark_pending(keeper, ctx, &c, &buyer)?;
            ctx.emit(event::purchased(content_id, &buyer, quantity, total));
            if let Some(views) = views {
                views.purchased(ctx, content_id, &buyer, total)?;
            }
            Ok(())
        }

        ContentMsg::Transfer {
            from,
            to,
            content_id,
            quantity,
        } => {
            let c = keeper.content(ctx, content_id)?;
            let held = keeper.tokens(ctx, content_id, &from)?;
            if held < quantity {
                return Err(ContentError::InsufficientTokens {
                    content_id,
                    holder: from.to_string(),
                    held,
                    needed: quantity,
                }
                .into());
            }
            let to_balance = keeper
                .tokens(ctx, content_id, &to)?
                .checked_add(quantity)
                .ok_or_else(|| ContentError::Overflow("token balance".into()))?;
            keeper.set_tokens(ctx, content_id, &from, held - quantity)?;
            keeper.set_tokens(ctx, content_id, &to, to_balance)?;
            if held == quantity {
                ctx.nv_delete(state_key::pending(&c.creator, content_id, &from))?;
            }
            mark_pending(keeper, ctx, &c, &to)?;
            ctx.emit(event::transferred(content_id, &from, &to, quantity));
            Ok(())
        }

        ContentMsg::Tip {
            tipper,
            target,
            amount,
        } => {
            let (content_id, creator, to) = match target {
                TipTarget::Content(id) => {
                    let c = keeper.content(ctx, id)?;
                    (id, c.creator, PayTo::Split(c.split_id))
                }
                TipTarget::Creator(creator) => {
                    let to = match keeper.terms(ctx, &creator)? {
                        Some(t) if t.split_id != 0 => PayTo::Split(t.split_id),
                        _ => PayTo::Account(creator),
                    };
                    (0, creator, to)
                }
            };
            splits.pay(ctx, &tipper, amount, to, "tip")?;
            ctx.emit(event::tip(&tipper, content_id, &creator, amount));
            Ok(())
        }

        ContentMsg::SetTerms {
            creator,
            price,
            period_blocks,
            split_id,
        } => {
            match price {
                None => keeper.set_terms(ctx, &creator, None)?,
                Some(price) => {
                    let max = keeper.params(ctx)?.max_subscription_blocks;
                    if period_blocks > max {
                        return Err(ContentError::SubscriptionTooLong {
                            blocks: period_blocks,
                            max,
                        }
                        .into());
                    }
                    if split_id != 0 && !splits.split_exists(ctx, split_id)? {
                        return Err(ContentError::InvalidSplit(format!(
                            "split {split_id} not found"
                        ))
                        .into());
                    }
                    let terms = Terms {
                        price,
                        period_blocks,
                        split_id,
                    };
                    keeper.set_terms(ctx, &creator, Some(&terms))?;
                }
            }
            ctx.emit(event::terms_set(
                &creator,
                price.unwrap_or(0),
                period_blocks,
                split_id,
            ));
            Ok(())
        }

        ContentMsg::Subscribe {
            subscriber,
            creator,
            periods,
            max_total_price,
        } => {
            let terms = keeper
                .terms(ctx, &creator)?
                .ok_or_else(|| ContentError::NoSubscriptionTerms(creator.to_string()))?;
            let params = keeper.params(ctx)?;
            let height = ctx.block.height;
            let current = keeper.subscription(ctx, &subscriber, &creator)?;
            let start = current.filter(|e| *e > height).unwrap_or(height);
            let blocks = periods.checked_mul(terms.period_blocks);
            let expires = blocks.and_then(|b| start.checked_add(b));
            let (Some(_), Some(expires)) = (blocks, expires) else {
                return Err(ContentError::Overflow("subscription length".into()).into());
            };
            // The whole remaining subscription, not just this purchase, is bounded.
            let remaining = expires - height;
            if remaining > params.max_subscription_blocks {
                return Err(ContentError::SubscriptionTooLong {
                    blocks: remaining,
                    max: params.max_subscription_blocks,
                }
                .into());
            }
            let total = terms
                .price
                .checked_mul(u128::from(periods))
                .ok_or_else(|| ContentError::Overflow("subscription price".into()))?;
            if let Some(max) = max_total_price {
                if total > max {
                    return Err(ContentError::PriceAboveMax {
                        price: total.to_string(),
                        max: max.to_string(),
                    }
                    .into());
                }
            }
            let to = if terms.split_id == 0 {
                PayTo::Account(creator)
            } else {
                PayTo::Split(terms.split_id)
            };
            splits.pay(ctx, &subscriber, total, to, "subscription")?;
            if let Some(old) = current {
                ctx.delete(state_key::expiry(old, &subscriber, &creator))?;
            }
            ctx.put(
                state_key::expiry(expires, &subscriber, &creator),
                Vec::new(),
            )?;
            keeper.set_subscription(ctx, &subscriber, &creator, Some(expires))?;
            ctx.nv_put(state_key::pending(&creator, 0, &subscriber), Vec::new())?;
            ctx.emit(event::subscribed(&subscriber, &creator, expires, total));
            Ok(())
        }

        ContentMsg::RegisterBuyerKey { owner, key } => {
            ctx.put(state_key::buyer_key(&owner), key.to_vec())?;
            ctx.emit(event::buyer_key_registered(&owner, &key));
            Ok(())
        }

        ContentMsg::DeliverKey {
            creator,
            content_id,
            holder,
            sealed,
        } => {
            let c = owned(keeper, ctx, content_id, &creator)?;
            if keeper.buyer_key(ctx, &holder)?.is_none() {
                return Err(ContentError::NoBuyerKey(holder.to_string()).into());
            }
            if !keeper.has_access(ctx, &c, &holder)? {
                return Err(ContentError::NoAccess {
                    content_id,
                    holder: holder.to_string(),
                }
                .into());
            }
            let stored = pb::SealedKey {
                content_id,
                holder: holder.to_string(),
                sealed,
                height: ctx.block.height,
            };
            ctx.put(
                state_key::sealed_key(content_id, &holder),
                prost::Message::encode_to_vec(&stored),
            )?;
            ctx.nv_delete(state_key::pending(&creator, content_id, &holder))?;
            ctx.emit(event::key_delivered(content_id, &holder));
            Ok(())
        }

        ContentMsg::UpdateParams { authority, params } => {
            weave_kernel::update_params(ctx, &authority, &params)
        }
    }
}

/// The content, if `signer` created it.
fn owned(
    keeper: &Keeper,
    ctx: &mut Ctx<'_>,
    content_id: u64,
    signer: &Address,
) -> Result<ContentRecord, TxError> {
    let c = keeper.content(ctx, content_id)?;
    if c.creator != *signer {
        return Err(ContentError::NotCreator {
            content_id,
            signer: signer.to_string(),
        }
        .into());
    }
    Ok(c)
}

/// Writes the query indexes of a new content.
fn index(ctx: &mut Ctx<'_>, c: &ContentRecord) -> Result<(), TxError> {
    ctx.nv_put(state_key::feed(c.id), Vec::new())?;
    ctx.nv_put(state_key::by_creator(&c.creator, c.id), Vec::new())?;
    for tag in &c.metadata.tags {
        ctx.nv_put(state_key::by_tag(tag, c.id), Vec::new())?;
    }
    Ok(())
}

/// Records that `holder` waits for the key of `c`, unless it already has it or is the
/// creator.
fn mark_pending(
    keeper: &Keeper,
    ctx: &mut Ctx<'_>,
    c: &ContentRecord,
    holder: &Address,
) -> Result<(), TxError> {
    if *holder != c.creator && !keeper.has_sealed_key(ctx, c.id, holder)? {
        ctx.nv_put(state_key::pending(&c.creator, c.id, holder), Vec::new())?;
    }
    Ok(())
}

/// Ends subscriptions due at or before this block, at most `max_expiries_per_block`
/// of them; the rest wait for the next block.
pub(crate) fn expire_subscriptions(keeper: &Keeper, ctx: &mut Ctx<'_>) -> Result<(), TxError> {
    let limit = keeper.params(ctx)?.max_expiries_per_block as usize;
    let end = state_key::expiries_at(ctx.block.height.saturating_add(1));
    let due = ctx.range(&state_key::expiries(), Some(&end), limit)?;
    for (key, _) in due {
        let parsed = parse_expiry(&key).ok_or_else(|| {
            ContentError::CorruptState(String::from_utf8_lossy(&key).into_owned())
        })?;
        let (height, subscriber, creator) = parsed;
        ctx.delete(key)?;
        // A renewal moves the queue entry, so a stored expiry equal to this one means
        // the subscription really ends now.
        if keeper.subscription(ctx, &subscriber, &creator)? == Some(height) {
            keeper.set_subscription(ctx, &subscriber, &creator, None)?;
            ctx.nv_delete(state_key::pending(&creator, 0, &subscriber))?;
            ctx.emit(event::subscription_expired(&subscriber, &creator));
        }
    }
    Ok(())
}

fn parse_expiry(key: &[u8]) -> Option<(u64, Address, Address)> {
    let rest = key.strip_prefix(state_key::expiries().as_slice())?;
    let text = std::str::from_utf8(rest).ok()?;
    let mut parts = text.split('/');
    let height = parts.next()?.parse().ok()?;
    let subscriber = Address::from_slice(&hex::decode(parts.next()?).ok()?).ok()?;
    let creator = Address::from_slice(&hex::decode(parts.next()?).ok()?).ok()?;
    Some((height, subscriber, creator))
}
