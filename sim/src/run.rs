//! One run of a scenario on a fresh chain.
//!
//! Timeline (heights; `E` = `seeders.epoch_blocks`, epoch `k` ends at `k·E`):
//! - genesis: every agent's accounts funded, the community pool funded, the validators
//!   created by genesis transactions;
//! - 1: creators and self-dealers register one content each;
//! - 2: seeders bond (honest seeders, free-riders and corrupt seeders on every honest
//!   content, a self-dealer on its own); viewers buy access to one honest content each;
//! - `(k−1)·E + 3`: each viewer picks a seeder of its content, weighted by bandwidth:
//!   a free-rider serves nothing and a corrupt seeder serves a slice that does not
//!   verify (the viewer moves on to the next pick), an honest seeder serves if it is
//!   online this epoch (its uptime); the viewer opens a channel for what it streams
//!   from the one that served; each self-dealer's sybil opens one for its own content;
//!   every jailed seeder whose jail is up tops its bond up to `min_bond` and unjails;
//! - `(k−1)·E + 4`: each seeder claims its viewers' vouchers and each self-dealer
//!   claims its sybil's; viewers that got a bad slice report it (`MsgReportBadSlice`);
//! - `(k−1)·E + 5`: seeders that were handed a replayed voucher claim it (and are
//!   refused);
//! - every block carries the previous height's commit of every validator; when a probe
//!   round is due the block starts with the injected extended commit whose vote
//!   extensions are the validators' probe reports, as CometBFT's next proposer would
//!   send it: honest validators report what they would find (an honest seeder passes
//!   when online in that round, a self-dealer passes, a free-rider and a corrupt
//!   seeder fail), lazy ones pass everything without probing, colluding ones pass the
//!   cheats and fail the honest seeders.
//!
//! An agent's wealth is its balances plus its seeder bond; a self-dealer is one agent of
//! three accounts (content owner, seeder, sybil viewer). Channels are opened with
//! exactly what is then claimed (or less, for the cheats), so nothing sits in escrow at
//! a snapshot. A seeder serves in 1 MiB chunks and stops at the first chunk a voucher
//! does not cover, so a cheat gets at most one chunk a channel for free.

use std::collections::BTreeMap;

use prost::Message;
use tendermint_proto::v0_38::{
    abci::{CommitInfo, ExecTxResult, ExtendedCommitInfo, ExtendedVoteInfo, Validator, VoteInfo},
    types::BlockIdFlag,
};
use weave_kernel::{community_pool, consensus_address, Address, Any};
use weave_proto::weave::seeders::v1 as seed;
use weave_seeders::{challenges, expected_round, ProbeOutcome, ProbeReport};

use crate::{
    chain::{check_ok, parse_amount, sign_gen_tx, Chain, Key, CHAIN_ID},
    msg::{self, cost, Content, MIB, SLICES},
    report::{AgentEpoch, Counters, Report, Row, Strategy},
    Rng, Scenario, SimError,
};

/// Most vouchers in one claim message.
const CLAIM_BATCH: usize = 4;

/// Every validator's self-bond (equal powers).
const VALIDATOR_BOND: u128 = 10_000_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ValidatorKind {
    Honest,
    Lazy,
    Colluding,
}

