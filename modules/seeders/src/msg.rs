//! The seeders module's messages, decoded from their `Any`s and shape-checked.

use std::collections::BTreeSet;

use weave_kernel::{decode_any, parse_amount, Address, Any, KernelError, TxError};
use weave_proto::weave::seeders::v1 as pb;
use weave_slices::MerkleProof;

use crate::{params::HARD_MAX_CONTENTS, peer_id, Params, SeedersError};

/// `/weave.seeders.v1.MsgBondSeeder`
pub const MSG_BOND_SEEDER: &str = "/weave.seeders.v1.MsgBondSeeder";
/// `/weave.seeders.v1.MsgUpdateSeeder`
pub const MSG_UPDATE_SEEDER: &str = "/weave.seeders.v1.MsgUpdateSeeder";
/// `/weave.seeders.v1.MsgUnbondSeeder`
pub const MSG_UNBOND_SEEDER: &str = "/weave.seeders.v1.MsgUnbondSeeder";
/// `/weave.seeders.v1.MsgUnjailSeeder`
pub const MSG_UNJAIL_SEEDER: &str = "/weave.seeders.v1.MsgUnjailSeeder";
/// `/weave.seeders.v1.MsgReportBadSlice`
pub const MSG_REPORT_BAD_SLICE: &str = "/weave.seeders.v1.MsgReportBadSlice";
/// `/weave.seeders.v1.MsgUpdateParams`
pub const MSG_UPDATE_PARAMS: &str = "/weave.seeders.v1.MsgUpdateParams";

/// Every message type the module handles.
pub const MESSAGE_TYPES: &[&str] = &[
    MSG_BOND_SEEDER,
    MSG_UPDATE_SEEDER,
    MSG_UNBOND_SEEDER,
    MSG_UNJAIL_SEEDER,
    MSG_REPORT_BAD_SLICE,
    MSG_UPDATE_PARAMS,
];

/// Most multiaddrs per seeder.
pub const MAX_ADDRS: usize = 8;
/// Longest multiaddr, in bytes.
pub const MAX_ADDR_LEN: usize = 256;

/// A seeders message whose shape is valid.
#[derive(Debug, Clone, PartialEq)]
pub enum SeedersMsg {
    /// Bond a new seeder.
    Bond {
        /// The seeder, who pays the bond.
        seeder: Address,
        /// uweave.
        amount: u128,
        /// Its libp2p peer id.
        peer_id: Vec<u8>,
        /// The ed25519 key inside it.
        peer_key: [u8; 32],
        /// Its multiaddrs.
        addrs: Vec<String>,
        /// The roots it commits to serve, distinct.
        contents: Vec<[u8; 32]>,
    },
    /// Replace some of a bonded seeder's fields, or add to its bond.
    Update {
        /// The seeder.
        seeder: Address,
        /// A new peer id and its key.
        peer: Option<(Vec<u8>, [u8; 32])>,
        /// New multiaddrs.
        addrs: Option<Vec<String>>,
        /// New roots.
        contents: Option<Vec<[u8; 32]>>,
        /// uweave added to the bond (0: none).
        add_bond: u128,
    },
    /// Start unbonding.
    Unbond {
        /// The seeder.
        seeder: Address,
    },
    /// End a jail that is over.
    Unjail {
        /// The seeder.
        seeder: Address,
    },
    /// Prove a bad slice.
    ReportBadSlice(BadSliceReport),
    /// Replace the params.
    UpdateParams {
        /// The signer; must be the gov authority.
        authority: Address,
        /// The new params, validated.
        params: Params,
    },
}

/// A bad-slice report whose fields have the right shapes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadSliceReport {
    /// Who reports (and is rewarded).
    pub reporter: Address,
    /// Who served the slice.
    pub seeder: Address,
    /// The content.
    pub content_root: [u8; 32],
    /// The slice.
    pub slice_index: u64,
    /// The leaf hash of the ciphertext served.
    pub ciphertext_hash: [u8; 32],
    /// The encoded proof served (its length bounded; parsed in the handler).
    pub proof: Vec<u8>,
    /// The seeder's signature over the slice header.
    pub signature: [u8; 64],
}

