//! One function per message: check against state, then execute. Plus the two
//! penalties every path shares: slashing a bond and jailing.

use ed25519_consensus::{Signature, VerificationKey};
use weave_kernel::{
    expected::{Bank, ChannelsParams, ContentRegistry},
    Address, Coin, Coins, Ctx, KernelError, TxError,
};
use weave_slices::MerkleProof;

use crate::{
    bond_account, event, keeper,
    math::bps_of,
    msg::{BadSliceReport, SeedersMsg},
    record::{CommittedContent, Status},
    state_key, Params, SeederRecord, SeedersError,
};

/// Gas charged for checking a bad-slice report's signature (the Cosmos SDK charges 590
/// for an ed25519 transaction signature) and its Merkle proof.
pub const REPORT_GAS: u64 = 2_000;

/// What the handlers work with.
pub(crate) struct Deps<'a> {
    pub(crate) bank: &'a dyn Bank,
    pub(crate) content: &'a dyn ContentRegistry,
    pub(crate) channels: &'a dyn ChannelsParams,
}

pub(crate) fn coins(amount: u128) -> Result<Coins, TxError> {
    Coins::new(vec![Coin::base(amount)])
        .map_err(|e| KernelError::InvalidCoins(e.to_string()).into())
}

fn overflow(what: &str) -> TxError {
    SeedersError::Overflow(what.into()).into()
}

pub(crate) fn handle(deps: &Deps<'_>, ctx: &mut Ctx<'_>, msg: SeedersMsg) -> Result<(), TxError> {
    match msg {
        SeedersMsg::Bond {
            seeder,
            amount,
            peer_id,
            peer_key,
            addrs,
            contents,
        } => bond(
            deps,
            ctx,
            NewSeeder {
                seeder,
                amount,
                peer_id,
                peer_key,
                addrs,
                contents,
            },
        ),
        SeedersMsg::Update {
            seeder,
            peer,
            addrs,
            contents,
            add_bond,
        } => update(deps, ctx, seeder, peer, addrs, contents, add_bond),
        SeedersMsg::Unbond { seeder } => unbond(ctx, &seeder),
        SeedersMsg::Unjail { seeder } => unjail(ctx, &seeder),
        SeedersMsg::ReportBadSlice(report) => report_bad_slice(deps, ctx, &report),
        SeedersMsg::UpdateParams { authority, params } => {
            weave_kernel::update_params_with(ctx, &authority, |ctx| {
                params.check_challenge_period(deps.channels.challenge_period_blocks(ctx)?)?;
                Ok(params)
            })
        }
    }
}

/// The seeder at `a`, or `UnknownSeeder`.
fn existing(ctx: &mut Ctx<'_>, a: &Address) -> Result<SeederRecord, TxError> {
    keeper::seeder(ctx, a)?.ok_or_else(|| SeedersError::UnknownSeeder(a.to_string()).into())
}

/// Looks up each root's slice count: at most `max_contents_per_seeder` roots, each of
/// registered content.
fn committed(
    deps: &Deps<'_>,
    ctx: &mut Ctx<'_>,
    params: &Params,
    roots: &[[u8; 32]],
) -> Result<Vec<CommittedContent>, TxError> {
    if roots.len() > params.max_contents_per_seeder as usize {
        return Err(SeedersError::InvalidContents(format!(
            "{} contents, limit {}",
            roots.len(),
            params.max_contents_per_seeder
        ))
        .into());
    }
    let mut out = Vec::with_capacity(roots.len());
    for root in roots {
        match deps.content.slice_count(ctx, root)? {
            Some(slice_count) if slice_count > 0 => out.push(CommittedContent {
                root: *root,
                slice_count,
            }),
            _ => return Err(SeedersError::UnknownContent(hex::encode(root)).into()),
        }
    }
    Ok(out)
}

/// Refuses a peer id another seeder uses.
fn check_peer_free(ctx: &mut Ctx<'_>, peer_id: &[u8], seeder: &Address) -> Result<(), TxError> {
    match keeper::peer_owner(ctx, peer_id)? {
        Some(owner) if owner != *seeder => Err(SeedersError::PeerIdInUse {
            peer_id: hex::encode(peer_id),
            seeder: owner.to_string(),
        }
        .into()),
        _ => Ok(()),
    }
}

struct NewSeeder {
    seeder: Address,
    amount: u128,
    peer_id: Vec<u8>,
    peer_key: [u8; 32],
    addrs: Vec<String>,
    contents: Vec<[u8; 32]>,
}

