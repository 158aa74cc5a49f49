//! The seeders module from the client's side: seeder staking, reputation, probes and
//! bad-slice reports.
//!
//! The library (no clap, no printing): [`msg`] builds the messages, [`query`] reads
//! seeders, epochs, probe rounds and the node's evidence, [`tx`] runs the flows
//! (bond, update, unbond, unjail, report), [`evidence`] reads evidence files; this
//! module converts peer ids and names contents ([`ContentRef`]). [`cli`] holds
//! `weaved tx seeders` and `weaved query seeders`.
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

pub mod cli;
pub mod evidence;
pub mod msg;
pub mod query;
pub mod tx;

use anyhow::{anyhow, Context};
pub use cli::{
    query::{run_query, SeedersQueryCmd},
    tx::{run_tx, SeedersTxCmd},
};
use tonic::transport::Channel;
use weave_proto::weave::content::v1::{
    query_client::QueryClient as ContentQueryClient, QueryContentRequest,
};

use crate::{chain::status_error, content::parse_root};

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
pub fn parse_peer_arg(s: &str) -> anyhow::Result<Vec<u8>> {
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
pub async fn content_roots(
    channel: &Channel,
    contents: &[ContentRef],
) -> anyhow::Result<Vec<Vec<u8>>> {
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
}
