//! Seeders module integration tests (layer 2): every message and its errors through
//! the `Module` trait over the test harness, with the real bank moving the money and
//! fakes for the content registry and the channels params; epochs, rewards, probes and
//! vote extensions through whole blocks; and one test with the real channels module
//! feeding bandwidth in.
#![allow(clippy::unwrap_used, missing_docs, unreachable_pub)]

use std::{
    collections::BTreeMap,
    sync::{Arc, Mutex},
};

use ed25519_consensus::{SigningKey, VerificationKey};
use weave_kernel::{
    community_pool,
    expected::{ChannelsParams, ContentRegistry, StreamingTerms},
    gov_authority, Address, Any, Ctx, Event, Module, TxError,
};
use weave_proto::weave::seeders::v1 as pb;
use weave_seeders::{
    bond_account, peer_id::ed25519_peer_id, SeedersModule, MSG_BOND_SEEDER, MSG_REPORT_BAD_SLICE,
    MSG_UNBOND_SEEDER, MSG_UNJAIL_SEEDER, MSG_UPDATE_PARAMS, MSG_UPDATE_SEEDER,
};
use weave_slices::{leaf_hash, MerkleTree};
use weave_testkit::{addr, any, Harness};

mod bond;
mod epoch;
mod farming;
mod probe;
mod report;
mod wiring;

pub const S1: u8 = 1;
pub const S2: u8 = 2;
pub const S3: u8 = 3;
pub const S4: u8 = 4;
pub const REPORTER: u8 = 9;
pub const PAYER: u8 = 10;
pub const FUNDS: u128 = 1_000_000;
pub const POOL: u128 = 10_000;
pub const BOND: u128 = 10_000;
/// The channels challenge period the fake reports.
pub const CHALLENGE_PERIOD: u64 = 10;

/// Content registered in the fake registry: root → slice count.
#[derive(Clone, Default)]
pub struct FakeContent(Arc<Mutex<BTreeMap<[u8; 32], u64>>>);

impl FakeContent {
    pub fn register(&self, root: [u8; 32], slices: u64) {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(root, slices);
    }
}

impl ContentRegistry for FakeContent {
    fn streaming_terms(
        &self,
        _: &mut Ctx<'_>,
        _: &[u8; 32],
    ) -> Result<Option<StreamingTerms>, TxError> {
        Ok(None)
    }
    fn slice_count(&self, _: &mut Ctx<'_>, root: &[u8; 32]) -> Result<Option<u64>, TxError> {
        Ok(self
            .0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(root)
            .copied())
    }
}

/// A fixed channels challenge period (or none, as before the channels genesis).
pub struct FakeChannels(pub Option<u64>);

impl ChannelsParams for FakeChannels {
    fn challenge_period_blocks(&self, _: &mut Ctx<'_>) -> Result<Option<u64>, TxError> {
        Ok(self.0)
    }
}

/// Content for the tests: 5 ciphertext slices and their Merkle tree.
pub struct Film {
    pub slices: Vec<Vec<u8>>,
    pub tree: MerkleTree,
}

impl Film {
    pub fn new(seed: u8) -> Self {
        let slices: Vec<Vec<u8>> = (0..5u8).map(|i| vec![seed ^ i; 64]).collect();
        let tree = MerkleTree::new(slices.iter().map(|s| leaf_hash(s)).collect());
        Self { slices, tree }
    }
    pub fn root(&self) -> [u8; 32] {
        self.tree.root()
    }
}

pub struct Env {
    pub h: Harness,
    pub module: Arc<SeedersModule>,
    pub content: FakeContent,
    pub film: Film,
    pub other_film: Film,
}