fn bond(deps: &Deps<'_>, ctx: &mut Ctx<'_>, new: NewSeeder) -> Result<(), TxError> {
    let params = keeper::params(ctx)?;
    if new.amount < params.min_bond {
        return Err(SeedersError::BondBelowMinimum {
            amount: new.amount,
            min: params.min_bond,
        }
        .into());
    }
    if keeper::seeder(ctx, &new.seeder)?.is_some() {
        return Err(SeedersError::AlreadyBonded(new.seeder.to_string()).into());
    }
    let count = keeper::count(ctx)?;
    if count >= u64::from(params.max_seeders) {
        return Err(SeedersError::TooManySeeders {
            max: params.max_seeders,
        }
        .into());
    }
    check_peer_free(ctx, &new.peer_id, &new.seeder)?;
    let contents = committed(deps, ctx, &params, &new.contents)?;
    deps.bank
        .transfer(ctx, &new.seeder, &bond_account(), &coins(new.amount)?)?;
    let record = SeederRecord {
        address: new.seeder,
        bond: new.amount,
        peer_id: new.peer_id,
        peer_key: new.peer_key,
        addrs: new.addrs,
        contents,
        status: Status::Bonded,
        unbonding_height: 0,
        jailed: false,
        jailed_until: 0,
        reputation: 0,
        failed_rounds: 0,
        bonded_height: ctx.block.height,
        slashed: 0,
    };
    keeper::set_seeder(ctx, &record)?;
    keeper::set_bonded(ctx, &record.address, true)?;
    keeper::set_peer(ctx, &record.peer_id, &record.address)?;
    keeper::set_count(ctx, count.checked_add(1).ok_or_else(|| overflow("count"))?)?;
    ctx.emit(event::bonded(&record));
    Ok(())
}

fn update(
    deps: &Deps<'_>,
    ctx: &mut Ctx<'_>,
    seeder: Address,
    peer: Option<(Vec<u8>, [u8; 32])>,
    addrs: Option<Vec<String>>,
    contents: Option<Vec<[u8; 32]>>,
    add_bond: u128,
) -> Result<(), TxError> {
    let params = keeper::params(ctx)?;
    let mut s = existing(ctx, &seeder)?;
    if s.status != Status::Bonded {
        return Err(SeedersError::NotBonded(seeder.to_string()).into());
    }
    if let Some((peer_id, peer_key)) = peer {
        if peer_id != s.peer_id {
            check_peer_free(ctx, &peer_id, &seeder)?;
            keeper::delete_peer(ctx, &s.peer_id)?;
            keeper::set_peer(ctx, &peer_id, &seeder)?;
            s.peer_id = peer_id;
            s.peer_key = peer_key;
        }
    }
    if let Some(addrs) = addrs {
        s.addrs = addrs;
    }
    if let Some(roots) = contents {
        s.contents = committed(deps, ctx, &params, &roots)?;
    }
    if add_bond > 0 {
        s.bond = s
            .bond
            .checked_add(add_bond)
            .ok_or_else(|| overflow("bond"))?;
        deps.bank
            .transfer(ctx, &seeder, &bond_account(), &coins(add_bond)?)?;
    }
    keeper::set_seeder(ctx, &s)?;
    ctx.emit(event::updated(&s));
    Ok(())
}

fn unbond(ctx: &mut Ctx<'_>, seeder: &Address) -> Result<(), TxError> {
    let params = keeper::params(ctx)?;
    let mut s = existing(ctx, seeder)?;
    if s.status == Status::Unbonding {
        return Err(SeedersError::AlreadyUnbonding(seeder.to_string()).into());
    }
    let completes = ctx
        .block
        .height
        .checked_add(params.unbonding_period_blocks)
        .ok_or_else(|| overflow("unbonding height"))?;
    s.status = Status::Unbonding;
    s.unbonding_height = completes;
    keeper::set_seeder(ctx, &s)?;
    keeper::set_bonded(ctx, seeder, false)?;
    ctx.put(state_key::unbonding(completes, seeder), Vec::new())?;
    ctx.emit(event::unbonding(seeder, completes));
    Ok(())
}

fn unjail(ctx: &mut Ctx<'_>, seeder: &Address) -> Result<(), TxError> {
    let params = keeper::params(ctx)?;
    let mut s = existing(ctx, seeder)?;
    if !s.jailed {
        return Err(SeedersError::NotJailed(seeder.to_string()).into());
    }
    let height = ctx.block.height;
    if height < s.jailed_until {
        return Err(SeedersError::StillJailed {
            until: s.jailed_until,
            height,
        }
        .into());
    }
    // As a validator must keep its minimum self-delegation: a bonded seeder slashed
    // below the minimum bond tops it up (MsgUpdateSeeder.add_bond) before it unjails.
    if s.status == Status::Bonded && s.bond < params.min_bond {
        return Err(SeedersError::BondBelowMinimum {
            amount: s.bond,
            min: params.min_bond,
        }
        .into());
    }
    s.jailed = false;
    s.jailed_until = 0;
    keeper::set_seeder(ctx, &s)?;
    ctx.emit(event::unjailed(seeder));
    Ok(())
}

