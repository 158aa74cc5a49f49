//! The transactions' messages, built from the proto types, and the off-chain objects
//! agents sign (vouchers, slice headers).

use prost::Message;
use weave_kernel::{Address, Any};
use weave_proto::weave::{
    channels::v1 as chan, content::v1 as content, seeders::v1 as seed, splits::v1 as splits,
    validators::v1 as vals,
};
use weave_slices::{leaf_hash, MerkleTree};

use crate::chain::{any, Key, CHAIN_ID};

pub(crate) const GIB: u128 = 1 << 30;
pub(crate) const MIB: u64 = 1 << 20;
/// Slices per simulated content (of 1 MiB each).
pub(crate) const SLICES: u64 = 5;

/// A simulated content: a real BLAKE3 Merkle tree over [`SLICES`] made-up ciphertext
/// leaves, so that a bad-slice report carries a real proof.
pub(crate) struct Content {
    pub(crate) tree: MerkleTree,
}

impl Content {
    pub(crate) fn new(label: &str) -> Self {
        let leaves = (0..SLICES)
            .map(|i| leaf_hash(format!("weave-sim/content/{label}/{i}").as_bytes()))
            .collect();
        Self {
            tree: MerkleTree::new(leaves),
        }
    }

    pub(crate) fn root(&self) -> [u8; 32] {
        self.tree.root()
    }
}

pub(crate) fn register(
    creator: &Address,
    root: [u8; 32],
    price_per_gib: u128,
    access: u128,
) -> Any {
    any(
        "/weave.content.v1.MsgRegisterContent",
        &content::MsgRegisterContent {
            creator: creator.to_string(),
            meta_hash: Some(content::MetaHash {
                root: root.to_vec(),
                slice_size: 1 << 20,
                slice_count: SLICES,
                plaintext_len: SLICES << 20,
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

pub(crate) fn bond(seeder: &Address, peer: &Key, amount: u128, roots: &[[u8; 32]]) -> Any {
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

pub(crate) fn add_bond(seeder: &Address, amount: u128) -> Any {
    any(
        "/weave.seeders.v1.MsgUpdateSeeder",
        &seed::MsgUpdateSeeder {
            seeder: seeder.to_string(),
            add_bond: amount.to_string(),
            ..Default::default()
        },
    )
}

pub(crate) fn unjail(seeder: &Address) -> Any {
    any(
        "/weave.seeders.v1.MsgUnjailSeeder",
        &seed::MsgUnjailSeeder {
            seeder: seeder.to_string(),
        },
    )
}

/// A report that `seeder` (whose peer key is `peer`) served garbage as slice `index`
/// of `content`: the header it signed over the garbage's leaf hash and the real proof.
pub(crate) fn report_bad_slice(
    reporter: &Address,
    seeder: &Address,
    peer: &Key,
    content: &Content,
    index: u64,
    garbage: &[u8],
) -> Any {
    let root = content.root();
    let hash = leaf_hash(garbage);
    let proof = content
        .tree
        .proof(index)
        .map(|p| p.to_bytes())
        .unwrap_or_default();
    let sign_bytes = weave_seeders::slice_header_sign_bytes(&root, index, &hash, &proof);
    any(
        "/weave.seeders.v1.MsgReportBadSlice",
        &seed::MsgReportBadSlice {
            reporter: reporter.to_string(),
            seeder: seeder.to_string(),
            content_root: root.to_vec(),
            slice_index: index,
            ciphertext_hash: hash.to_vec(),
            proof,
            signature: peer.sign(&sign_bytes),
        },
    )
}

pub(crate) fn create_validator(operator: &Address, consensus: &Key, self_bond: u128) -> Any {
    any(
        "/weave.validators.v1.MsgCreateValidator",
        &vals::MsgCreateValidator {
            operator: operator.to_string(),
            consensus_pubkey: consensus.public().to_vec(),
            self_bond: self_bond.to_string(),
            commission: Some(vals::Commission {
                rate_bps: 500,
                max_rate_bps: 2_000,
                max_change_rate_bps: 100,
                updated_at_seconds: 0,
            }),
            description: Some(vals::Description {
                moniker: format!("sim-{}", hex_byte(consensus.public()[0])),
                ..Default::default()
            }),
            min_self_delegation: "1".into(),
        },
    )
}

fn hex_byte(b: u8) -> String {
    format!("{b:02x}")
}

pub(crate) fn purchase(buyer: &Address, id: u64) -> Any {
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

pub(crate) fn open_channel(payer: &Address, voucher_key: &Key, deposit: u128, expiry: u64) -> Any {
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

/// A cumulative voucher signed over `"weave/voucher/v1" || encoded voucher`.
pub(crate) fn voucher(
    key: &Key,
    channel: u64,
    seeder: &Address,
    root: [u8; 32],
    bytes: u64,
    amount: u128,
    nonce: u64,
) -> chan::SignedVoucher {
    let v = chan::Voucher {
        chain_id: CHAIN_ID.into(),
        channel_id: channel,
        seeder: seeder.to_string(),
        content_root: root.to_vec(),
        cumulative_bytes: bytes,
        cumulative_amount: amount.to_string(),
        nonce,
    }
    .encode_to_vec();
    let mut signed = b"weave/voucher/v1".to_vec();
    signed.extend_from_slice(&v);
    chan::SignedVoucher {
        signature: key.sign(&signed),
        voucher: v,
    }
}

pub(crate) fn claim(seeder: &Address, vouchers: Vec<chan::SignedVoucher>) -> Any {
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
pub(crate) fn cost(mib: u64, price: u128) -> u128 {
    (u128::from(mib) * u128::from(MIB) * price).div_ceil(GIB)
}
