//! One run of a scenario: genesis, the agents' set-up blocks, then per epoch a block in
//! which viewers open channels and a block in which seeders claim the vouchers they were
//! paid with, empty blocks up to the epoch's end (where the seeders module moves
//! reputation and pays epoch rewards from the community pool), and a snapshot.
//!
//! Timeline (heights; `E` = `seeders.epoch_blocks`, epoch `k` ends at `k·E`):
//! - 1: creators and self-dealers register one content each;
//! - 2: seeders bond (honest ones on every honest content, a self-dealer on its own);
//!   viewers buy access to one honest content each (chosen at random);
//! - `(k−1)·E + 3`: each viewer opens a channel holding exactly what it will stream this
//!   epoch (a random number of MiB); each self-dealer's sybil does the same for its own
//!   content;
//! - `(k−1)·E + 4`: each seeder claims the vouchers of its viewers (viewers are spread
//!   over honest seeders round-robin, shifted each epoch), each self-dealer's seeder
//!   claims its sybil's voucher; every channel is drawn to zero.
//!
//! An agent's wealth is its balance plus its seeder bond; a self-dealer is one agent of
//! three accounts (content owner, seeder, sybil viewer). Every transaction pays the
//! standard fee and must succeed.

use std::io::Write;

use prost::Message;

use weave_kernel::{community_pool, Address, Any};
use weave_proto::weave::{
    channels::v1 as chan, content::v1 as content, seeders::v1 as seed, splits::v1 as splits,
};

use crate::{
    chain::{any, check_ok, parse_amount, Chain, Key, CHAIN_ID},
    Rng, Scenario, SimError,
};

const GIB: u128 = 1 << 30;
const MIB: u64 = 1 << 20;

/// An agent's strategy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Strategy {
    /// Registers content, is paid by purchases and by the split of streaming payments.
    Creator,
    /// Buys access and pays for what it streams.
    Viewer,
    /// Bonds, serves and claims its viewers' vouchers.
    HonestSeeder,
    /// Owns a content, seeds it and pays itself through a sybil viewer.
    SelfDealer,
}

impl Strategy {
    /// Every strategy, in output order.
    pub const ALL: [Strategy; 4] = [
        Strategy::Creator,
        Strategy::Viewer,
        Strategy::HonestSeeder,
        Strategy::SelfDealer,
    ];

    /// The name in the CSV.
    pub fn name(self) -> &'static str {
        match self {
            Strategy::Creator => "creator",
            Strategy::Viewer => "viewer",
            Strategy::HonestSeeder => "honest_seeder",
            Strategy::SelfDealer => "self_dealer",
        }
    }
}

/// One line of the output: a strategy's totals at the end of an epoch (epoch 0: at
/// genesis).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// The epoch just ended (0: genesis).
    pub epoch: u64,
    /// The height of the snapshot.
    pub height: i64,
    /// The strategy.
    pub strategy: Strategy,
    /// Agents following it.
    pub agents: usize,
    /// Their wealth (balances plus bonds), uweave.
    pub wealth: u128,
    /// Wealth change over this epoch.
    pub profit_epoch: i128,
    /// Wealth change since genesis.
    pub profit_total: i128,
    /// Their seeders' reputation, summed.
    pub reputation: u128,
    /// The community pool's balance.
    pub community_pool: u128,
}

/// One agent's profit over the whole run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentProfit {
    /// Its strategy.
    pub strategy: Strategy,
    /// Its index among the agents of that strategy.
    pub index: usize,
    /// Wealth change since genesis, uweave.
    pub profit: i128,
    /// Its seeder's reputation at the end (0 if it seeds nothing).
    pub reputation: u128,
}

/// What a run produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// The scenario's name.
    pub name: String,
    /// Per epoch and strategy.
    pub rows: Vec<Row>,
    /// Per agent, at the end.
    pub agents: Vec<AgentProfit>,
}

impl Report {
    /// The strategy's row of the last epoch.
    pub fn last(&self, strategy: Strategy) -> Option<&Row> {
        self.rows.iter().rev().find(|r| r.strategy == strategy)
    }

    /// The community pool at genesis and at the end.
    pub fn pool(&self) -> (u128, u128) {
        let first = self.rows.first().map_or(0, |r| r.community_pool);
        let last = self.rows.last().map_or(0, |r| r.community_pool);
        (first, last)
    }

