//! `weaved tx seeders` and `weaved query seeders`: seeder staking, reputation, probes
//! and bad-slice reports.
//!
//! A **seeder** is an account that bonds uweave and commits to serve some registered
//! contents from a libp2p sidecar. The chain records the sidecar's **peer id** (an
//! ed25519 identity: its key signs every slice header the sidecar serves) and its
//! multiaddrs, which validators' availability probes dial. By default `tx seeders bond`
//! reads both from this node's sidecar (the loopback `weave.sidecar.v1.Sidecar/Status`),
//! so that the record is what this node actually serves.
//!
//! Peer ids are written in base58 (`12D3KooW…`, as `weaved content ls` prints them);
//! on the wire they are the 38 bytes `00 24 08 01 12 20 <ed25519 key>`. Other
//! identities (RSA, secp256k1) are refused before anything is signed.
//!
//! `tx seeders report-bad-slice` reports one slice that a seeder signed but that does
//! not verify against its content's root; `report-bad-slices` reports every record of
//! an evidence file (or of this node's downloads), one transaction each.

pub mod query;
pub mod tx;

use anyhow::{anyhow, Context};
use cosmos_sdk_proto::Any;
use prost::Message;
use serde_json::{json, Value};
use tonic::transport::Channel;
use weave_proto::weave::{
    content::v1::{query_client::QueryClient as ContentQueryClient, QueryContentRequest},
    seeders::v1 as pb,
};
use weave_seeders::SeedersMsg;

pub use query::{run_query, SeedersQueryCmd};
pub use tx::{run_tx, SeedersTxCmd};

use crate::{builder::to_any, chain::status_error, content::parse_root};

/// The bytes of a libp2p peer id written in base58 (`12D3KooW…`). Only ed25519
/// identities are accepted, the only kind the chain takes.
pub fn peer_id_bytes(s: &str) -> anyhow::Result<Vec<u8>> {
    let s = s.trim();
    let peer: weave_sidecar::PeerId = s
        .parse()
        .map_err(|e| anyhow!("invalid peer id {s:?}: {e}"))?;
    let bytes = peer.to_bytes();
    weave_seeders::peer_id::ed25519_key(&bytes).map_err(|e| anyhow!("peer id {s:?}: {e}"))?;
    Ok(bytes)
}

/// A peer id given on the command line: base58, or the 76 hex digits of its bytes (as
/// the chain's events carry it).
fn parse_peer_arg(s: &str) -> anyhow::Result<Vec<u8>> {
    let t = s.trim();
    if t.len() == 2 * weave_seeders::peer_id::ED25519_PEER_ID_LEN
        && t.bytes().all(|b| b.is_ascii_hexdigit())
    {
        let bytes = hex::decode(t).context("invalid hex")?;
        weave_seeders::peer_id::ed25519_key(&bytes).map_err(|e| anyhow!("peer id {t:?}: {e}"))?;
        return Ok(bytes);
    }
    peer_id_bytes(t)
}

/// Peer id bytes as base58; their hex if they are not a peer id.
pub fn peer_id_text(bytes: &[u8]) -> String {
    weave_sidecar::PeerId::from_bytes(bytes)
        .map(|p| p.to_string())
        .unwrap_or_else(|_| hex::encode(bytes))
}

/// A content named on the command line: its id, or its Merkle root.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContentRef {
    /// A content id, whose root is read from the chain.
    Id(u64),
    /// A 32-byte root.
    Root([u8; 32]),
}

/// Parses `--content`: a content id (decimal) or a root (64 hex digits, optional `0x`).
pub fn parse_content_ref(s: &str) -> Result<ContentRef, String> {
    let s = s.trim();
    if !s.is_empty() && s.len() < 64 && s.bytes().all(|b| b.is_ascii_digit()) {
        return s
            .parse()
            .map(ContentRef::Id)
            .map_err(|_| format!("content id {s:?} is out of range"));
    }
    parse_root(s)
        .map(ContentRef::Root)
        .map_err(|_| format!("invalid content {s:?}: want a content id or a 64-hex root"))
}

/// The roots of `contents`, reading those given by id from the chain.
async fn content_roots(channel: &Channel, contents: &[ContentRef]) -> anyhow::Result<Vec<Vec<u8>>> {
    let mut roots = Vec::with_capacity(contents.len());
    for c in contents {
        let root = match *c {
            ContentRef::Root(root) => root,
            ContentRef::Id(id) => {
                let content = ContentQueryClient::new(channel.clone())
                    .content(QueryContentRequest { content_id: id })
                    .await
                    .map_err(status_error)
                    .with_context(|| format!("looking up content {id}"))?
                    .into_inner()
                    .content
                    .ok_or_else(|| anyhow!("the node returned no content {id}"))?;
                content
                    .meta_hash
                    .as_ref()
                    .and_then(|m| <[u8; 32]>::try_from(m.root.as_slice()).ok())
                    .ok_or_else(|| anyhow!("content {id} has no 32-byte root"))?
            }
        };
        roots.push(root.to_vec());
    }
    Ok(roots)
}