fn address(s: &str, field: &str) -> Result<Address, TxError> {
    s.parse()
        .map_err(|e| KernelError::InvalidAddress(format!("{field}: {e}")).into())
}

/// Checks multiaddrs: at most [`MAX_ADDRS`], each 1 to [`MAX_ADDR_LEN`] printable
/// ASCII bytes starting with `/`, no repeats. Their protocols are not parsed.
pub fn check_addrs(addrs: &[String]) -> Result<(), SeedersError> {
    if addrs.len() > MAX_ADDRS {
        return Err(SeedersError::InvalidAddrs(format!(
            "{} addrs, limit {MAX_ADDRS}",
            addrs.len()
        )));
    }
    let mut seen = BTreeSet::new();
    for a in addrs {
        if a.is_empty()
            || a.len() > MAX_ADDR_LEN
            || !a.starts_with('/')
            || !a.bytes().all(|b| b.is_ascii_graphic())
        {
            return Err(SeedersError::InvalidAddrs(format!(
                "{a:?} is not a multiaddr of 1 to {MAX_ADDR_LEN} printable bytes starting with '/'"
            )));
        }
        if !seen.insert(a) {
            return Err(SeedersError::InvalidAddrs(format!("{a:?} appears twice")));
        }
    }
    Ok(())
}

/// Checks content roots: 1 to [`HARD_MAX_CONTENTS`], each 32 bytes, no repeats. The
/// `max_contents_per_seeder` param and registration are checked against state.
pub fn check_contents(roots: &[Vec<u8>]) -> Result<Vec<[u8; 32]>, SeedersError> {
    if roots.is_empty() || roots.len() > HARD_MAX_CONTENTS as usize {
        return Err(SeedersError::InvalidContents(format!(
            "{} contents; a seeder serves 1 to {HARD_MAX_CONTENTS}",
            roots.len()
        )));
    }
    let mut seen = BTreeSet::new();
    let mut out = Vec::with_capacity(roots.len());
    for r in roots {
        let root: [u8; 32] = r.as_slice().try_into().map_err(|_| {
            SeedersError::InvalidContents(format!("a root has {} bytes, not 32", r.len()))
        })?;
        if !seen.insert(root) {
            return Err(SeedersError::InvalidContents(format!(
                "root {} appears twice",
                hex::encode(root)
            )));
        }
        out.push(root);
    }
    Ok(out)
}

fn amount(field: &str, s: &str, allow_zero: bool) -> Result<u128, SeedersError> {
    if allow_zero && s.is_empty() {
        return Ok(0);
    }
    match parse_amount(s) {
        Ok(0) if !allow_zero => Err(SeedersError::InvalidAmount(format!(
            "{field} must be positive"
        ))),
        Ok(v) => Ok(v),
        Err(e) => Err(SeedersError::InvalidAmount(format!("{field} {s:?}: {e}"))),
    }
}

fn bytes32(field: &str, b: &[u8]) -> Result<[u8; 32], SeedersError> {
    b.try_into()
        .map_err(|_| SeedersError::InvalidReport(format!("{field} has {} bytes, not 32", b.len())))
}

