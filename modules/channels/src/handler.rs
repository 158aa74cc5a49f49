//! One function per message: check against state, then execute. Every voucher of a
//! claim runs in its own `Ctx::atomically`, so a bad voucher leaves no write behind
//! while the good ones in the same claim still pay.

use std::collections::BTreeMap;

use weave_kernel::{
    expected::{
        Bank, ContentRegistry, PaidBandwidth, PaidViews, PayTo, SeedersParams, Splits,
        StreamingTerms,
    },
    Address, Coin, Coins, Ctx, KernelError, TxError,
};

use crate::{
    event::{self, LaneTally},
    keeper::{Earnings, Keeper},
    msg::ClaimedVoucher,
    state_key,
    voucher::{SignatureItem, VerifiedCache},
    ChannelRecord, ChannelsError, ChannelsMsg, LaneRecord, Params, Status,
};

pub use weave_voucher::GIB;

/// Gas charged per voucher for its signature check (the Cosmos SDK charges 590 for
/// an ed25519 transaction signature; a voucher also costs state reads).
pub const VOUCHER_GAS: u64 = 1_000;

/// Gas charged for each voucher signature the claim checks, on top of
/// [`VOUCHER_GAS`]: the default ed25519 cost of the gas table, charged whether or not
/// the check hits the cache of block-verified signatures (so that gas is the same on
/// every node).
pub const VOUCHER_SIG_GAS: u64 = 590;

/// What the handlers work with.
pub(crate) struct Deps<'a> {
    pub(crate) keeper: Keeper,
    pub(crate) bank: &'a dyn Bank,
    pub(crate) splits: &'a dyn Splits,
    pub(crate) content: &'a dyn ContentRegistry,
    pub(crate) cache: &'a VerifiedCache,
    pub(crate) bandwidth: Option<&'a dyn PaidBandwidth>,
    pub(crate) seeders: Option<&'a dyn SeedersParams>,
    pub(crate) views: Option<&'a dyn PaidViews>,
}

/// The escrow account that holds every channel's deposit and collateral.
pub fn escrow() -> Address {
    Address::module(crate::ESCROW_ACCOUNT)
}

fn coins(amount: u128) -> Result<Coins, TxError> {
    Coins::new(vec![Coin::base(amount)])
        .map_err(|e| KernelError::InvalidCoins(e.to_string()).into())
}

fn add(a: u128, b: u128, what: &str) -> Result<u128, ChannelsError> {
    a.checked_add(b)
        .ok_or_else(|| ChannelsError::Overflow(what.to_string()))
}

/// `floor(amount × bps / 10000)` without overflow.
pub fn bps_of(amount: u128, bps: u32) -> u128 {
    let bps = u128::from(bps.min(10_000));
    (amount / 10_000) * bps + (amount % 10_000) * bps / 10_000
}