/// A chain error as the CLI prints it: `codespace:code: log`.
fn chain_error(e: &weave_kernel::TxError) -> anyhow::Error {
    anyhow!("{}:{}: {}", e.codespace, e.code, e.log)
}

/// Packs a seeders message and checks it as the chain's CheckTx would without state,
/// so that a malformed peer id, address list or report is refused before signing.
fn seeders_msg(type_url: &str, msg: &impl Message) -> anyhow::Result<Any> {
    let any = to_any(type_url, msg);
    SeedersMsg::decode(&any).map_err(|e| chain_error(&e))?;
    Ok(any)
}

/// A seeder status in a word: `bonded`, `unbonding`, or `unbonded` (the unspecified
/// status: a seeder whose bond returned has no record at all).
fn status_name(status: i32) -> &'static str {
    match pb::SeederStatus::try_from(status) {
        Ok(pb::SeederStatus::Bonded) => "bonded",
        Ok(pb::SeederStatus::Unbonding) => "unbonding",
        _ => "unbonded",
    }
}

/// A seeder's status with its jail: `bonded`, `bonded, jailed`, `unbonding`.
fn standing(s: &pb::Seeder) -> String {
    let status = status_name(s.status);
    if s.jailed {
        format!("{status}, jailed")
    } else {
        status.to_string()
    }
}

/// A committed content as JSON.
fn committed_json(c: &pb::CommittedContent) -> Value {
    json!({ "root": hex::encode(&c.root), "slice_count": c.slice_count })
}

/// A seeder as JSON: every field, amounts and reputation as strings (they may exceed
/// 2^53), the peer id in base58 and hex, the peer key and roots in hex.
fn seeder_json(s: &pb::Seeder) -> Value {
    json!({
        "address": s.address,
        "status": status_name(s.status),
        "jailed": s.jailed,
        "jailed_until": s.jailed_until,
        "bond": s.bond,
        "slashed": s.slashed,
        "reputation": s.reputation,
        "failed_rounds": s.failed_rounds,
        "peer_id": peer_id_text(&s.peer_id),
        "peer_id_hex": hex::encode(&s.peer_id),
        "peer_key": hex::encode(&s.peer_key),
        "addrs": s.addrs,
        "contents": s.contents.iter().map(committed_json).collect::<Vec<_>>(),
        "bonded_height": s.bonded_height,
        "unbonding_height": s.unbonding_height,
    })
}

/// A seeder as text, one field per line.
fn seeder_text(s: &pb::Seeder) -> String {
    let mut lines = vec![
        format!("address: {}", s.address),
        format!("status: {}", status_name(s.status)),
    ];
    if s.status == pb::SeederStatus::Unbonding as i32 {
        lines.push(format!("unbonding_height: {}", s.unbonding_height));
    }
    if s.jailed {
        lines.push(format!("jailed: until height {}", s.jailed_until));
    }
    lines.extend([
        format!("bond: {}uweave", s.bond),
        format!("slashed: {}uweave", s.slashed),
        format!("reputation: {}", s.reputation),
        format!("failed_rounds: {}", s.failed_rounds),
        format!("peer_id: {}", peer_id_text(&s.peer_id)),
        format!("bonded_height: {}", s.bonded_height),
    ]);
    lines.push(format!("addrs: {}", s.addrs.len()));
    lines.extend(s.addrs.iter().map(|a| format!("  {a}")));
    lines.push(format!("contents: {}", s.contents.len()));
    lines.extend(
        s.contents
            .iter()
            .map(|c| format!("  {}  {} slices", hex::encode(&c.root), c.slice_count)),
    );
    lines.join("\n")
}