struct SimValidator {
    consensus: Key,
    kind: ValidatorKind,
    power: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SeederKind {
    Honest,
    SelfDealer,
    FreeRider,
    Corrupt,
}

/// A seeder of the honest contents (honest, free-rider or corrupt).
struct Seeder {
    kind: SeederKind,
    key: Key,
    peer: Key,
    bandwidth: u64,
    uptime_bps: u64,
    agent: usize,
}

struct Viewer {
    key: Key,
    voucher_key: Key,
    /// Index into the honest contents.
    content: usize,
    agent: usize,
    cheats: bool,
}

struct SelfDealer {
    owner: Key,
    seeder: Key,
    peer: Key,
    sybil: Key,
    sybil_voucher: Key,
    content: Content,
    agent: usize,
}

/// An agent: the accounts whose balances count, and the seeder among them if any.
struct Agent {
    strategy: Strategy,
    index: usize,
    accounts: Vec<Address>,
    seeder: Option<Address>,
}

/// What the chain says of a seeder (zeros if it is not bonded).
#[derive(Debug, Clone, Copy, Default)]
struct SeederView {
    bond: u128,
    reputation: u128,
    jailed: bool,
    jailed_until: u64,
    slashed: u128,
}

fn seeder_view(chain: &Chain, seeder: &Address) -> Result<SeederView, SimError> {
    let res: Result<seed::QuerySeederResponse, _> = chain.query(
        "/weave.seeders.v1.Query/Seeder",
        &seed::QuerySeederRequest {
            address: seeder.to_string(),
        },
    );
    match res.ok().and_then(|r| r.seeder) {
        Some(s) => Ok(SeederView {
            bond: parse_amount(&s.bond)?,
            reputation: parse_amount(&s.reputation)?,
            jailed: s.jailed,
            jailed_until: s.jailed_until,
            slashed: parse_amount(&s.slashed)?,
        }),
        None => Ok(SeederView::default()),
    }
}

/// The chain with its validators: every block carries their commit of the previous
/// height and, when a probe round is reported, their probe reports.
struct Driver {
    chain: Chain,
    validators: Vec<SimValidator>,
    /// Every bonded seeder's kind and uptime, for the probes.
    targets: BTreeMap<Address, (SeederKind, u64)>,
    rng: Rng,
    probe_rounds: u64,
}

impl Driver {
    fn outcome(
        &self,
        kind: ValidatorKind,
        seeder: &Address,
        online: &BTreeMap<Address, bool>,
    ) -> ProbeOutcome {
        use ProbeOutcome::{Failed, Passed};
        let Some((target, _)) = self.targets.get(seeder) else {
            return Passed;
        };
        match (kind, target) {
            (ValidatorKind::Lazy, _) => Passed,
            (ValidatorKind::Colluding, SeederKind::Honest) => Failed,
            (ValidatorKind::Colluding, _) => Passed,
            (ValidatorKind::Honest, SeederKind::Honest) => {
                if online.get(seeder).copied().unwrap_or(true) {
                    Passed
                } else {
                    Failed
                }
            }
            (ValidatorKind::Honest, SeederKind::SelfDealer) => Passed,
            (ValidatorKind::Honest, SeederKind::FreeRider | SeederKind::Corrupt) => Failed,
        }
    }

    /// The validators' extended commit of `height` (the last committed one).
    fn extended_commit(&mut self, height: i64) -> Result<ExtendedCommitInfo, SimError> {
        let state = self.chain.state();
        let round = expected_round(state.as_ref(), height as u64)
            .map_err(|e| SimError::Chain(format!("probe round: {e}")))?;
        let mut online = BTreeMap::new();
        if round.is_some() {
            let draws: Vec<(Address, u64)> =
                self.targets.iter().map(|(a, (_, up))| (*a, *up)).collect();
            for (a, up) in draws {
                online.insert(a, self.rng.range(0, 9_999) < up);
            }
        }
        let mut votes = Vec::new();
        for v in &self.validators {
            let address = consensus_address(&v.consensus.public());
            let ext = match &round {
                Some(round) => {
                    let cs = challenges(round, &address, round.challenges_per_validator);
                    if cs.is_empty() {
                        Vec::new()
                    } else {
                        let outcomes: Vec<ProbeOutcome> = cs
                            .iter()
                            .map(|c| self.outcome(v.kind, &c.seeder, &online))
                            .collect();
                        ProbeReport::new(round.height, &cs, &outcomes).to_bytes()
                    }
                }
                None => Vec::new(),
            };
            let signature = v
                .consensus
                .sign(&weave_app::vote_ext::sign_bytes(&ext, height, 0, CHAIN_ID));
            votes.push(ExtendedVoteInfo {
                validator: Some(Validator {
                    address: address.to_vec().into(),
                    power: v.power,
                }),
                extension_signature: signature.into(),
                vote_extension: ext.into(),
                block_id_flag: BlockIdFlag::Commit as i32,
            });
        }
        Ok(ExtendedCommitInfo { round: 0, votes })
    }