pub(crate) fn handle(deps: &Deps<'_>, ctx: &mut Ctx<'_>, msg: ChannelsMsg) -> Result<(), TxError> {
    let keeper = deps.keeper;
    match msg {
        ChannelsMsg::Open {
            payer,
            deposit,
            voucher_key,
            expiry_height,
            collateral,
        } => {
            let height = ctx.block.height;
            if expiry_height <= height {
                return Err(ChannelsError::InvalidExpiry {
                    expiry: expiry_height,
                    height,
                }
                .into());
            }
            let total = add(deposit, collateral, "deposit plus collateral")?;
            deps.bank.transfer(ctx, &payer, &escrow(), &coins(total)?)?;
            let channel = ChannelRecord {
                id: keeper.next_id(ctx)?,
                payer,
                voucher_key,
                deposit,
                paid: 0,
                collateral,
                collateral_slashed: 0,
                overspend: 0,
                expiry_height,
                status: Status::Open,
                settle_height: 0,
            };
            keeper.set_channel(ctx, &channel)?;
            ctx.put(state_key::expiry(expiry_height, channel.id), Vec::new())?;
            ctx.emit(event::opened(&channel));
            Ok(())
        }
        ChannelsMsg::TopUp {
            payer,
            channel_id,
            amount,
        } => {
            let mut c = paid_by(keeper, ctx, channel_id, &payer)?;
            if c.status != Status::Open {
                return Err(ChannelsError::NotOpen(channel_id).into());
            }
            c.deposit = add(c.deposit, amount, "deposit")?;
            deps.bank
                .transfer(ctx, &payer, &escrow(), &coins(amount)?)?;
            keeper.set_channel(ctx, &c)?;
            ctx.emit(event::top_up(channel_id, amount));
            Ok(())
        }
        ChannelsMsg::Close { payer, channel_id } => {
            let mut c = paid_by(keeper, ctx, channel_id, &payer)?;
            if c.status != Status::Open {
                return Err(ChannelsError::NotOpen(channel_id).into());
            }
            let params = keeper.params(ctx)?;
            start_closing(keeper, ctx, &mut c, &params)
        }
        ChannelsMsg::Claim { seeder, vouchers } => claim(deps, ctx, &seeder, &vouchers),
        ChannelsMsg::UpdateParams { authority, params } => {
            weave_kernel::update_params_with(ctx, &authority, |ctx| {
                // As the seeders side checks its unbonding period against this.
                if let Some(seeders) = deps.seeders {
                    if let Some(unbonding) = seeders.unbonding_period_blocks(ctx)? {
                        if unbonding <= params.challenge_period_blocks {
                            return Err(ChannelsError::InvalidParams(format!(
                                "challenge_period_blocks {} must be below the seeders' \
                                 unbonding_period_blocks {unbonding}",
                                params.challenge_period_blocks
                            ))
                            .into());
                        }
                    }
                }
                Ok(params)
            })
        }
    }
}

/// The channel, if `signer` is its payer.
fn paid_by(
    keeper: Keeper,
    ctx: &mut Ctx<'_>,
    id: u64,
    signer: &Address,
) -> Result<ChannelRecord, TxError> {
    let c = keeper.channel(ctx, id)?;
    if c.payer != *signer {
        return Err(ChannelsError::NotPayer {
            channel_id: id,
            signer: signer.to_string(),
        }
        .into());
    }
    Ok(c)
}

/// Moves an open channel to closing: it settles after the challenge period.
fn start_closing(
    keeper: Keeper,
    ctx: &mut Ctx<'_>,
    c: &mut ChannelRecord,
    params: &Params,
) -> Result<(), TxError> {
    let settle = ctx
        .block
        .height
        .checked_add(params.challenge_period_blocks)
        .ok_or_else(|| ChannelsError::Overflow("settle height".into()))?;
    ctx.delete(state_key::expiry(c.expiry_height, c.id))?;
    ctx.put(state_key::settlement(settle, c.id), Vec::new())?;
    c.status = Status::Closing;
    c.settle_height = settle;
    keeper.set_channel(ctx, c)?;
    ctx.emit(event::closing(c.id, settle));
    Ok(())
}

/// A lane as the claim left it so far, and what its accepted vouchers drew.
#[derive(Debug, Clone, Copy, Default)]
struct ClaimedLane {
    record: LaneRecord,
    tally: LaneTally,
}

/// What one claim has accepted so far: channels and lanes as updated in memory
/// (written once at the end), streaming terms looked up, and the amount owed per
/// split and payer.
#[derive(Default)]
struct ClaimState {
    channels: BTreeMap<u64, ChannelRecord>,
    terms: BTreeMap<[u8; 32], StreamingTerms>,
    /// Per content, the lowest price in force since `price_since`.
    floors: BTreeMap<[u8; 32], u128>,
    /// The first height whose price a voucher may carry: a challenge period ago.
    price_since: u64,
    owed: BTreeMap<(u64, Address), u128>,
    verified_bytes: u64,
    /// The lanes the claim touched (channel, content root): each read once, written
    /// once and reported by one event once the claim's vouchers are done.
    lanes: BTreeMap<(u64, [u8; 32]), ClaimedLane>,
}