/// Small numbers: bond 1000 minimum, 3 seeders, 4 contents, unbonding in 20 blocks (2
/// per block), epochs of 10 blocks paying 1000 (each seeder at most 9999 bps of the
/// fees its payers paid and all of its bond), knee 100, probes every 5 blocks
/// reported 2 later, 4 challenges, jail after 2 failed rounds for 10 blocks.
pub fn test_params() -> serde_json::Value {
    serde_json::json!({
        "min_bond": 1000,
        "max_seeders": 3,
        "max_contents_per_seeder": 4,
        "unbonding_period_blocks": 20,
        "max_unbondings_per_block": 2,
        "epoch_blocks": 10,
        "epoch_reward": 1000,
        "max_reward_fee_bps": 9999,
        "max_reward_bond_bps": 10000,
        "decay_bps": 1000,
        "bandwidth_knee": 100,
        "probe_interval_blocks": 5,
        "probe_report_delay_blocks": 2,
        "challenges_per_validator": 4,
        "probe_pass_points": 10,
        "probe_fail_points": 50,
        "probe_fail_jail_threshold": 2,
        "probe_fail_slash_bps": 100,
        "bad_slice_slash_bps": 1000,
        "reporter_reward_bps": 5000,
        "jail_blocks": 10
    })
}

impl Default for Env {
    fn default() -> Self {
        Self::new()
    }
}

impl Env {
    pub fn new() -> Self {
        Self::with(test_params(), Some(CHALLENGE_PERIOD)).unwrap()
    }

    pub fn with(params: serde_json::Value, period: Option<u64>) -> Result<Self, TxError> {
        let content = FakeContent::default();
        let film = Film::new(0x10);
        let other_film = Film::new(0x20);
        content.register(film.root(), 5);
        content.register(other_film.root(), 5);
        let bank = Harness::new(vec![], &[], serde_json::Value::Null)?.bank();
        let module = Arc::new(SeedersModule::new(
            bank,
            Arc::new(content.clone()),
            Arc::new(FakeChannels(period)),
        ));
        let mut funded: Vec<(Address, u128)> = (1..=10).map(|n| (addr(n), FUNDS)).collect();
        funded.push((community_pool(), POOL));
        let h = Harness::new(
            vec![module.clone()],
            &funded,
            serde_json::json!({ "seeders": { "params": params } }),
        )?;
        Ok(Self {
            h,
            module,
            content,
            film,
            other_film,
        })
    }

    /// Ends blocks until the current height is `height`, giving each a block hash.
    pub fn advance_to(&mut self, height: u64) {
        while self.h.block.height < height {
            self.h.block.hash = block_hash(self.h.block.height);
            self.h.next_block().unwrap();
        }
        self.h.block.hash = block_hash(self.h.block.height);
    }

    pub fn bond(&mut self, n: u8, amount: u128) -> Result<(), TxError> {
        let m = bond_msg(n, amount, &[self.film.root()]);
        self.h.exec_checked(addr(n), &m)
    }

    pub fn seeder(&self, n: u8) -> Option<pb::Seeder> {
        let r: Result<pb::QuerySeederResponse, _> = self.h.query(
            "/weave.seeders.v1.Query/Seeder",
            &pb::QuerySeederRequest {
                address: addr(n).to_string(),
            },
        );
        r.ok().and_then(|r| r.seeder)
    }

    pub fn bond_of(&self, n: u8) -> u128 {
        self.seeder(n).unwrap().bond.parse().unwrap()
    }

    pub fn reputation(&self, n: u8) -> u128 {
        self.seeder(n).unwrap().reputation.parse().unwrap()
    }

    pub fn epoch_inputs(&self, n: u8) -> pb::QueryEpochInputsResponse {
        self.h
            .query(
                "/weave.seeders.v1.Query/EpochInputs",
                &pb::QueryEpochInputsRequest {
                    seeder: addr(n).to_string(),
                },
            )
            .unwrap()
    }

    /// Records a voucher payment as the channels module would.
    pub fn pay(&mut self, seeder: u8, payer: u8, amount: u128) {
        use weave_kernel::expected::PaidBandwidth;
        self.h
            .with_ctx(|ctx| {
                weave_seeders::BandwidthLedger.record(
                    ctx,
                    &addr(seeder),
                    &addr(payer),
                    1 << 20,
                    amount,
                )
            })
            .unwrap();
    }