    /// The next block with these transactions; returns their results.
    fn block(&mut self, txs: Vec<Vec<u8>>) -> Result<Vec<ExecTxResult>, SimError> {
        let height = self.chain.height;
        let mut all = Vec::with_capacity(txs.len() + 1);
        let mut last = None;
        let mut injected = false;
        if !self.validators.is_empty() && height >= 1 {
            let ext = self.extended_commit(height)?;
            last = Some(CommitInfo {
                round: 0,
                votes: ext
                    .votes
                    .iter()
                    .map(|v| VoteInfo {
                        validator: v.validator.clone(),
                        block_id_flag: v.block_id_flag,
                    })
                    .collect(),
            });
            if ext.votes.iter().any(|v| !v.vote_extension.is_empty()) {
                let mut tx = weave_app::vote_ext::INJECTED_PREFIX.to_vec();
                ext.encode(&mut tx)
                    .map_err(|e| SimError::Chain(format!("encode the extended commit: {e}")))?;
                all.push(tx);
                injected = true;
            }
        }
        all.extend(txs);
        let mut results = self.chain.finalize(all, last)?.tx_results;
        if injected {
            let r = results.remove(0);
            check_ok("the injected probe reports", &r)?;
            self.probe_rounds += 1;
        }
        Ok(results)
    }

    /// A block of signed transactions; returns each one's result.
    fn deliver_all(
        &mut self,
        txs: Vec<(String, &Key, Vec<Any>)>,
    ) -> Result<Vec<(String, ExecTxResult)>, SimError> {
        let mut bytes = Vec::with_capacity(txs.len());
        let mut names = Vec::with_capacity(txs.len());
        for (name, key, msgs) in txs {
            bytes.push(self.chain.sign_tx(key, msgs)?);
            names.push(name);
        }
        let res = self.block(bytes)?;
        Ok(names.into_iter().zip(res).collect())
    }

    /// A block of signed transactions, each of which must succeed.
    fn deliver(&mut self, txs: Vec<(String, &Key, Vec<Any>)>) -> Result<(), SimError> {
        for (name, r) in self.deliver_all(txs)? {
            check_ok(&name, &r)?;
        }
        Ok(())
    }

    fn empty_until(&mut self, height: u64) -> Result<(), SimError> {
        while (self.chain.height as u64) < height {
            self.block(Vec::new())?;
        }
        Ok(())
    }
}

fn diff(a: u128, b: u128) -> i128 {
    // Wealths stay far below 2^127 (the supply is fixed at genesis).
    (a as i128) - (b as i128)
}

/// A cheating viewer's tactic in an epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tactic {
    /// A deposit for half, a voucher beyond it: the claim records overspend.
    Overspend,
    /// A first voucher for half, then the same voucher again for more.
    Replay,
    /// A channel that expires the next block.
    ShortChannel,
}

fn tactic(epoch: u64, viewer: usize) -> Tactic {
    match (epoch + viewer as u64) % 3 {
        0 => Tactic::Overspend,
        1 => Tactic::Replay,
        _ => Tactic::ShortChannel,
    }
}

/// One voucher a seeder claims this epoch.
struct Paid {
    seeder: usize,
    viewer: usize,
    channel: u64,
    /// The voucher's cumulative bytes and amount.
    bytes: u64,
    amount: u128,
    /// Bytes served beyond what the voucher pays.
    unpaid: u64,
    tactic: Option<Tactic>,
}