/// The codespace and code in an error text, as the node writes them (`seeders:19:
/// …` from a query or a simulation, `codespace seeders, code 19: …` from a
/// transaction's result).
fn chain_code(text: &str) -> Option<(String, u32)> {
    if let Some(at) = text.find("codespace ") {
        let rest = &text[at + "codespace ".len()..];
        if let Some((codespace, rest)) = rest.split_once(", code ") {
            let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
            let word = !codespace.is_empty() && !codespace.contains(char::is_whitespace);
            if word && digits > 0 && rest[digits..].starts_with(':') {
                if let Ok(code) = rest[..digits].parse() {
                    return Some((codespace.to_string(), code));
                }
            }
        }
    }
    // `name:digits:` at the start of a word.
    let mut in_word = false;
    for (i, c) in text.char_indices() {
        if !in_word && c.is_ascii_lowercase() {
            if let Some(found) = code_at(&text[i..]) {
                return Some(found);
            }
        }
        in_word = c.is_ascii_alphanumeric() || c == '_';
    }
    None
}

/// `name:digits:` at the start of `s`: the codespace and the code.
fn code_at(s: &str) -> Option<(String, u32)> {
    let name_len = s
        .bytes()
        .take_while(|b| b.is_ascii_lowercase() || *b == b'_')
        .count();
    let rest = s[name_len..].strip_prefix(':')?;
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    if name_len == 0 || digits == 0 || !rest[digits..].starts_with(':') {
        return None;
    }
    Some((s[..name_len].to_string(), rest[..digits].parse().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peer_ids_convert_and_round_trip() {
        let key = weave_sidecar::Keypair::generate_ed25519();
        let peer = key.public().to_peer_id();
        let text = peer.to_string();
        assert!(text.starts_with("12D3Koo"), "{text}");
        let bytes = peer_id_bytes(&text).unwrap();
        assert_eq!(bytes, peer.to_bytes());
        assert_eq!(bytes.len(), 38);
        assert_eq!(bytes[..6], weave_seeders::peer_id::ED25519_PEER_ID_PREFIX);
        // The key inside is the sidecar's public key.
        let inner = weave_seeders::peer_id::ed25519_key(&bytes).unwrap();
        assert_eq!(
            weave_seeders::peer_id::ed25519_peer_id(&inner),
            bytes,
            "{text}"
        );
        assert_eq!(peer_id_text(&bytes), text);
        assert_eq!(peer_id_bytes(&format!("  {text}\n")).unwrap(), bytes);
        // The hex of the bytes too, where a peer id is looked up.
        assert_eq!(parse_peer_arg(&hex::encode(&bytes)).unwrap(), bytes);
        assert_eq!(parse_peer_arg(&text).unwrap(), bytes);
        // A fixed vector: the key of libp2p's ed25519_from_bytes([5; 32]).
        let fixed = hex::decode(
            "0024080112206e7a1cdd29b0b78fd13af4c5598feff4ef2a97166e3ca6f2e4fbfccd80505bf1",
        )
        .unwrap();
        assert_eq!(peer_id_bytes(&peer_id_text(&fixed)).unwrap(), fixed);
    }

    #[test]
    fn only_ed25519_peer_ids_are_accepted() {
        // A SHA-256 multihash (an RSA identity) and a secp256k1 identity are valid
        // libp2p peer ids, but not ones the chain takes.
        let mut sha = vec![0x12, 0x20];
        sha.extend_from_slice(&[7; 32]);
        let mut secp = vec![0x00, 0x25, 0x08, 0x02, 0x12, 0x21, 0x02];
        secp.extend_from_slice(&[9; 32]);
        for bytes in [sha, secp] {
            let text = weave_sidecar::PeerId::from_bytes(&bytes)
                .unwrap()
                .to_string();
            let e = peer_id_bytes(&text).unwrap_err().to_string();
            assert!(e.contains("peer id"), "{e}");
            assert!(parse_peer_arg(&hex::encode(&bytes)).is_err());
        }
        for bad in ["", "not a peer id", "12D3KooW", "0x00"] {
            assert!(peer_id_bytes(bad).is_err(), "{bad:?}");
        }
        // An ed25519 header around a key that is no curve point.
        let mut off_curve = weave_seeders::peer_id::ED25519_PEER_ID_PREFIX.to_vec();
        off_curve.extend_from_slice(&[0xff; 32]);
        if weave_seeders::peer_id::ed25519_key(&off_curve).is_err() {
            assert!(parse_peer_arg(&hex::encode(&off_curve)).is_err());
        }
        // Unknown bytes print as hex.
        assert_eq!(peer_id_text(&[1, 2]), "0102");
    }

    #[test]
    fn content_refs_are_ids_or_roots() {
        assert_eq!(parse_content_ref("1"), Ok(ContentRef::Id(1)));
        assert_eq!(parse_content_ref(" 42 "), Ok(ContentRef::Id(42)));
        let root = "ab".repeat(32);
        assert_eq!(parse_content_ref(&root), Ok(ContentRef::Root([0xab; 32])));
        assert_eq!(
            parse_content_ref(&format!("0x{root}")),
            Ok(ContentRef::Root([0xab; 32]))
        );
        // A 64-digit number is a root.
        assert_eq!(
            parse_content_ref(&"1".repeat(64)),
            Ok(ContentRef::Root([0x11; 32]))
        );
        for bad in ["", "x", "ab", "-1", &"ab".repeat(31), &"zz".repeat(32)] {
            assert!(parse_content_ref(bad).is_err(), "{bad:?}");
        }
        assert!(parse_content_ref("99999999999999999999").is_err());
    }

    #[test]
    fn messages_are_checked_before_signing() {
        let seeder = weave_kernel::Address::new([3; 20]).to_string();
        let e = seeders_msg(
            weave_seeders::MSG_BOND_SEEDER,
            &pb::MsgBondSeeder {
                seeder: seeder.clone(),
                amount: "10".into(),
                peer_id: vec![0x12, 0x20],
                addrs: vec![],
                contents: vec![vec![1; 32]],
            },
        )
        .unwrap_err()
        .to_string();
        assert!(e.starts_with("seeders:6: invalid peer id"), "{e}");
        let e = seeders_msg(
            weave_seeders::MSG_UPDATE_SEEDER,
            &pb::MsgUpdateSeeder {
                seeder,
                ..Default::default()
            },
        )
        .unwrap_err()
        .to_string();
        assert_eq!(e, "seeders:32: the update changes nothing");
    }

    #[test]
    fn codes_are_read_from_error_texts() {
        let code = |t: &str| chain_code(t);
        assert_eq!(
            code("seeders:19: slice 3 of ab was reported already; gas wanted: 1"),
            Some(("seeders".into(), 19))
        );
        assert_eq!(
            code("transaction AB failed in block 9: codespace seeders, code 12: x"),
            Some(("seeders".into(), 12))
        );
        assert_eq!(
            code("transaction AB rejected by CheckTx: codespace sdk, code 5: y"),
            Some(("sdk".into(), 5))
        );
        assert_eq!(
            code("simulating: seeders:10: weave1x is not a seeder"),
            Some(("seeders".into(), 10))
        );
        assert_eq!(code("cannot connect to node http://x:1"), None);
        assert_eq!(code("at 12:30: late"), None);
        assert_eq!(
            code("— refused … seeders:16: invalid report"),
            Some(("seeders".into(), 16))
        );
        assert_eq!(code("xseeders:1x:"), None);
        assert_eq!(code(""), None);
    }

    #[test]
    fn seeders_render() {
        let key = weave_sidecar::Keypair::generate_ed25519();
        let peer = key.public().to_peer_id();
        let s = pb::Seeder {
            address: "weave1s".into(),
            bond: "10000000".into(),
            peer_id: peer.to_bytes(),
            peer_key: vec![1; 32],
            addrs: vec!["/ip4/127.0.0.1/tcp/4001".into()],
            contents: vec![pb::CommittedContent {
                root: vec![0xab; 32],
                slice_count: 12,
            }],
            status: pb::SeederStatus::Bonded as i32,
            unbonding_height: 0,
            jailed: false,
            jailed_until: 0,
            reputation: "0".into(),
            failed_rounds: 0,
            bonded_height: 7,
            slashed: "0".into(),
        };
        let j = seeder_json(&s);
        assert_eq!(j["status"], "bonded");
        assert_eq!(j["peer_id"], peer.to_string());
        assert_eq!(j["peer_id_hex"], hex::encode(peer.to_bytes()));
        assert_eq!(j["bond"], "10000000");
        assert_eq!(j["contents"][0]["root"], "ab".repeat(32));
        assert_eq!(j["contents"][0]["slice_count"], 12);
        let text = seeder_text(&s);
        assert!(text.contains(&format!("peer_id: {peer}")), "{text}");
        assert!(text.contains("bond: 10000000uweave"), "{text}");
        assert!(!text.contains("jailed"), "{text}");
        assert_eq!(standing(&s), "bonded");

        let jailed = pb::Seeder {
            status: pb::SeederStatus::Unbonding as i32,
            unbonding_height: 300,
            jailed: true,
            jailed_until: 250,
            ..s
        };
        assert_eq!(standing(&jailed), "unbonding, jailed");
        let text = seeder_text(&jailed);
        assert!(text.contains("unbonding_height: 300"), "{text}");
        assert!(text.contains("jailed: until height 250"), "{text}");
        assert_eq!(status_name(0), "unbonded");
    }
}
