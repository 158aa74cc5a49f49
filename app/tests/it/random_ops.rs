//! Whole-app invariants under random operation (issue 19, item 5).
//!
//! A seeded generator drives random transactions of every module — most of them
//! plausible, many of them failing (amounts beyond balances, unknown ids, wrong
//! owners, bad signatures, stale sequences) — through two instances of the app on
//! their own RocksDB directories, block after block. The first instance is closed
//! and reopened from its directory at random heights. After every block:
//! - both instances have the same app hash (and the reopened one kept it);
//! - the supply equals the sum of every balance (accounts and module accounts);
//! - every module account holds exactly what its module's books say it holds:
//!   the channels escrow its open channels' remaining deposits and collateral, the
//!   seeders account its seeders' bonds, the gov account its live proposals'
//!   deposits, the staking pools their validators' tokens and the unbonding entries;
//! - no channel has paid out more than was deposited in it.
//!
//! `RANDOM_OPS_SEEDS=1,2,3 RANDOM_OPS_BLOCKS=200` runs more (the default is kept
//! short for the suite); `RANDOM_OPS_VERBOSE=1` prints what executed and why the
//! rest was refused.

use std::collections::{BTreeMap, BTreeSet};

use prost::Message;
use rand::{rngs::StdRng, Rng, SeedableRng};
use tendermint_proto::v0_38::{
    abci::{CommitInfo, Validator, VoteInfo},
    types::BlockIdFlag,
};
use weave_kernel::{community_pool, gov_authority, Address, Any};
use weave_proto::weave::{
    channels::v1 as chan, gov::v1 as gov, seeders::v1 as seed, validators::v1 as val,
};

use crate::{
    golden::{self, m, CONS_A, CONS_B},
    harness::*,
};

/// Blocks per seed by default.
const BLOCKS: u64 = 60;

/// The seeds the suite runs by default.
const SEEDS: &[u64] = &[1, 2];

fn seeds() -> Vec<u64> {
    std::env::var("RANDOM_OPS_SEEDS")
        .ok()
        .map(|s| s.split(',').filter_map(|x| x.trim().parse().ok()).collect())
        .unwrap_or_else(|| SEEDS.to_vec())
}