/// Runs a claim: every voucher is checked against state and the claim so far; a good
/// one moves its lane on and adds what it draws to the claim; a bad one is reported
/// and changes nothing. Then each lane that moved and each touched channel is written
/// once (and each lane reported by one event), and each
/// content's split is paid once: the seeder's share to the seeder, the rest through
/// the split. A claim in which no voucher is good fails with the first reason.
fn claim(
    deps: &Deps<'_>,
    ctx: &mut Ctx<'_>,
    seeder: &Address,
    vouchers: &[ClaimedVoucher],
) -> Result<(), TxError> {
    let keeper = deps.keeper;
    let params = keeper.params(ctx)?;
    if vouchers.len() > params.max_vouchers_per_claim as usize {
        return Err(ChannelsError::VoucherCount {
            got: vouchers.len(),
            max: params.max_vouchers_per_claim,
        }
        .into());
    }
    let mut state = ClaimState {
        price_since: ctx
            .block
            .height
            .saturating_sub(params.challenge_period_blocks),
        ..ClaimState::default()
    };
    let mut accepted = 0usize;
    let mut first_error = None;
    for (i, signed) in vouchers.iter().enumerate() {
        ctx.consume_gas(VOUCHER_GAS, "voucher")?;
        match check_voucher(deps, ctx, seeder, signed, &mut state) {
            Ok(()) => accepted += 1,
            Err(e) => {
                ctx.emit(event::voucher_rejected(i, e.code, &e.log));
                first_error.get_or_insert(e);
            }
        }
    }
    if accepted == 0 {
        return Err(first_error.unwrap_or_else(|| {
            ChannelsError::VoucherCount {
                got: 0,
                max: params.max_vouchers_per_claim,
            }
            .into()
        }));
    }
    let seeder_text = seeder.to_string();
    for ((channel_id, root), lane) in &state.lanes {
        if lane.tally.vouchers == 0 {
            continue;
        }
        keeper.set_lane(ctx, *channel_id, seeder, root, &lane.record)?;
        ctx.emit(event::lane_paid(
            *channel_id,
            &seeder_text,
            root,
            &lane.tally,
        ));
    }
    for c in state.channels.values() {
        keeper.set_channel(ctx, c)?;
    }
    // Both parts of a payment pay the protocol fee: the seeder's share (as a payment to
    // one account) and the rest (through the split). That fee, money that leaves the
    // payer's and the seeder's control for good, is what the seeder's reputation
    // counts for the payer, never the amount, part of which may flow back to them.
    let mut earned = 0u128;
    for ((split_id, payer), amount) in &state.owed {
        let seeder_share = bps_of(*amount, params.seeder_share_bps);
        let mut fee = 0u128;
        if seeder_share > 0 {
            fee = deps.splits.pay(
                ctx,
                &escrow(),
                seeder_share,
                PayTo::Account(*seeder),
                "voucher_seeder_share",
            )?;
        }
        // What reached the seeder, after its share's fee.
        let net_share = seeder_share.saturating_sub(fee);
        if *amount > seeder_share {
            let split_fee = deps.splits.pay(
                ctx,
                &escrow(),
                amount - seeder_share,
                PayTo::Split(*split_id),
                "voucher",
            )?;
            fee = add(fee, split_fee, "protocol fee")?;
        }
        if let Some(sink) = deps.bandwidth {
            sink.record(ctx, seeder, payer, 0, fee)?;
        }
        earned = add(earned, net_share, "earnings")?;
        ctx.emit(event::claim_paid(seeder, *split_id, *amount, seeder_share));
    }
    let e = keeper.earnings(ctx, seeder)?;
    keeper.set_earnings(
        ctx,
        seeder,
        &Earnings {
            earned: add(e.earned, earned, "earnings")?,
            verified_bytes: e.verified_bytes.saturating_add(state.verified_bytes),
        },
    )
}