impl SeedersMsg {
    /// Decodes and shape-checks a message.
    pub fn decode(any: &Any) -> Result<Self, TxError> {
        Ok(match any.type_url.as_str() {
            MSG_BOND_SEEDER => {
                let m: pb::MsgBondSeeder = decode_any(any)?;
                let seeder = address(&m.seeder, "seeder")?;
                let amount = amount("amount", &m.amount, false)?;
                let peer_key = peer_id::ed25519_key(&m.peer_id)?;
                check_addrs(&m.addrs)?;
                Self::Bond {
                    seeder,
                    amount,
                    peer_id: m.peer_id,
                    peer_key,
                    addrs: m.addrs,
                    contents: check_contents(&m.contents)?,
                }
            }
            MSG_UPDATE_SEEDER => {
                let m: pb::MsgUpdateSeeder = decode_any(any)?;
                let seeder = address(&m.seeder, "seeder")?;
                let peer = if m.peer_id.is_empty() {
                    None
                } else {
                    let key = peer_id::ed25519_key(&m.peer_id)?;
                    Some((m.peer_id, key))
                };
                let addrs = match m.addrs {
                    Some(list) => {
                        check_addrs(&list.addrs)?;
                        Some(list.addrs)
                    }
                    None => None,
                };
                let contents = m
                    .contents
                    .map(|list| check_contents(&list.roots))
                    .transpose()?;
                let add_bond = amount("add_bond", &m.add_bond, true)?;
                if peer.is_none() && addrs.is_none() && contents.is_none() && add_bond == 0 {
                    return Err(SeedersError::NothingToUpdate.into());
                }
                Self::Update {
                    seeder,
                    peer,
                    addrs,
                    contents,
                    add_bond,
                }
            }
            MSG_UNBOND_SEEDER => {
                let m: pb::MsgUnbondSeeder = decode_any(any)?;
                Self::Unbond {
                    seeder: address(&m.seeder, "seeder")?,
                }
            }
            MSG_UNJAIL_SEEDER => {
                let m: pb::MsgUnjailSeeder = decode_any(any)?;
                Self::Unjail {
                    seeder: address(&m.seeder, "seeder")?,
                }
            }
            MSG_REPORT_BAD_SLICE => {
                let m: pb::MsgReportBadSlice = decode_any(any)?;
                let reporter = address(&m.reporter, "reporter")?;
                let seeder = address(&m.seeder, "seeder")?;
                if reporter == seeder {
                    return Err(SeedersError::SelfReport.into());
                }
                if m.proof.len() > MerkleProof::MAX_ENCODED_LEN {
                    return Err(SeedersError::InvalidReport(format!(
                        "proof of {} bytes, longer than any Merkle proof ({})",
                        m.proof.len(),
                        MerkleProof::MAX_ENCODED_LEN
                    ))
                    .into());
                }
                let signature: [u8; 64] = m.signature.as_slice().try_into().map_err(|_| {
                    SeedersError::InvalidReport(format!(
                        "signature has {} bytes, not 64",
                        m.signature.len()
                    ))
                })?;
                Self::ReportBadSlice(BadSliceReport {
                    reporter,
                    seeder,
                    content_root: bytes32("content_root", &m.content_root)?,
                    slice_index: m.slice_index,
                    ciphertext_hash: bytes32("ciphertext_hash", &m.ciphertext_hash)?,
                    proof: m.proof,
                    signature,
                })
            }
            MSG_UPDATE_PARAMS => {
                let m: pb::MsgUpdateParams = decode_any(any)?;
                let p = m
                    .params
                    .ok_or_else(|| SeedersError::InvalidParams("missing params".into()))?;
                let params = Params::from_proto(&p)?;
                params.validate()?;
                Self::UpdateParams {
                    authority: address(&m.authority, "authority")?,
                    params,
                }
            }
            other => return Err(KernelError::UnknownMessage(other.to_string()).into()),
        })
    }

    /// The addresses that must sign.
    pub fn signers(&self) -> Vec<Address> {
        vec![match self {
            Self::Bond { seeder, .. }
            | Self::Update { seeder, .. }
            | Self::Unbond { seeder }
            | Self::Unjail { seeder } => *seeder,
            Self::ReportBadSlice(r) => r.reporter,
            Self::UpdateParams { authority, .. } => *authority,
        }]
    }
}

impl weave_kernel::ModuleMsg for SeedersMsg {
    fn decode(any: &Any) -> Result<Self, TxError> {
        SeedersMsg::decode(any)
    }

    fn signers(&self) -> Vec<Address> {
        SeedersMsg::signers(self)
    }
}