    /// Writes the rows as CSV.
    pub fn write_csv(&self, mut out: impl Write) -> std::io::Result<()> {
        writeln!(
            out,
            "epoch,height,strategy,agents,wealth,profit_epoch,profit_total,reputation,community_pool"
        )?;
        for r in &self.rows {
            writeln!(
                out,
                "{},{},{},{},{},{},{},{},{}",
                r.epoch,
                r.height,
                r.strategy.name(),
                r.agents,
                r.wealth,
                r.profit_epoch,
                r.profit_total,
                r.reputation,
                r.community_pool
            )?;
        }
        Ok(())
    }

    /// A short human-readable summary of the last epoch.
    pub fn summary(&self) -> String {
        let mut s = String::new();
        let (pool0, pool1) = self.pool();
        s.push_str(&format!(
            "{}: community pool {pool0} -> {pool1} uweave\n",
            self.name
        ));
        for st in Strategy::ALL {
            if let Some(r) = self.last(st) {
                s.push_str(&format!(
                    "  {:<14} agents {:>3}  profit {:>14} uweave  reputation {:>10}\n",
                    st.name(),
                    r.agents,
                    r.profit_total,
                    r.reputation
                ));
            }
        }
        for a in &self.agents {
            s.push_str(&format!(
                "    {} #{}: profit {} reputation {}\n",
                a.strategy.name(),
                a.index,
                a.profit,
                a.reputation
            ));
        }
        s
    }
}

/// An agent: the accounts whose balances count, and the seeder among them if any.
struct Agent {
    strategy: Strategy,
    index: usize,
    accounts: Vec<Address>,
    seeder: Option<Address>,
}

struct Creator {
    key: Key,
    root: [u8; 32],
}

struct Viewer {
    key: Key,
    voucher_key: Key,
    /// Index into the honest contents.
    content: usize,
}

struct HonestSeeder {
    key: Key,
    peer: Key,
}

struct SelfDealer {
    owner: Key,
    seeder: Key,
    peer: Key,
    sybil: Key,
    sybil_voucher: Key,
    root: [u8; 32],
}

fn root_of(label: &str) -> [u8; 32] {
    use sha2::{Digest, Sha256};
    Sha256::digest(format!("weave-sim/content/{label}")).into()
}

fn register(creator: &Address, root: [u8; 32], price_per_gib: u128, access: u128) -> Any {
    any(
        "/weave.content.v1.MsgRegisterContent",
        &content::MsgRegisterContent {
            creator: creator.to_string(),
            meta_hash: Some(content::MetaHash {
                root: root.to_vec(),
                slice_size: 1 << 20,
                slice_count: 5,
                plaintext_len: 5 << 20,
                cipher: "chacha20-poly1305".into(),
            }),
            metadata: Some(content::Metadata {
                title: format!("sim {}", root[0]),
                mime_type: "video/mp4".into(),
                ..Default::default()
            }),
            access_price: access.to_string(),
            price_per_gib: price_per_gib.to_string(),
            split_recipients: vec![splits::Recipient {
                address: creator.to_string(),
                bps: 10_000,
            }],
            ..Default::default()
        },
    )
}

fn bond(seeder: &Address, peer: &Key, amount: u128, roots: &[[u8; 32]]) -> Any {
    any(
        "/weave.seeders.v1.MsgBondSeeder",
        &seed::MsgBondSeeder {
            seeder: seeder.to_string(),
            amount: amount.to_string(),
            peer_id: peer.peer_id(),
            addrs: vec!["/ip4/10.0.0.1/tcp/4001".into()],
            contents: roots.iter().map(|r| r.to_vec()).collect(),
        },
    )
}

fn purchase(buyer: &Address, id: u64) -> Any {
    any(
        "/weave.content.v1.MsgPurchaseAccess",
        &content::MsgPurchaseAccess {
            buyer: buyer.to_string(),
            content_id: id,
            quantity: 1,
            max_total_price: u64::MAX.to_string(),
        },
    )
}

fn open_channel(payer: &Address, voucher_key: &Key, deposit: u128, expiry: u64) -> Any {
    any(
        "/weave.channels.v1.MsgOpenChannel",
        &chan::MsgOpenChannel {
            payer: payer.to_string(),
            deposit: deposit.to_string(),
            voucher_key: voucher_key.public().to_vec(),
            expiry_height: expiry,
            collateral: String::new(),
        },
    )
}