/// Checks one voucher against state and what the claim already accepted; if it is
/// good, records its lane and what it draws from its channel. Nothing is written
/// unless every check passed.
fn check_voucher(
    deps: &Deps<'_>,
    ctx: &mut Ctx<'_>,
    seeder: &Address,
    claimed: &ClaimedVoucher,
    state: &mut ClaimState,
) -> Result<(), TxError> {
    let keeper = deps.keeper;
    let v = claimed.voucher.clone().map_err(ChannelsError::from)?;
    let signed = &claimed.signed;
    if v.chain_id != ctx.block.chain_id {
        return Err(ChannelsError::WrongChain {
            got: v.chain_id,
            expected: ctx.block.chain_id.clone(),
        }
        .into());
    }
    if v.seeder != *seeder {
        return Err(ChannelsError::WrongSeeder {
            named: v.seeder.to_string(),
            claimer: seeder.to_string(),
        }
        .into());
    }
    let mut c = match state.channels.get(&v.channel_id) {
        Some(c) => c.clone(),
        None => keeper.channel(ctx, v.channel_id)?,
    };
    if c.status == Status::Settled {
        return Err(ChannelsError::Settled(c.id).into());
    }
    let item =
        SignatureItem::new(c.voucher_key, signed).ok_or(ChannelsError::BadSignature(c.id))?;
    ctx.consume_gas(VOUCHER_SIG_GAS, "voucher signature")?;
    if !deps.cache.verify(&item) {
        return Err(ChannelsError::BadSignature(c.id).into());
    }
    let terms = match state.terms.get(&v.content_root) {
        Some(t) => *t,
        None => deps
            .content
            .streaming_terms(ctx, &v.content_root)?
            .ok_or_else(|| ChannelsError::UnknownContent(hex::encode(v.content_root)))?,
    };
    let lane_key = (c.id, v.content_root);
    let ClaimedLane {
        record: lane,
        tally: before,
    } = match state.lanes.get(&lane_key) {
        Some(l) => *l,
        None => {
            let record = keeper.lane(ctx, c.id, seeder, &v.content_root)?;
            *state.lanes.entry(lane_key).or_insert(ClaimedLane {
                record,
                tally: LaneTally::default(),
            })
        }
    };
    if v.nonce <= lane.last_nonce {
        return Err(ChannelsError::StaleNonce {
            nonce: v.nonce,
            last: lane.last_nonce,
        }
        .into());
    }
    if v.cumulative_amount <= lane.claimed_amount || v.cumulative_bytes < lane.claimed_bytes {
        return Err(ChannelsError::NotIncreasing {
            amount: v.cumulative_amount.to_string(),
            claimed: lane.claimed_amount.to_string(),
        }
        .into());
    }
    // A voucher is priced against the lowest price in force during the last challenge
    // period, not the current one: a price rise applies to claims only a challenge
    // period later, so a seeder that claims within it is paid for the bytes it served
    // under the old terms; a price cut applies at once.
    let floor = match state.floors.get(&v.content_root) {
        Some(f) => *f,
        None => deps
            .content
            .lowest_price_per_gib_since(ctx, &v.content_root, state.price_since)?
            .unwrap_or(terms.price_per_gib)
            .min(terms.price_per_gib),
    };
    // The increase is priced, not the cumulative total: bytes already claimed were
    // priced when they were claimed, at the terms of their time.
    let new_bytes = v.cumulative_bytes - lane.claimed_bytes;
    let due = u128::from(new_bytes)
        .checked_mul(floor)
        .ok_or_else(|| ChannelsError::Overflow("bytes × price".into()))?
        / GIB;
    if v.cumulative_amount - lane.claimed_amount < due {
        return Err(ChannelsError::Underpriced {
            amount: (v.cumulative_amount - lane.claimed_amount).to_string(),
            bytes: new_bytes,
            due: due.to_string(),
        }
        .into());
    }

    // Draw the increase: from the deposit while it lasts, then from collateral; what
    // neither covers is recorded as overspend.
    let delta = v.cumulative_amount - lane.claimed_amount;
    let from_deposit = delta.min(c.remaining());
    let from_collateral = (delta - from_deposit).min(c.collateral_left());
    let unpaid = delta - from_deposit - from_collateral;
    c.paid = add(c.paid, from_deposit, "paid")?;
    c.collateral_slashed = add(c.collateral_slashed, from_collateral, "collateral slashed")?;
    c.overspend = add(c.overspend, unpaid, "overspend")?;
    let paid = from_deposit + from_collateral;
    let owed = add(
        state
            .owed
            .get(&(terms.split_id, c.payer))
            .copied()
            .unwrap_or(0),
        paid,
        "claim total",
    )?;

    let tally = LaneTally {
        vouchers: before.vouchers + 1,
        last_nonce: v.nonce,
        amount: add(before.amount, paid, "lane total")?,
        bytes: before.bytes.saturating_add(new_bytes),
        from_collateral: add(before.from_collateral, from_collateral, "lane collateral")?,
    };

    // Every check passed: report the paid bandwidth, all of it or none, then the
    // claim's in-memory state, the lane's included (the claim writes each lane once,
    // after its last voucher).
    ctx.atomically(|ctx| {
        // The bytes now; the protocol fee they paid once the claim pays out.
        if let Some(sink) = deps.bandwidth {
            sink.record(ctx, seeder, &c.payer, new_bytes, 0)?;
        }
        // Bytes that drew payment count toward the payer's verified view of the
        // content; bytes nobody paid for (overspend) do not.
        match deps.views {
            Some(views) if paid > 0 => views.streamed(ctx, terms.content_id, &c.payer, new_bytes),
            _ => Ok(()),
        }
    })?;
    if unpaid > 0 {
        ctx.emit(event::overspend(c.id, unpaid));
    }
    state.lanes.insert(
        lane_key,
        ClaimedLane {
            record: LaneRecord {
                claimed_amount: v.cumulative_amount,
                claimed_bytes: v.cumulative_bytes,
                last_nonce: v.nonce,
            },
            tally,
        },
    );
    if paid > 0 {
        state.owed.insert((terms.split_id, c.payer), owed);
    }
    state.verified_bytes = state.verified_bytes.saturating_add(new_bytes);
    state.terms.insert(v.content_root, terms);
    state.floors.insert(v.content_root, floor);
    state.channels.insert(c.id, c);
    Ok(())
}