    pub fn events(&mut self, kind: &str) -> Vec<Event> {
        self.h
            .take_events()
            .into_iter()
            .filter(|e| e.kind == kind)
            .collect()
    }
}

pub fn block_hash(height: u64) -> Vec<u8> {
    let mut h = vec![0u8; 32];
    h[..8].copy_from_slice(&height.to_be_bytes());
    h[31] = 0x5e;
    h
}

pub fn key(n: u8) -> SigningKey {
    SigningKey::from([n; 32])
}

pub fn peer(n: u8) -> Vec<u8> {
    ed25519_peer_id(&VerificationKey::from(&key(n)).to_bytes())
}

pub fn bond_msg(n: u8, amount: u128, roots: &[[u8; 32]]) -> Any {
    any(
        MSG_BOND_SEEDER,
        &pb::MsgBondSeeder {
            seeder: addr(n).to_string(),
            amount: amount.to_string(),
            peer_id: peer(n),
            addrs: vec![format!("/ip4/10.0.0.{n}/tcp/4001")],
            contents: roots.iter().map(|r| r.to_vec()).collect(),
        },
    )
}

pub fn update_msg(n: u8, f: impl FnOnce(&mut pb::MsgUpdateSeeder)) -> Any {
    let mut m = pb::MsgUpdateSeeder {
        seeder: addr(n).to_string(),
        ..Default::default()
    };
    f(&mut m);
    any(MSG_UPDATE_SEEDER, &m)
}

pub fn unbond_msg(n: u8) -> Any {
    any(
        MSG_UNBOND_SEEDER,
        &pb::MsgUnbondSeeder {
            seeder: addr(n).to_string(),
        },
    )
}

pub fn unjail_msg(n: u8) -> Any {
    any(
        MSG_UNJAIL_SEEDER,
        &pb::MsgUnjailSeeder {
            seeder: addr(n).to_string(),
        },
    )
}

pub fn params_msg(authority: Address, p: weave_seeders::Params) -> Any {
    any(
        MSG_UPDATE_PARAMS,
        &pb::MsgUpdateParams {
            authority: authority.to_string(),
            params: Some(p.to_proto()),
        },
    )
}

pub fn params(env: &Env) -> weave_seeders::Params {
    let r: pb::QueryParamsResponse = env
        .h
        .query("/weave.seeders.v1.Query/Params", &pb::QueryParamsRequest {})
        .unwrap();
    weave_seeders::Params::from_proto(&r.params.unwrap()).unwrap()
}

/// A report of slice `index` of `root`, as seeder `n` signed it with `signer`'s key.
pub fn report_msg(
    reporter: u8,
    n: u8,
    root: [u8; 32],
    index: u64,
    ciphertext_hash: [u8; 32],
    proof: Vec<u8>,
    signer: &SigningKey,
) -> Any {
    let sign_bytes = weave_seeders::slice_header_sign_bytes(&root, index, &ciphertext_hash, &proof);
    any(
        MSG_REPORT_BAD_SLICE,
        &pb::MsgReportBadSlice {
            reporter: addr(reporter).to_string(),
            seeder: addr(n).to_string(),
            content_root: root.to_vec(),
            slice_index: index,
            ciphertext_hash: ciphertext_hash.to_vec(),
            proof,
            signature: signer.sign(&sign_bytes).to_bytes().to_vec(),
        },
    )
}

pub fn code(r: Result<(), TxError>) -> (&'static str, u32) {
    let e = r.expect_err("expected an error");
    (e.codespace, e.code)
}

pub fn gov() -> Address {
    gov_authority()
}

pub fn pool_account() -> Address {
    bond_account()
}

pub fn module(env: &Env) -> Arc<dyn Module> {
    env.module.clone()
}