/// A voucher for the whole of a fresh channel, signed over
/// `"weave/voucher/v1" || encoded voucher`.
fn voucher(
    key: &Key,
    channel: u64,
    seeder: &Address,
    root: [u8; 32],
    bytes: u64,
    amount: u128,
) -> chan::SignedVoucher {
    let v = chan::Voucher {
        chain_id: CHAIN_ID.into(),
        channel_id: channel,
        seeder: seeder.to_string(),
        content_root: root.to_vec(),
        cumulative_bytes: bytes,
        cumulative_amount: amount.to_string(),
        nonce: 1,
    }
    .encode_to_vec();
    let mut signed = b"weave/voucher/v1".to_vec();
    signed.extend_from_slice(&v);
    chan::SignedVoucher {
        signature: key.sign(&signed),
        voucher: v,
    }
}

fn claim(seeder: &Address, vouchers: Vec<chan::SignedVoucher>) -> Any {
    any(
        "/weave.channels.v1.MsgClaim",
        &chan::MsgClaim {
            seeder: seeder.to_string(),
            vouchers,
        },
    )
}

/// What streaming `mib` MiB costs at `price` per GiB, rounded up (a voucher may pay
/// more than due, never less).
fn cost(mib: u64, price: u128) -> u128 {
    (u128::from(mib) * u128::from(MIB) * price).div_ceil(GIB)
}

/// A block of signed transactions, each of which must succeed.
fn deliver(chain: &mut Chain, txs: Vec<(String, &Key, Vec<Any>)>) -> Result<(), SimError> {
    let mut bytes = Vec::with_capacity(txs.len());
    let mut names = Vec::with_capacity(txs.len());
    for (name, key, msgs) in txs {
        bytes.push(chain.sign_tx(key, msgs)?);
        names.push(name);
    }
    let res = chain.block(bytes)?;
    for (name, r) in names.iter().zip(&res.tx_results) {
        check_ok(name, r)?;
    }
    Ok(())
}

/// The seeder's bond and reputation (zero if it is not bonded).
fn seeder_state(chain: &Chain, seeder: &Address) -> Result<(u128, u128), SimError> {
    let res: Result<seed::QuerySeederResponse, _> = chain.query(
        "/weave.seeders.v1.Query/Seeder",
        &seed::QuerySeederRequest {
            address: seeder.to_string(),
        },
    );
    match res.ok().and_then(|r| r.seeder) {
        Some(s) => Ok((parse_amount(&s.bond)?, parse_amount(&s.reputation)?)),
        None => Ok((0, 0)),
    }
}

/// Wealth and reputation of one agent.
fn agent_state(chain: &Chain, a: &Agent) -> Result<(u128, u128), SimError> {
    let mut wealth = 0u128;
    for acc in &a.accounts {
        wealth += chain.balance(acc)?;
    }
    let mut reputation = 0;
    if let Some(s) = &a.seeder {
        let (bond, rep) = seeder_state(chain, s)?;
        wealth += bond;
        reputation = rep;
    }
    Ok((wealth, reputation))
}

fn diff(a: u128, b: u128) -> i128 {
    // Wealths stay far below 2^127 (the supply is fixed at genesis).
    (a as i128) - (b as i128)
}