fn blocks() -> u64 {
    std::env::var("RANDOM_OPS_BLOCKS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(BLOCKS)
}

/// What the generator knows of the chain: ids it may refer to (some of them wrong).
#[derive(Default)]
struct Known {
    contents: u64,
    channels: u64,
    proposals: u64,
    splits: u64,
    roots: Vec<[u8; 32]>,
    /// The last claimed (nonce, bytes, amount) of each (channel, seeder) lane.
    lanes: BTreeMap<(u64, usize), (u64, u64, u128)>,
}

/// Two instances of the app fed the same blocks.
struct Pair {
    a: TestChain,
    b: TestChain,
    commit: Option<CommitInfo>,
}

impl Pair {
    fn new() -> Self {
        let keys = golden::keys();
        let state = golden::genesis(&keys);
        let a = TestChain::with_genesis_json(keys.clone(), &state);
        let b = TestChain::with_genesis_json(keys, &state);
        assert_eq!(a.genesis_hash, b.genesis_hash);
        Self { a, b, commit: None }
    }

    /// Finalizes and commits `txs` on both instances; the results must agree.
    fn block(&mut self, txs: &[Vec<u8>]) -> Vec<(u32, String)> {
        let ra = self.a.finalize_with(txs, self.commit.clone(), Vec::new());
        let rb = self.b.finalize_with(txs, self.commit.clone(), Vec::new());
        self.a.commit();
        self.b.commit();
        let codes = |r: &tendermint_proto::v0_38::abci::ResponseFinalizeBlock| {
            r.tx_results
                .iter()
                .map(|t| (t.code, t.codespace.clone()))
                .collect::<Vec<_>>()
        };
        assert_eq!(codes(&ra), codes(&rb), "the instances disagree on results");
        ra.tx_results
            .iter()
            .map(|t| (t.code, format!("{}:{} {}", t.codespace, t.code, t.log)))
            .collect()
    }
}

/// A signed transaction of key `signer` at its committed sequence; `bad` signs it
/// with another key or at a stale sequence.
fn sign(chain: &TestChain, signer: usize, msgs: Vec<Any>, bad: u8) -> Vec<u8> {
    let key = &chain.keys[signer];
    let mut b = chain.tx(key, msgs);
    match bad {
        1 => {
            // Signed by the next key instead.
            let other = &chain.keys[(signer + 1) % chain.keys.len()];
            let mut raw = b.sign_raw(key);
            raw.signatures = b.sign_raw(other).signatures;
            raw.encode_to_vec()
        }
        2 => {
            b.sequence += 3;
            b.sign(key)
        }
        _ => b.sign(key),
    }
}

fn amount(rng: &mut StdRng) -> u128 {
    match rng.gen_range(0..10) {
        0 => golden::BALANCE * 2,
        1 => 0,
        2..=4 => rng.gen_range(1..1_000),
        _ => rng.gen_range(1_000..50_000_000),
    }
}

/// What a message adds to [`Known`] once it executes.
#[derive(Clone, Copy)]
enum Adds {
    Nothing,
    Content([u8; 32]),
    Channel,
    Proposal,
    Split,
    Lane(u64, usize, (u64, u64, u128)),
}

impl Known {
    fn apply(&mut self, adds: Adds) {
        match adds {
            Adds::Nothing => {}
            Adds::Content(root) => {
                self.contents += 1;
                self.roots.push(root);
            }
            Adds::Channel => self.channels += 1,
            Adds::Proposal => self.proposals += 1,
            Adds::Split => self.splits += 1,
            Adds::Lane(channel, seeder, last) => {
                self.lanes.insert((channel, seeder), last);
            }
        }
    }
}

/// An id of `n` that exist, now and then one that does not.
fn pick(rng: &mut StdRng, n: u64) -> u64 {
    if n == 0 || rng.gen_ratio(1, 8) {
        n + 1
    } else {
        rng.gen_range(1..=n)
    }
}

/// One random message by `from`, and what it adds to `known` if it executes.
fn random_msg(rng: &mut StdRng, known: &Known, addrs: &[Address], from: usize) -> (Vec<Any>, Adds) {
    let me = &addrs[from];
    let other = &addrs[rng.gen_range(0..addrs.len())];
    let validator = &addrs[rng.gen_range(0..2)];
    let mut adds = Adds::Nothing;
    let msgs = match rng.gen_range(0..18) {
        0 | 1 => vec![m::send(me, other, amount(rng))],
        2 => vec![m::delegate(me, validator, amount(rng))],
        3 => vec![m::undelegate(me, validator, rng.gen_range(1..5_000_000))],
        4 => vec![m::withdraw_rewards(me, validator)],
        5 => {
            let mut root = [0u8; 32];
            rng.fill(&mut root);
            adds = Adds::Content(root);
            let bps = if rng.gen_ratio(1, 6) { 9_000 } else { 7_000 };
            vec![m::register_content(
                me,
                root,
                rng.gen_range(0..100_000),
                &[(*me, bps), (*other, 3_000)],
            )]
        }
        6 => vec![m::purchase(
            me,
            pick(rng, known.contents),
            rng.gen_range(1..4),
        )],
        7 => vec![m::tip(me, pick(rng, known.contents), amount(rng))],
        8 => vec![m::transfer_access(
            me,
            other,
            pick(rng, known.contents),
            rng.gen_range(1..3),
        )],
        9 => {
            adds = Adds::Split;
            vec![m::create_split(me, &[(*me, 5_000), (*other, 5_000)], me)]
        }
        10 => {
            adds = Adds::Channel;
            vec![m::open_channel(
                me,
                amount(rng),
                rng.gen_range(1..200),
                if rng.gen_bool(0.5) { 0 } else { amount(rng) },
            )]
        }
        11 => vec![m::top_up(me, pick(rng, known.channels), amount(rng))],
        12 => vec![m::close_channel(me, pick(rng, known.channels))],
        13 => {
            // Every channel's voucher key is the golden one, so anyone can forge a
            // voucher for any channel: what is refused must be refused by the
            // chain's rules (lanes, nonces, amounts, bonds), not by the signature.
            let root = known
                .roots
                .get(rng.gen_range(0..known.roots.len().max(1)))
                .copied()
                .unwrap_or([0x11; 32]);
            // One voucher, mostly above the lane's last claim (in nonce, bytes and
            // amount), sometimes a replay or a step back.
            let channel = pick(rng, known.channels);
            let (nonce, bytes, amount) = known
                .lanes
                .get(&(channel, from))
                .copied()
                .unwrap_or_default();
            let next = if rng.gen_ratio(1, 5) {
                (nonce, bytes, amount)
            } else {
                (
                    nonce + 1,
                    bytes + rng.gen_range(1..5_000_000),
                    amount + rng.gen_range(1..2_000_000),
                )
            };
            adds = Adds::Lane(channel, from, next);
            let vouchers = vec![m::voucher(channel, me, root, next.1, next.2, next.0)];
            vec![m::claim(me, vouchers)]
        }
        14 => {
            let roots: Vec<[u8; 32]> = known.roots.iter().rev().take(2).copied().collect();
            vec![Any {
                type_url: "/weave.seeders.v1.MsgBondSeeder".into(),
                value: seed::MsgBondSeeder {
                    seeder: me.to_string(),
                    amount: rng.gen_range(1..30_000_000u128).to_string(),
                    // Each account its own libp2p identity.
                    peer_id: golden::peer_id(60 + from as u8),
                    addrs: vec!["/ip4/10.0.0.4/tcp/4001".into()],
                    contents: roots.iter().map(|r| r.to_vec()).collect(),
                }
                .encode_to_vec(),
            }]
        }
        15 => vec![m::unbond_seeder(me)],
        16 => {
            if rng.gen_bool(0.5) {
                adds = Adds::Proposal;
                vec![m::submit_proposal(
                    me,
                    vec![m::community_pool_spend(other, rng.gen_range(1..1_000))],
                    rng.gen_range(0..30_000_000),
                    rng.gen_bool(0.3),
                )]
            } else {
                vec![m::deposit(me, pick(rng, known.proposals), amount(rng))]
            }
        }
        _ => {
            let option = [
                gov::VoteOption::Yes,
                gov::VoteOption::No,
                gov::VoteOption::Abstain,
                gov::VoteOption::NoWithVeto,
            ][rng.gen_range(0..4)];
            // Mostly the newest proposal, the one most likely to be voting.
            let id = if rng.gen_bool(0.6) {
                known.proposals.max(1)
            } else {
                pick(rng, known.proposals)
            };
            vec![m::vote(me, id, option)]
        }
    };
    (msgs, adds)
}

fn num(s: &str) -> u128 {
    if s.is_empty() {
        0
    } else {
        s.parse().unwrap_or_else(|_| panic!("not an amount: {s:?}"))
    }
}

/// Every invariant of one instance after a block.
fn check_invariants(chain: &TestChain, known: &Known, holders: &BTreeSet<Address>) {
    let height = chain.height;
    // The supply equals the sum of every balance.
    let supply = chain.total_supply();
    let held: u128 = holders.iter().map(|a| chain.balance(a)).sum();
    assert_eq!(
        held, supply,
        "height {height}: the balances do not add up to the supply"
    );

    // The channels escrow holds what its channels still owe.
    let mut owed = 0u128;
    for id in 1..=known.channels {
        let res = chain.query_raw(
            "/weave.channels.v1.Query/Channel",
            chan::QueryChannelRequest { channel_id: id }.encode_to_vec(),
        );
        if res.code != 0 {
            continue;
        }
        let c = chan::QueryChannelResponse::decode(res.value.as_ref())
            .unwrap()
            .channel
            .unwrap();
        let (deposit, paid) = (num(&c.deposit), num(&c.paid));
        let (collateral, slashed) = (num(&c.collateral), num(&c.collateral_slashed));
        assert!(
            paid <= deposit,
            "height {height}: channel {id} paid {paid} of a deposit of {deposit}"
        );
        assert!(
            slashed <= collateral,
            "height {height}: channel {id} slashed {slashed} of a collateral of {collateral}"
        );
        if c.status != chan::ChannelStatus::Settled as i32 {
            owed += deposit - paid + collateral - slashed;
        }
    }
    assert_eq!(
        chain.balance(&weave_channels::escrow()),
        owed,
        "height {height}: the channels escrow"
    );

    // The seeders account holds the seeders' bonds.
    let seeders: seed::QuerySeedersResponse = chain.query(
        "/weave.seeders.v1.Query/Seeders",
        &seed::QuerySeedersRequest {
            page: Some(weave_proto::weave::base::v1::PageRequest {
                limit: 1_000,
                ..Default::default()
            }),
            ..Default::default()
        },
    );
    let bonds: u128 = seeders.seeders.iter().map(|s| num(&s.bond)).sum();
    assert_eq!(
        chain.balance(&weave_seeders::bond_account()),
        bonds,
        "height {height}: the seeders account"
    );

    // The gov account holds the deposits of proposals still in play.
    let mut deposits = 0u128;
    for status in [
        gov::ProposalStatus::DepositPeriod,
        gov::ProposalStatus::VotingPeriod,
    ] {
        let res: gov::QueryProposalsResponse = chain.query(
            "/weave.gov.v1.Query/Proposals",
            &gov::QueryProposalsRequest {
                status: status as i32,
                page: Some(weave_proto::weave::base::v1::PageRequest {
                    limit: 1_000,
                    ..Default::default()
                }),
            },
        );
        deposits += res
            .proposals
            .iter()
            .map(|p| num(&p.total_deposit))
            .sum::<u128>();
    }
    assert_eq!(
        chain.balance(&gov_authority()),
        deposits,
        "height {height}: the gov account"
    );

    // The staking pools hold the validators' tokens and the unbonding entries.
    let validators: val::QueryValidatorsResponse = chain.query(
        "/weave.validators.v1.Query/Validators",
        &val::QueryValidatorsRequest {
            status: 0,
            page: Some(weave_proto::weave::base::v1::PageRequest {
                limit: 1_000,
                ..Default::default()
            }),
        },
    );
    let tokens: u128 = validators.validators.iter().map(|v| num(&v.tokens)).sum();
    let mut unbonding = 0u128;
    for key in &chain.keys {
        let res: val::QueryDelegatorUnbondingsResponse = chain.query(
            "/weave.validators.v1.Query/DelegatorUnbondings",
            &val::QueryDelegatorUnbondingsRequest {
                delegator: key.address().to_string(),
                page: Some(weave_proto::weave::base::v1::PageRequest {
                    limit: 1_000,
                    ..Default::default()
                }),
            },
        );
        unbonding += res.entries.iter().map(|e| num(&e.balance)).sum::<u128>();
    }
    let pools = chain.balance(&Address::module(weave_validators::BONDED_POOL))
        + chain.balance(&Address::module(weave_validators::NOT_BONDED_POOL));
    assert_eq!(
        pools,
        tokens + unbonding,
        "height {height}: the staking pools"
    );
}

fn run(seed: u64) {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut pair = Pair::new();
    let addrs: Vec<Address> = (0..pair.a.keys.len()).map(|i| pair.a.addr(i)).collect();
    let mut known = Known::default();

    // Every address that can hold coins: the keys and every module account.
    let mut holders: BTreeSet<Address> = addrs.iter().copied().collect();
    holders.extend([
        weave_channels::escrow(),
        weave_seeders::bond_account(),
        gov_authority(),
        community_pool(),
        Address::module(weave_validators::BONDED_POOL),
        Address::module(weave_validators::NOT_BONDED_POOL),
        Address::module(weave_validators::DISTRIBUTION),
        Address::module(weave_validators::FEE_COLLECTOR),
    ]);

    // Block 1: validators A and B join; from then on they sign every block.
    let txs = vec![
        sign(
            &pair.a,
            0,
            vec![m::create_validator(&addrs[0], CONS_A, 10_000_000)],
            0,
        ),
        sign(
            &pair.a,
            1,
            vec![m::create_validator(&addrs[1], CONS_B, 20_000_000)],
            0,
        ),
    ];
    let results = pair.block(&txs);
    assert!(results.iter().all(|(c, _)| *c == 0), "{results:?}");
    pair.commit = Some(CommitInfo {
        round: 0,
        votes: [CONS_A, CONS_B]
            .iter()
            .map(|&c| VoteInfo {
                validator: Some(Validator {
                    address: golden::cons_address(c).into(),
                    power: golden::commit_power(c),
                }),
                block_id_flag: BlockIdFlag::Commit as i32,
            })
            .collect(),
    });

    let mut ok = 0usize;
    let mut failed = 0usize;
    // Per message type: (executed, refused).
    let mut by_type: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut reasons: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut restarts = 0usize;
    for _ in 1..blocks() {
        // At most one transaction per signer and block, at its committed sequence.
        let mut txs = Vec::new();
        let mut types = Vec::new();
        let mut effects = Vec::new();
        for signer in 0..addrs.len() {
            if !rng.gen_bool(0.6) {
                continue;
            }
            let (msgs, adds) = random_msg(&mut rng, &known, &addrs, signer);
            effects.push(adds);
            let bad = match rng.gen_range(0..20) {
                0 => 1,
                1 => 2,
                _ => 0,
            };
            types.push(msgs[0].type_url.clone());
            txs.push(sign(&pair.a, signer, msgs, bad));
        }
        for (((code, log), t), adds) in pair.block(&txs).into_iter().zip(types).zip(effects) {
            if code == 0 {
                known.apply(adds);
            } else {
                reasons
                    .entry(t.clone())
                    .or_default()
                    .insert(log.chars().take(90).collect());
            }
            let e = by_type.entry(t).or_default();
            if code == 0 {
                ok += 1;
                e.0 += 1;
            } else {
                failed += 1;
                e.1 += 1;
            }
        }
        let hash = pair.a.info().last_block_app_hash;
        assert_eq!(
            hash,
            pair.b.info().last_block_app_hash,
            "seed {seed}: app hashes differ at height {}",
            pair.a.height
        );
        if rng.gen_ratio(1, 8) {
            let info = pair.a.reopen();
            restarts += 1;
            assert_eq!(info.last_block_height, pair.b.height);
            assert_eq!(info.last_block_app_hash, hash, "the reopened app's hash");
        }
        check_invariants(&pair.a, &known, &holders);
        check_invariants(&pair.b, &known, &holders);
    }
    eprintln!(
        "seed {seed}: {} blocks, {ok} transactions executed, {failed} refused, {restarts} restarts",
        pair.a.height
    );
    if std::env::var_os("RANDOM_OPS_VERBOSE").is_some() {
        eprintln!("seed {seed}: (executed, refused) by type: {by_type:#?}");
        eprintln!("seed {seed}: refusals: {reasons:#?}");
    }
    // The run exercised both paths, not a chain of refusals.
    assert!(
        ok > 50 && failed > 20,
        "seed {seed}: {ok} ok, {failed} failed"
    );
    // The books checked were not empty: money went into every module account.
    for t in [
        "/weave.channels.v1.MsgOpenChannel",
        "/weave.channels.v1.MsgClaim",
        "/weave.seeders.v1.MsgBondSeeder",
        "/weave.gov.v1.MsgSubmitProposal",
        "/weave.validators.v1.MsgDelegate",
        "/weave.content.v1.MsgPurchaseAccess",
    ] {
        assert!(
            by_type.get(t).is_some_and(|e| e.0 > 0),
            "seed {seed}: no {t} executed: {by_type:?}"
        );
    }
}

#[test]
fn random_operation_of_every_module_keeps_every_invariant_across_restarts() {
    for seed in seeds() {
        run(seed);
    }
}