/// Whether `proof` proves `leaf` at `index` of a `count`-leaf tree with `root`.
fn slice_verifies(
    proof: &MerkleProof,
    root: &[u8; 32],
    count: u64,
    index: u64,
    leaf: &[u8; 32],
) -> bool {
    proof.index == index && proof.leaf_count == count && proof.verify(root, leaf)
}

fn report_bad_slice(deps: &Deps<'_>, ctx: &mut Ctx<'_>, r: &BadSliceReport) -> Result<(), TxError> {
    let params = keeper::params(ctx)?;
    let mut s = existing(ctx, &r.seeder)?;
    let count = deps
        .content
        .slice_count(ctx, &r.content_root)?
        .ok_or_else(|| SeedersError::UnknownContent(hex::encode(r.content_root)))?;
    if r.slice_index >= count {
        return Err(SeedersError::InvalidReport(format!(
            "slice {} is beyond the content's {count} slices",
            r.slice_index
        ))
        .into());
    }
    let proof = MerkleProof::from_bytes(&r.proof)
        .map_err(|e| SeedersError::InvalidReport(format!("proof: {e}")))?;
    ctx.consume_gas(REPORT_GAS, "bad slice report")?;
    let sign_bytes = weave_slices::header::sign_bytes(
        &r.content_root,
        r.slice_index,
        &r.ciphertext_hash,
        &r.proof,
    );
    let signed = VerificationKey::try_from(s.peer_key)
        .map(|vk| {
            vk.verify(&Signature::from(r.signature), &sign_bytes)
                .is_ok()
        })
        .unwrap_or(false);
    if !signed {
        return Err(SeedersError::BadSignature(r.seeder.to_string()).into());
    }
    if slice_verifies(
        &proof,
        &r.content_root,
        count,
        r.slice_index,
        &r.ciphertext_hash,
    ) {
        return Err(SeedersError::SliceVerifies {
            index: r.slice_index,
        }
        .into());
    }
    let key = state_key::report(
        &r.seeder,
        &r.content_root,
        r.slice_index,
        &r.ciphertext_hash,
    );
    if keeper::reported(ctx, &key)? {
        return Err(SeedersError::AlreadyReported(r.seeder.to_string()).into());
    }
    ctx.put(key, ctx.block.height.to_be_bytes().to_vec())?;
    ctx.emit(event::bad_slice_reported(
        &r.seeder,
        &r.reporter,
        &r.content_root,
        r.slice_index,
        &r.ciphertext_hash,
    ));
    slash(
        deps.bank,
        ctx,
        &mut s,
        params.bad_slice_slash_bps,
        Some((&r.reporter, params.reporter_reward_bps)),
        "bad_slice",
    )?;
    jail(ctx, &mut s, &params, "bad_slice");
    keeper::set_seeder(ctx, &s)
}

/// Takes `bps` of the seeder's bond: the reporter's share of it (if any) to the
/// reporter, the rest burned. Returns the amount slashed. The caller stores the seeder.
pub(crate) fn slash(
    bank: &dyn Bank,
    ctx: &mut Ctx<'_>,
    s: &mut SeederRecord,
    bps: u32,
    reporter: Option<(&Address, u32)>,
    reason: &str,
) -> Result<u128, TxError> {
    let amount = bps_of(s.bond, bps);
    if amount == 0 {
        return Ok(0);
    }
    let reporter_reward = reporter.map_or(0, |(_, share)| bps_of(amount, share));
    let burned = amount - reporter_reward;
    if let Some((to, _)) = reporter {
        if reporter_reward > 0 {
            bank.transfer(ctx, &bond_account(), to, &coins(reporter_reward)?)?;
        }
    }
    if burned > 0 {
        bank.burn(ctx, &bond_account(), &coins(burned)?)?;
    }
    s.bond -= amount;
    s.slashed = s.slashed.saturating_add(amount);
    ctx.emit(event::slashed(&event::Slash {
        seeder: &s.address,
        amount,
        burned,
        reporter: reporter.map(|(a, _)| a),
        reporter_reward,
        reason,
    }));
    Ok(amount)
}

/// Jails the seeder for `jail_blocks` from now (a jail already running ends at the
/// later of the two). The caller stores the seeder.
pub(crate) fn jail(ctx: &mut Ctx<'_>, s: &mut SeederRecord, params: &Params, reason: &str) {
    let until = ctx.block.height.saturating_add(params.jail_blocks);
    s.jailed_until = if s.jailed {
        s.jailed_until.max(until)
    } else {
        until
    };
    s.jailed = true;
    ctx.emit(event::jailed(&s.address, s.jailed_until, reason));
}