/// Plays a scenario on a fresh chain.
pub fn run(scenario: &Scenario) -> Result<Report, SimError> {
    let pop = &scenario.population;
    let b = &scenario.behaviour;
    let mut rng = Rng::new(scenario.seed);

    let creators: Vec<Creator> = (0..pop.creators)
        .map(|i| Creator {
            key: Key::derive(&format!("creator/{i}")),
            root: root_of(&format!("creator/{i}")),
        })
        .collect();
    let viewers: Vec<Viewer> = (0..pop.viewers)
        .map(|i| Viewer {
            key: Key::derive(&format!("viewer/{i}")),
            voucher_key: Key::derive(&format!("viewer/{i}/voucher")),
            content: rng.below(creators.len()),
        })
        .collect();
    let seeders: Vec<HonestSeeder> = (0..pop.honest_seeders)
        .map(|i| HonestSeeder {
            key: Key::derive(&format!("seeder/{i}")),
            peer: Key::derive(&format!("seeder/{i}/peer")),
        })
        .collect();
    let dealers: Vec<SelfDealer> = (0..pop.self_dealers)
        .map(|i| SelfDealer {
            owner: Key::derive(&format!("dealer/{i}/owner")),
            seeder: Key::derive(&format!("dealer/{i}/seeder")),
            peer: Key::derive(&format!("dealer/{i}/peer")),
            sybil: Key::derive(&format!("dealer/{i}/sybil")),
            sybil_voucher: Key::derive(&format!("dealer/{i}/sybil/voucher")),
            root: root_of(&format!("dealer/{i}")),
        })
        .collect();

    let mut agents: Vec<Agent> = Vec::new();
    for (i, c) in creators.iter().enumerate() {
        agents.push(Agent {
            strategy: Strategy::Creator,
            index: i,
            accounts: vec![c.key.address()],
            seeder: None,
        });
    }
    for (i, v) in viewers.iter().enumerate() {
        agents.push(Agent {
            strategy: Strategy::Viewer,
            index: i,
            accounts: vec![v.key.address()],
            seeder: None,
        });
    }
    for (i, s) in seeders.iter().enumerate() {
        agents.push(Agent {
            strategy: Strategy::HonestSeeder,
            index: i,
            accounts: vec![s.key.address()],
            seeder: Some(s.key.address()),
        });
    }
    for (i, d) in dealers.iter().enumerate() {
        agents.push(Agent {
            strategy: Strategy::SelfDealer,
            index: i,
            accounts: vec![d.owner.address(), d.seeder.address(), d.sybil.address()],
            seeder: Some(d.seeder.address()),
        });
    }

    // Genesis: every account funded, the community pool funded, overrides applied.
    let funded: Vec<Address> = agents.iter().flat_map(|a| a.accounts.clone()).collect();
    let mut state = weave_genesis::AppState::with_funded(&funded, u128::from(b.initial_balance))
        .map_err(|e| SimError::Config(e.to_string()))?;
    if b.community_pool > 0 {
        state
            .add_balance(community_pool(), u128::from(b.community_pool))
            .map_err(|e| SimError::Config(e.to_string()))?;
    }
    let mut state = state
        .to_json()
        .map_err(|e| SimError::Config(e.to_string()))?;
    scenario.apply_overrides(&mut state)?;
    let epoch_blocks = state
        .pointer("/seeders/params/epoch_blocks")
        .and_then(serde_json::Value::as_u64)
        .ok_or_else(|| SimError::Config("genesis has no seeders epoch_blocks".into()))?;
    if epoch_blocks < 5 {
        return Err(SimError::Config(
            "seeders.epoch_blocks must be at least 5 (set-up, open, claim)".into(),
        ));
    }
    let mut chain = Chain::new(&state)?;

    let mut rows = Vec::new();
    let mut last: Vec<u128> = Vec::new();
    let mut first: Vec<u128> = Vec::new();
    let mut snapshot =
        |chain: &Chain, epoch: u64, rows: &mut Vec<Row>| -> Result<Vec<(u128, u128)>, SimError> {
            let pool = chain.balance(&community_pool())?;
            let states: Vec<(u128, u128)> = agents
                .iter()
                .map(|a| agent_state(chain, a))
                .collect::<Result<_, _>>()?;
            if first.is_empty() {
                first = states.iter().map(|s| s.0).collect();
                last = first.clone();
            }
            for st in Strategy::ALL {
                let idx: Vec<usize> = (0..agents.len())
                    .filter(|i| agents[*i].strategy == st)
                    .collect();
                let sum = |v: &dyn Fn(usize) -> u128| idx.iter().map(|i| v(*i)).sum::<u128>();
                let wealth = sum(&|i| states[i].0);
                rows.push(Row {
                    epoch,
                    height: chain.height,
                    strategy: st,
                    agents: idx.len(),
                    wealth,
                    profit_epoch: diff(wealth, sum(&|i| last[i])),
                    profit_total: diff(wealth, sum(&|i| first[i])),
                    reputation: sum(&|i| states[i].1),
                    community_pool: pool,
                });
            }
            last = states.iter().map(|s| s.0).collect();
            Ok(states)
        };
    snapshot(&chain, 0, &mut rows)?;

    // 1: contents. Ids follow registration order from 1: honest first, then dealers.
    let mut txs = Vec::new();
    for (i, c) in creators.iter().enumerate() {
        let msg = register(
            &c.key.address(),
            c.root,
            u128::from(b.price_per_gib),
            u128::from(b.access_price),
        );
        txs.push((format!("creator {i} registers"), &c.key, vec![msg]));
    }
    for (i, d) in dealers.iter().enumerate() {
        let msg = register(
            &d.owner.address(),
            d.root,
            u128::from(b.price_per_gib),
            u128::from(b.access_price),
        );
        txs.push((format!("dealer {i} registers"), &d.owner, vec![msg]));
    }
    deliver(&mut chain, txs)?;

    // 2: bonds and purchases.
    let honest_roots: Vec<[u8; 32]> = creators.iter().map(|c| c.root).collect();
    let mut txs = Vec::new();
    for (i, s) in seeders.iter().enumerate() {
        let msg = bond(
            &s.key.address(),
            &s.peer,
            u128::from(b.seeder_bond),
            &honest_roots,
        );
        txs.push((format!("seeder {i} bonds"), &s.key, vec![msg]));
    }
    for (i, d) in dealers.iter().enumerate() {
        let msg = bond(
            &d.seeder.address(),
            &d.peer,
            u128::from(b.seeder_bond),
            &[d.root],
        );
        txs.push((format!("dealer {i} bonds"), &d.seeder, vec![msg]));
    }
    for (i, v) in viewers.iter().enumerate() {
        let msg = purchase(&v.key.address(), v.content as u64 + 1);
        txs.push((format!("viewer {i} buys"), &v.key, vec![msg]));
    }
    deliver(&mut chain, txs)?;

    let mut channels = 0u64;
    for epoch in 1..=scenario.epochs {
        let start = (epoch - 1) * epoch_blocks;
        while (chain.height as u64) < start + 2 {
            chain.block(Vec::new())?;
        }
        // start + 3: channels, each holding exactly this epoch's streaming.
        let expiry = start + 10 * epoch_blocks;
        let shift = rng.below(seeders.len());
        let mut txs = Vec::new();
        // (seeder index, viewer index, channel, bytes, amount)
        let mut paid: Vec<(usize, usize, u64, u64, u128)> = Vec::new();
        for (i, v) in viewers.iter().enumerate() {
            let mib = rng.range(b.viewer_mib[0], b.viewer_mib[1]).max(1);
            let amount = cost(mib, u128::from(b.price_per_gib));
            let msg = open_channel(&v.key.address(), &v.voucher_key, amount, expiry);
            txs.push((format!("viewer {i} opens"), &v.key, vec![msg]));
            channels += 1;
            paid.push(((i + shift) % seeders.len(), i, channels, mib * MIB, amount));
        }
        let mut dealt: Vec<(usize, u64, u64, u128)> = Vec::new();
        for (i, d) in dealers.iter().enumerate() {
            let mib = b.self_deal_mib.max(1);
            let amount = cost(mib, u128::from(b.price_per_gib));
            let msg = open_channel(&d.sybil.address(), &d.sybil_voucher, amount, expiry);
            txs.push((format!("dealer {i}'s sybil opens"), &d.sybil, vec![msg]));
            channels += 1;
            dealt.push((i, channels, mib * MIB, amount));
        }
        deliver(&mut chain, txs)?;

        // start + 4: claims.
        let mut txs = Vec::new();
        for (si, s) in seeders.iter().enumerate() {
            let vouchers: Vec<chan::SignedVoucher> = paid
                .iter()
                .filter(|p| p.0 == si)
                .map(|&(_, vi, ch, bytes, amount)| {
                    let v = &viewers[vi];
                    voucher(
                        &v.voucher_key,
                        ch,
                        &s.key.address(),
                        creators[v.content].root,
                        bytes,
                        amount,
                    )
                })
                .collect();
            if !vouchers.is_empty() {
                let msg = claim(&s.key.address(), vouchers);
                txs.push((format!("seeder {si} claims"), &s.key, vec![msg]));
            }
        }
        for &(i, ch, bytes, amount) in &dealt {
            let d = &dealers[i];
            let v = voucher(
                &d.sybil_voucher,
                ch,
                &d.seeder.address(),
                d.root,
                bytes,
                amount,
            );
            let msg = claim(&d.seeder.address(), vec![v]);
            txs.push((format!("dealer {i} claims"), &d.seeder, vec![msg]));
        }
        deliver(&mut chain, txs)?;

        // Up to the epoch's end, where reputation moves and rewards are paid.
        while (chain.height as u64) < epoch * epoch_blocks {
            chain.block(Vec::new())?;
        }
        snapshot(&chain, epoch, &mut rows)?;
    }

    let states: Vec<(u128, u128)> = agents
        .iter()
        .map(|a| agent_state(&chain, a))
        .collect::<Result<_, _>>()?;
    let genesis_wealth = first.clone();
    let agents_out = agents
        .iter()
        .zip(&states)
        .zip(&genesis_wealth)
        .map(|((a, s), w0)| AgentProfit {
            strategy: a.strategy,
            index: a.index,
            profit: diff(s.0, *w0),
            reputation: s.1,
        })
        .collect();
    Ok(Report {
        name: scenario.name.clone(),
        rows,
        agents: agents_out,
    })
}
