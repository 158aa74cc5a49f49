//! `weaved tx seeders` ([`tx`]) and `weaved query seeders` ([`query`]): clap arguments
//! and rendering over the seeders library.

pub mod query;
pub mod tx;

use serde_json::{json, Value};
use weave_proto::weave::seeders::v1 as pb;

use super::peer_id_text;

/// A seeder status in a word: `bonded`, `unbonding`, or `unbonded` (the unspecified
/// status: a seeder whose bond returned has no record at all).
pub fn status_name(status: i32) -> &'static str {
    match pb::SeederStatus::try_from(status) {
        Ok(pb::SeederStatus::Bonded) => "bonded",
        Ok(pb::SeederStatus::Unbonding) => "unbonding",
        _ => "unbonded",
    }
}

/// A seeder's status with its jail: `bonded`, `bonded, jailed`, `unbonding`.
pub fn standing(s: &pb::Seeder) -> String {
    let status = status_name(s.status);
    if s.jailed {
        format!("{status}, jailed")
    } else {
        status.to_string()
    }
}

/// A committed content as JSON.
pub fn committed_json(c: &pb::CommittedContent) -> Value {
    json!({ "root": hex::encode(&c.root), "slice_count": c.slice_count })
}

/// A seeder as JSON: every field, amounts and reputation as strings (they may exceed
/// 2^53), the peer id in base58 and hex, the peer key and roots in hex.
pub fn seeder_json(s: &pb::Seeder) -> Value {
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
pub fn seeder_text(s: &pb::Seeder) -> String {
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
pub fn chain_code(text: &str) -> Option<(String, u32)> {
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
    use crate::seeders::msg::seeders_msg;

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