/// Starts closing the channels that expired and settles those whose challenge period
/// ended, at most `max_settlements_per_block` in all; the rest wait for later blocks.
pub(crate) fn end_block(deps: &Deps<'_>, ctx: &mut Ctx<'_>) -> Result<(), TxError> {
    let keeper = deps.keeper;
    let params = keeper.params(ctx)?;
    let mut budget = params.max_settlements_per_block as usize;
    let next = ctx.block.height.saturating_add(1);

    let due = ctx.range(
        &state_key::expiries(),
        Some(&state_key::expiries_at(next)),
        budget,
    )?;
    budget -= due.len();
    for (key, _) in due {
        let (_, id) =
            state_key::parse_queue_key(&state_key::expiries(), &key).ok_or_else(|| {
                ChannelsError::CorruptState(String::from_utf8_lossy(&key).into_owned())
            })?;
        ctx.delete(key)?;
        let mut c = keeper.channel(ctx, id)?;
        if c.status == Status::Open {
            start_closing(keeper, ctx, &mut c, &params)?;
        }
    }

    let due = ctx.range(
        &state_key::settlements(),
        Some(&state_key::settlements_at(next)),
        budget,
    )?;
    for (key, _) in due {
        let (_, id) =
            state_key::parse_queue_key(&state_key::settlements(), &key).ok_or_else(|| {
                ChannelsError::CorruptState(String::from_utf8_lossy(&key).into_owned())
            })?;
        ctx.delete(key)?;
        let mut c = keeper.channel(ctx, id)?;
        if c.status != Status::Closing {
            continue;
        }
        let refund = c.remaining() + c.collateral_left();
        if refund > 0 {
            deps.bank
                .transfer(ctx, &escrow(), &c.payer, &coins(refund)?)?;
        }
        c.status = Status::Settled;
        keeper.set_channel(ctx, &c)?;
        ctx.emit(event::settled(c.id, refund));
    }
    Ok(())
}