/// Plays a scenario on a fresh chain.
pub fn run(scenario: &Scenario) -> Result<Report, SimError> {
    let pop = &scenario.population;
    let b = &scenario.behaviour;
    let price = u128::from(b.price_per_gib);
    let mut rng = Rng::new(scenario.seed);
    let mut agents: Vec<Agent> = Vec::new();
    let mut add_agent =
        |strategy: Strategy, index: usize, accounts: Vec<Address>, seeder: Option<Address>| {
            agents.push(Agent {
                strategy,
                index,
                accounts,
                seeder,
            });
            agents.len() - 1
        };

    let creators: Vec<(Key, Content)> = (0..pop.creators)
        .map(|i| {
            (
                Key::derive(&format!("creator/{i}")),
                Content::new(&format!("creator/{i}")),
            )
        })
        .collect();
    for (i, (k, _)) in creators.iter().enumerate() {
        add_agent(Strategy::Creator, i, vec![k.address()], None);
    }
    let mut viewers: Vec<Viewer> = Vec::new();
    for (cheats, n, label, strategy) in [
        (false, pop.viewers, "viewer", Strategy::Viewer),
        (
            true,
            pop.cheating_viewers,
            "cheater",
            Strategy::CheatingViewer,
        ),
    ] {
        for i in 0..n as usize {
            let key = Key::derive(&format!("{label}/{i}"));
            let agent = add_agent(strategy, i, vec![key.address()], None);
            viewers.push(Viewer {
                voucher_key: Key::derive(&format!("{label}/{i}/voucher")),
                key,
                content: rng.below(creators.len()),
                agent,
                cheats,
            });
        }
    }
    let [bw_lo, bw_hi] = b.seeder_bandwidth;
    let [up_lo, up_hi] = b.seeder_uptime_bps;
    let mut seeders: Vec<Seeder> = Vec::new();
    for (kind, n, label, strategy) in [
        (
            SeederKind::Honest,
            pop.honest_seeders,
            "seeder",
            Strategy::HonestSeeder,
        ),
        (
            SeederKind::FreeRider,
            pop.free_riders,
            "free-rider",
            Strategy::FreeRider,
        ),
        (
            SeederKind::Corrupt,
            pop.corrupt_seeders,
            "corrupt",
            Strategy::CorruptSeeder,
        ),
    ] {
        for i in 0..n as usize {
            let key = Key::derive(&format!("{label}/{i}"));
            let agent = add_agent(strategy, i, vec![key.address()], Some(key.address()));
            let (bandwidth, uptime_bps) = if kind == SeederKind::Honest {
                (rng.range(bw_lo, bw_hi), rng.range(up_lo, up_hi))
            } else {
                // The cheats advertise the best bandwidth and are always "up".
                (bw_hi, 10_000)
            };
            seeders.push(Seeder {
                kind,
                peer: Key::derive(&format!("{label}/{i}/peer")),
                key,
                bandwidth,
                uptime_bps,
                agent,
            });
        }
    }
    let dealers: Vec<SelfDealer> = (0..pop.self_dealers as usize)
        .map(|i| {
            let owner = Key::derive(&format!("dealer/{i}/owner"));
            let seeder = Key::derive(&format!("dealer/{i}/seeder"));
            let sybil = Key::derive(&format!("dealer/{i}/sybil"));
            let agent = add_agent(
                Strategy::SelfDealer,
                i,
                vec![owner.address(), seeder.address(), sybil.address()],
                Some(seeder.address()),
            );
            SelfDealer {
                owner,
                peer: Key::derive(&format!("dealer/{i}/peer")),
                sybil_voucher: Key::derive(&format!("dealer/{i}/sybil/voucher")),
                seeder,
                sybil,
                content: Content::new(&format!("dealer/{i}")),
                agent,
            }
        })
        .collect();
    let validator_keys: Vec<(Key, Key, ValidatorKind)> = (0..pop.validators)
        .map(|i| {
            let kind = if i < pop.lazy_validators {
                ValidatorKind::Lazy
            } else if i < pop.lazy_validators + pop.colluding_validators {
                ValidatorKind::Colluding
            } else {
                ValidatorKind::Honest
            };
            (
                Key::derive(&format!("validator/{i}")),
                Key::derive(&format!("validator/{i}/consensus")),
                kind,
            )
        })
        .collect();

    // Genesis.
    let mut funded: Vec<Address> = agents.iter().flat_map(|a| a.accounts.clone()).collect();
    funded.extend(validator_keys.iter().map(|v| v.0.address()));
    let mut state = weave_genesis::AppState::with_funded(&funded, u128::from(b.initial_balance))
        .map_err(|e| SimError::Config(e.to_string()))?;
    if b.community_pool > 0 {
        state
            .add_balance(community_pool(), u128::from(b.community_pool))
            .map_err(|e| SimError::Config(e.to_string()))?;
    }
    state.validators.gen_txs = validator_keys
        .iter()
        .map(|(op, cons, _)| {
            let msg = msg::create_validator(&op.address(), cons, VALIDATOR_BOND);
            weave_validators::GenesisState::encode_gen_tx(&sign_gen_tx(op, vec![msg]))
        })
        .collect();
    let mut state = state
        .to_json()
        .map_err(|e| SimError::Config(e.to_string()))?;
    scenario.apply_overrides(&mut state)?;
    let epoch_blocks = state
        .pointer("/seeders/params/epoch_blocks")
        .and_then(serde_json::Value::as_u64)
        .ok_or_else(|| SimError::Config("genesis has no seeders epoch_blocks".into()))?;
    if epoch_blocks < 8 {
        return Err(SimError::Config(
            "seeders.epoch_blocks must be at least 8 (set-up, open, claim, replay)".into(),
        ));
    }
    let min_bond = match state.pointer("/seeders/params/min_bond") {
        Some(serde_json::Value::String(v)) => parse_amount(v)?,
        Some(serde_json::Value::Number(n)) => n.as_u64().map(u128::from).unwrap_or(0),
        _ => return Err(SimError::Config("genesis has no seeders min_bond".into())),
    };
    let chain = Chain::new(&state)?;
    let mut validators = Vec::new();
    for (_, cons, kind) in validator_keys {
        let power = chain
            .validators
            .iter()
            .find(|(k, _)| *k == cons.public())
            .map(|(_, p)| *p)
            .ok_or_else(|| SimError::Chain("a genesis validator is not in the set".into()))?;
        validators.push(SimValidator {
            consensus: cons,
            kind,
            power,
        });
    }
    let mut targets = BTreeMap::new();
    for s in &seeders {
        targets.insert(s.key.address(), (s.kind, s.uptime_bps));
    }
    for d in &dealers {
        targets.insert(d.seeder.address(), (SeederKind::SelfDealer, 10_000));
    }
    let mut driver = Driver {
        chain,
        validators,
        targets,
        rng: Rng::new(scenario.seed ^ 0x5eed_5eed),
        probe_rounds: 0,
    };

    let mut rows = Vec::new();
    let mut trace = Vec::new();
    let mut first: Vec<u128> = Vec::new();
    let mut last: Vec<u128> = Vec::new();
    let mut bytes = vec![0u64; agents.len()];
    let mut unpaid = vec![0u64; agents.len()];
    let mut counters = Counters::default();
    let snapshot = |chain: &Chain,
                    epoch: u64,
                    bytes: &mut Vec<u64>,
                    unpaid: &mut Vec<u64>,
                    first: &mut Vec<u128>,
                    last: &mut Vec<u128>,
                    rows: &mut Vec<Row>,
                    trace: &mut Vec<AgentEpoch>|
     -> Result<Vec<SeederView>, SimError> {
        let pool = chain.balance(&community_pool())?;
        let mut wealth = Vec::with_capacity(agents.len());
        let mut views = Vec::with_capacity(agents.len());
        for a in &agents {
            let mut w = 0u128;
            for acc in &a.accounts {
                w += chain.balance(acc)?;
            }
            let view = match &a.seeder {
                Some(s) => seeder_view(chain, s)?,
                None => SeederView::default(),
            };
            w += view.bond;
            wealth.push(w);
            views.push(view);
        }
        if first.is_empty() {
            *first = wealth.clone();
            *last = wealth.clone();
        }
        for (i, a) in agents.iter().enumerate() {
            if epoch > 0 {
                trace.push(AgentEpoch {
                    epoch,
                    strategy: a.strategy,
                    index: a.index,
                    profit_epoch: diff(wealth[i], last[i]),
                    profit_total: diff(wealth[i], first[i]),
                    reputation: views[i].reputation,
                    bond: views[i].bond,
                    bytes: bytes[i],
                    unpaid_bytes: unpaid[i],
                    jailed: views[i].jailed,
                    slashed: views[i].slashed,
                });
            }
        }
        for st in Strategy::ALL {
            let idx: Vec<usize> = (0..agents.len())
                .filter(|i| agents[*i].strategy == st)
                .collect();
            let sum = |f: &dyn Fn(usize) -> u128| idx.iter().map(|i| f(*i)).sum::<u128>();
            let w = sum(&|i| wealth[i]);
            rows.push(Row {
                epoch,
                height: chain.height,
                strategy: st,
                agents: idx.len(),
                wealth: w,
                profit_epoch: diff(w, sum(&|i| last[i])),
                profit_total: diff(w, sum(&|i| first[i])),
                reputation: sum(&|i| views[i].reputation),
                bond: sum(&|i| views[i].bond),
                bytes: idx.iter().map(|i| bytes[*i]).sum(),
                unpaid_bytes: idx.iter().map(|i| unpaid[*i]).sum(),
                jailed: idx.iter().filter(|i| views[**i].jailed).count(),
                slashed: sum(&|i| views[i].slashed),
                community_pool: pool,
            });
        }
        *last = wealth;
        bytes.iter_mut().for_each(|x| *x = 0);
        unpaid.iter_mut().for_each(|x| *x = 0);
        Ok(views)
    };
    snapshot(
        &driver.chain,
        0,
        &mut bytes,
        &mut unpaid,
        &mut first,
        &mut last,
        &mut rows,
        &mut trace,
    )?;

    // 1: contents. Ids follow registration order from 1: honest first, then dealers.
    let mut txs = Vec::new();
    for (i, (k, c)) in creators.iter().enumerate() {
        let m = msg::register(&k.address(), c.root(), price, u128::from(b.access_price));
        txs.push((format!("creator {i} registers"), k, vec![m]));
    }
    for (i, d) in dealers.iter().enumerate() {
        let m = msg::register(
            &d.owner.address(),
            d.content.root(),
            price,
            u128::from(b.access_price),
        );
        txs.push((format!("dealer {i} registers"), &d.owner, vec![m]));
    }
    driver.deliver(txs)?;

    // 2: bonds and purchases.
    let honest_roots: Vec<[u8; 32]> = creators.iter().map(|(_, c)| c.root()).collect();
    let mut txs = Vec::new();
    for (i, s) in seeders.iter().enumerate() {
        let m = msg::bond(
            &s.key.address(),
            &s.peer,
            u128::from(b.seeder_bond),
            &honest_roots,
        );
        txs.push((format!("seeder {i} bonds"), &s.key, vec![m]));
    }
    for (i, d) in dealers.iter().enumerate() {
        let m = msg::bond(
            &d.seeder.address(),
            &d.peer,
            u128::from(b.seeder_bond),
            &[d.content.root()],
        );
        txs.push((format!("dealer {i} bonds"), &d.seeder, vec![m]));
    }
    for (i, v) in viewers.iter().enumerate() {
        let m = msg::purchase(&v.key.address(), v.content as u64 + 1);
        txs.push((format!("viewer {i} buys"), &v.key, vec![m]));
    }
    driver.deliver(txs)?;

    let mut channels = 0u64;
    for epoch in 1..=scenario.epochs {
        let start = (epoch - 1) * epoch_blocks;
        driver.empty_until(start + 2)?;
        let open_height = start + 3;
        let views: Vec<SeederView> = agents
            .iter()
            .map(|a| {
                a.seeder.map_or(Ok(SeederView::default()), |s| {
                    seeder_view(&driver.chain, &s)
                })
            })
            .collect::<Result<_, _>>()?;

        // Who serves whom this epoch.
        let online: Vec<bool> = seeders
            .iter()
            .map(|s| rng.range(0, 9_999) < s.uptime_bps)
            .collect();
        let mut reports: Vec<(usize, usize)> = Vec::new(); // (viewer, corrupt seeder)
        let mut served_by: Vec<Option<usize>> = vec![None; viewers.len()];
        for (vi, _) in viewers.iter().enumerate() {
            let mut candidates: Vec<usize> = (0..seeders.len())
                .filter(|si| {
                    let v = &views[seeders[*si].agent];
                    v.bond > 0 && !v.jailed
                })
                .collect();
            while !candidates.is_empty() {
                let total: u64 = candidates.iter().map(|si| seeders[*si].bandwidth).sum();
                let mut pick = rng.range(0, total.saturating_sub(1));
                let mut at = 0;
                for (k, si) in candidates.iter().enumerate() {
                    if pick < seeders[*si].bandwidth {
                        at = k;
                        break;
                    }
                    pick -= seeders[*si].bandwidth;
                }
                let si = candidates.remove(at);
                match seeders[si].kind {
                    SeederKind::Honest if online[si] => {
                        served_by[vi] = Some(si);
                        break;
                    }
                    // One report a viewer an epoch (a second would come from the same key
                    // in the same block).
                    SeederKind::Corrupt if !reports.iter().any(|r| r.0 == vi) => {
                        reports.push((vi, si));
                    }
                    _ => {}
                }
            }
        }

        // start + 3: channels; unjail attempts.
        let expiry = start + 10 * epoch_blocks;
        let mut txs = Vec::new();
        let mut must_pass = Vec::new();
        let mut paid: Vec<Paid> = Vec::new();
        for (vi, v) in viewers.iter().enumerate() {
            let Some(si) = served_by[vi] else { continue };
            let mib = rng.range(b.viewer_mib[0], b.viewer_mib[1]).max(2);
            let t = v.cheats.then(|| tactic(epoch, vi));
            let half = mib / 2;
            let (deposit, exp, vbytes, amount, extra) = match t {
                None => (cost(mib, price), expiry, mib * MIB, cost(mib, price), 0),
                Some(Tactic::Overspend) => (
                    cost(half, price),
                    expiry,
                    (half + 1) * MIB,
                    cost(half + 1, price),
                    0,
                ),
                Some(Tactic::Replay) => (
                    cost(half, price),
                    expiry,
                    half * MIB,
                    cost(half, price),
                    MIB,
                ),
                Some(Tactic::ShortChannel) => (
                    cost(mib, price),
                    open_height + 1,
                    mib * MIB,
                    cost(mib, price),
                    0,
                ),
            };
            let m = msg::open_channel(&v.key.address(), &v.voucher_key, deposit, exp);
            must_pass.push(txs.len());
            txs.push((format!("viewer {vi} opens"), &v.key, vec![m]));
            channels += 1;
            // An overspending voucher's last MiB is beyond the deposit: served, not paid.
            let beyond = if t == Some(Tactic::Overspend) { MIB } else { 0 };
            paid.push(Paid {
                seeder: si,
                viewer: vi,
                channel: channels,
                bytes: vbytes,
                amount,
                unpaid: beyond + extra,
                tactic: t,
            });
        }
        let mut dealt: Vec<(usize, u64, u64, u128)> = Vec::new();
        for (i, d) in dealers.iter().enumerate() {
            let mib = b.self_deal_mib.max(1);
            let amount = cost(mib, price);
            let m = msg::open_channel(&d.sybil.address(), &d.sybil_voucher, amount, expiry);
            must_pass.push(txs.len());
            txs.push((format!("dealer {i}'s sybil opens"), &d.sybil, vec![m]));
            channels += 1;
            dealt.push((i, channels, mib * MIB, amount));
        }
        // Every jailed seeder whose jail is up tops its bond up to `min_bond` and
        // unjails (honest ones to earn again, the cheats to try again).
        let mut unjailing = Vec::new();
        for (si, s) in seeders.iter().enumerate() {
            let v = &views[s.agent];
            if v.jailed && v.jailed_until <= open_height {
                let mut msgs = Vec::new();
                if v.bond < min_bond {
                    msgs.push(msg::add_bond(&s.key.address(), min_bond - v.bond));
                }
                msgs.push(msg::unjail(&s.key.address()));
                unjailing.push(txs.len());
                txs.push((format!("seeder {si} unjails"), &s.key, msgs));
            }
        }
        let res = driver.deliver_all(txs)?;
        for i in &must_pass {
            check_ok(&res[*i].0, &res[*i].1)?;
        }
        counters.unjails += unjailing.iter().filter(|i| res[**i].1.code == 0).count() as u64;

        // start + 4: claims and bad-slice reports.
        let mut txs = Vec::new();
        let mut claimers = Vec::new();
        for (si, s) in seeders.iter().enumerate() {
            let vouchers: Vec<_> = paid
                .iter()
                .filter(|p| p.seeder == si)
                .map(|p| {
                    let v = &viewers[p.viewer];
                    msg::voucher(
                        &v.voucher_key,
                        p.channel,
                        &s.key.address(),
                        honest_roots[v.content],
                        p.bytes,
                        p.amount,
                        1,
                    )
                })
                .collect();
            if !vouchers.is_empty() {
                // A claim message of at most CLAIM_BATCH vouchers keeps each within
                // one message's gas.
                let msgs = vouchers
                    .chunks(CLAIM_BATCH)
                    .map(|c| msg::claim(&s.key.address(), c.to_vec()))
                    .collect();
                claimers.push(txs.len());
                txs.push((format!("seeder {si} claims"), &s.key, msgs));
            }
        }
        for &(i, ch, vbytes, amount) in &dealt {
            let d = &dealers[i];
            let v = msg::voucher(
                &d.sybil_voucher,
                ch,
                &d.seeder.address(),
                d.content.root(),
                vbytes,
                amount,
                1,
            );
            claimers.push(txs.len());
            txs.push((
                format!("dealer {i} claims"),
                &d.seeder,
                vec![msg::claim(&d.seeder.address(), vec![v])],
            ));
        }
        let mut reporting = Vec::new();
        for &(vi, si) in &reports {
            let v = &viewers[vi];
            let s = &seeders[si];
            let index = rng.below(SLICES as usize) as u64;
            let garbage = format!("garbage/{epoch}/{vi}");
            let m = msg::report_bad_slice(
                &v.key.address(),
                &s.key.address(),
                &s.peer,
                &creators[v.content].1,
                index,
                garbage.as_bytes(),
            );
            reporting.push(txs.len());
            txs.push((format!("viewer {vi} reports seeder {si}"), &v.key, vec![m]));
        }
        let res = driver.deliver_all(txs)?;
        for i in &claimers {
            check_ok(&res[*i].0, &res[*i].1)?;
        }
        for i in &reporting {
            if res[*i].1.code == 0 {
                counters.bad_slice_reports += 1;
            } else {
                counters.bad_slice_refused += 1;
            }
        }
        for p in &paid {
            let s = seeders[p.seeder].agent;
            let v = viewers[p.viewer].agent;
            let served = p.bytes
                + if p.tactic == Some(Tactic::Replay) {
                    MIB
                } else {
                    0
                };
            bytes[s] += p.bytes;
            unpaid[s] += p.unpaid;
            bytes[v] += served;
            unpaid[v] += p.unpaid;
            match p.tactic {
                Some(Tactic::Overspend) => counters.overspends += 1,
                Some(Tactic::ShortChannel) => counters.short_channels_paid += 1,
                _ => {}
            }
        }
        for &(i, _, vbytes, _) in &dealt {
            bytes[dealers[i].agent] += vbytes;
        }

        // start + 5: the replayed vouchers, claimed again (one claim per seeder).
        let mut txs = Vec::new();
        let mut counts = Vec::new();
        for (si, s) in seeders.iter().enumerate() {
            let again: Vec<_> = paid
                .iter()
                .filter(|p| p.seeder == si && p.tactic == Some(Tactic::Replay))
                .map(|p| {
                    let v = &viewers[p.viewer];
                    msg::voucher(
                        &v.voucher_key,
                        p.channel,
                        &s.key.address(),
                        honest_roots[v.content],
                        p.bytes,
                        p.amount,
                        1,
                    )
                })
                .collect();
            if !again.is_empty() {
                counts.push(again.len() as u64);
                let msgs = again
                    .chunks(CLAIM_BATCH)
                    .map(|c| msg::claim(&s.key.address(), c.to_vec()))
                    .collect();
                txs.push((format!("seeder {si} claims replays"), &s.key, msgs));
            }
        }
        if !txs.is_empty() {
            for ((_, r), n) in driver.deliver_all(txs)?.into_iter().zip(counts) {
                if r.code == 0 {
                    counters.replays_accepted += n;
                } else if r.codespace == "channels" && (r.code == 14 || r.code == 15) {
                    counters.replays_refused += n;
                } else {
                    return Err(SimError::Tx {
                        what: "a replayed voucher".into(),
                        code: r.code,
                        log: format!("{}: {}", r.codespace, r.log),
                    });
                }
            }
        }

        // Up to the epoch's end, where reputation moves and rewards are paid.
        driver.empty_until(epoch * epoch_blocks)?;
        snapshot(
            &driver.chain,
            epoch,
            &mut bytes,
            &mut unpaid,
            &mut first,
            &mut last,
            &mut rows,
            &mut trace,
        )?;
    }
    counters.probe_rounds = driver.probe_rounds;
    Ok(Report {
        name: scenario.name.clone(),
        rows,
        agents: trace,
        counters,
    })
}
