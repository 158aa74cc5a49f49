//! A seeder as the module works with it, the content it commits to serve, and a probe
//! round as state keeps it.

use weave_kernel::{parse_amount, Address};
use weave_proto::weave::seeders::v1 as pb;

/// Where a seeder is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Serves, is probed, earns reputation and rewards (unless jailed).
    Bonded,
    /// Waits for its bond's return; can still be slashed.
    Unbonding,
}

/// One content a seeder commits to serve.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CommittedContent {
    /// The content's Merkle root.
    pub root: [u8; 32],
    /// Its slice count: the tree's leaf count.
    pub slice_count: u64,
}

impl CommittedContent {
    /// The wire form.
    pub fn to_wire(&self) -> pb::CommittedContent {
        pb::CommittedContent {
            root: self.root.to_vec(),
            slice_count: self.slice_count,
        }
    }

    /// From the wire form; `None` unless the root is 32 bytes.
    pub fn from_wire(c: &pb::CommittedContent) -> Option<Self> {
        Some(Self {
            root: c.root.as_slice().try_into().ok()?,
            slice_count: c.slice_count,
        })
    }
}

/// A bonded (or unbonding) seeder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeederRecord {
    /// The seeder's account.
    pub address: Address,
    /// The bond held, after slashes.
    pub bond: u128,
    /// Its sidecar's libp2p peer id.
    pub peer_id: Vec<u8>,
    /// The ed25519 key inside the peer id, which signs slice headers.
    pub peer_key: [u8; 32],
    /// Where its sidecar listens.
    pub addrs: Vec<String>,
    /// What it serves.
    pub contents: Vec<CommittedContent>,
    /// Bonded or unbonding.
    pub status: Status,
    /// When unbonding: when the bond returns.
    pub unbonding_height: u64,
    /// Jailed seeders are not probed and earn no rewards until they unjail.
    pub jailed: bool,
    /// When jailed: the first height at which unjailing is accepted.
    pub jailed_until: u64,
    /// The integer reputation.
    pub reputation: u128,
    /// Probe rounds failed in a row.
    pub failed_rounds: u32,
    /// When it bonded.
    pub bonded_height: u64,
    /// Slashed in total.
    pub slashed: u128,
}

impl SeederRecord {
    /// Whether it is probed and paid: bonded and not jailed.
    pub fn is_active(&self) -> bool {
        self.status == Status::Bonded && !self.jailed
    }

    /// The wire form.
    pub fn to_wire(&self) -> pb::Seeder {
        pb::Seeder {
            address: self.address.to_string(),
            bond: self.bond.to_string(),
            peer_id: self.peer_id.clone(),
            peer_key: self.peer_key.to_vec(),
            addrs: self.addrs.clone(),
            contents: self
                .contents
                .iter()
                .map(CommittedContent::to_wire)
                .collect(),
            status: match self.status {
                Status::Bonded => pb::SeederStatus::Bonded,
                Status::Unbonding => pb::SeederStatus::Unbonding,
            } as i32,
            unbonding_height: self.unbonding_height,
            jailed: self.jailed,
            jailed_until: self.jailed_until,
            reputation: self.reputation.to_string(),
            failed_rounds: self.failed_rounds,
            bonded_height: self.bonded_height,
            slashed: self.slashed.to_string(),
        }
    }

    /// Rebuilds a stored seeder; `None` if it does not parse.
    pub(crate) fn from_stored(s: pb::Seeder) -> Option<Self> {
        Some(Self {
            address: s.address.parse().ok()?,
            bond: parse_amount(&s.bond).ok()?,
            peer_key: s.peer_key.as_slice().try_into().ok()?,
            peer_id: s.peer_id,
            addrs: s.addrs,
            contents: s
                .contents
                .iter()
                .map(CommittedContent::from_wire)
                .collect::<Option<_>>()?,
            status: match pb::SeederStatus::try_from(s.status).ok()? {
                pb::SeederStatus::Bonded => Status::Bonded,
                pb::SeederStatus::Unbonding => Status::Unbonding,
                pb::SeederStatus::Unspecified => return None,
            },
            unbonding_height: s.unbonding_height,
            jailed: s.jailed,
            jailed_until: s.jailed_until,
            reputation: parse_amount(&s.reputation).ok()?,
            failed_rounds: s.failed_rounds,
            bonded_height: s.bonded_height,
            slashed: parse_amount(&s.slashed).ok()?,
        })
    }
}

/// A seeder as a probe round saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProbeTarget {
    /// The seeder.
    pub seeder: Address,
    /// What it committed to serve.
    pub contents: Vec<CommittedContent>,
}

/// A probe round: what every validator's challenges derive from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProbeRound {
    /// The height whose FinalizeBlock opened it.
    pub height: u64,
    /// That block's hash.
    pub block_hash: Vec<u8>,
    /// The height whose vote extensions report it.
    pub report_height: u64,
    /// Challenges per validator.
    pub challenges_per_validator: u32,
    /// The bonded, unjailed seeders with their contents, by address.
    pub seeders: Vec<ProbeTarget>,
}

impl ProbeRound {
    /// The wire form.
    pub fn to_wire(&self) -> pb::ProbeRound {
        pb::ProbeRound {
            height: self.height,
            block_hash: self.block_hash.clone(),
            report_height: self.report_height,
            challenges_per_validator: self.challenges_per_validator,
            seeders: self
                .seeders
                .iter()
                .map(|t| pb::ProbeTarget {
                    seeder: t.seeder.to_string(),
                    contents: t.contents.iter().map(CommittedContent::to_wire).collect(),
                })
                .collect(),
        }
    }
}
