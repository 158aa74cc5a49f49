//! `weaved tx seeders`: bond, update, unbond, unjail and report bad slices; each prints
//! what its events say once it is in a block (the bond, the unbonding's completion
//! height, the slash and the reporter's reward).
//! Clap arguments and rendering; the flows are [`crate::seeders::tx`]'s.

use std::path::PathBuf;

use anyhow::{anyhow, bail, Context};
use clap::{ArgGroup, Subcommand};
use serde_json::{json, Value};
use tonic::transport::Channel;
use weave_kernel::Address;

use super::chain_code;
use crate::seeders::{
    evidence::{parse_evidence, parse_hex, Accused, Evidence, EvidenceRecord},
    parse_content_ref, query,
    tx::{self as flows, Reported, SeederChanges},
    ContentRef,
};
use crate::{
    chain::connect,
    chain::runtime,
    channels::format_amount,
    keys::{Keyring, SigningKey},
    opts::resolve_address,
    opts::GlobalOpts,
    render,
    tx::{from_key, parse_positive, report_submitted, run_flow, TxOpts, TxPlan},
};

/// `weaved tx seeders ...`
#[derive(Debug, Subcommand)]
pub enum SeedersTxCmd {
    /// Bond --from as a seeder of the given contents (`/weave.seeders.v1.MsgBondSeeder`).
    ///
    /// The bond (at least the `min_bond` parameter) moves to the seeders module
    /// account. The sidecar peer id and addresses default to this node's sidecar's:
    /// validators probe the seeder there, and the sidecar's key signs what it serves.
    /// A warning is printed if that sidecar does not hold a committed content in full.
    #[command(
        after_help = "Example:\n  weaved tx seeders bond 10000000uweave --content 1 --from alice --wait"
    )]
    Bond {
        /// The bond, in uweave (`10000000` or `10000000uweave`).
        #[arg(value_parser = parse_positive)]
        amount: u128,
        /// A content to serve: its id or its 64-hex root (repeatable).
        #[arg(long = "content", value_name = "ID_OR_ROOT", required = true, value_parser = parse_content_ref)]
        contents: Vec<ContentRef>,
        /// The sidecar's peer id, base58 (default: this node's sidecar's).
        #[arg(long)]
        peer_id: Option<String>,
        /// A multiaddr the sidecar listens on (repeatable; default: this node's
        /// sidecar's addresses when --peer-id is not given, else none).
        #[arg(long = "addr", value_name = "MULTIADDR")]
        addrs: Vec<String>,
        #[allow(missing_docs)] // flattened: its own fields carry the help
        #[command(flatten)]
        opts: TxOpts,
    },
    /// Change --from's seeder record (`/weave.seeders.v1.MsgUpdateSeeder`): each field
    /// given replaces the current one, and --add-bond adds to the bond.
    #[command(
        group(ArgGroup::new("change").required(true).multiple(true).args(
            ["add_bond", "contents", "peer_id", "addrs", "sidecar"]
        )),
        after_help = "Example:\n  weaved tx seeders update --add-bond 5000000uweave --content 1 --content 2 --from alice --wait"
    )]
    Update {
        /// Tokens added to the bond, in uweave.
        #[arg(long, value_parser = parse_positive)]
        add_bond: Option<u128>,
        /// Replace the committed contents: ids or 64-hex roots (repeatable).
        #[arg(long = "content", value_name = "ID_OR_ROOT", value_parser = parse_content_ref)]
        contents: Vec<ContentRef>,
        /// Replace the peer id (base58).
        #[arg(long, conflicts_with = "sidecar")]
        peer_id: Option<String>,
        /// Replace the addresses (repeatable).
        #[arg(long = "addr", value_name = "MULTIADDR", conflicts_with = "sidecar")]
        addrs: Vec<String>,
        /// Replace the peer id and addresses with this node's sidecar's.
        #[arg(long)]
        sidecar: bool,
        #[allow(missing_docs)] // flattened: its own fields carry the help
        #[command(flatten)]
        opts: TxOpts,
    },
    /// Start unbonding --from's seeder (`/weave.seeders.v1.MsgUnbondSeeder`).
    ///
    /// The bond, minus any slash, returns after `unbonding_period_blocks`; with --wait
    /// the completion height is printed. Meanwhile the seeder is not probed or paid,
    /// but can still be slashed.
    #[command(after_help = "Example:\n  weaved tx seeders unbond --from alice --wait")]
    Unbond {
        #[allow(missing_docs)] // flattened: its own fields carry the help
        #[command(flatten)]
        opts: TxOpts,
    },
    /// Release --from's seeder from jail once its jail time is over
    /// (`/weave.seeders.v1.MsgUnjailSeeder`).
    #[command(after_help = "Example:\n  weaved tx seeders unjail --from alice --wait")]
    Unjail {
        #[allow(missing_docs)] // flattened: its own fields carry the help
        #[command(flatten)]
        opts: TxOpts,
    },
    /// Prove that a seeder served a bad slice (`/weave.seeders.v1.MsgReportBadSlice`).
    ///
    /// The evidence is what the seeder sent: the slice header it signed (root, index,
    /// the leaf hash of the ciphertext, the Merkle proof) and its signature. The chain
    /// checks the signature against the seeder's peer key and that the slice does not
    /// verify against the root; then it slashes `bad_slice_slash_bps` of the bond,
    /// pays the reporter `reporter_reward_bps` of that and jails the seeder. With --wait
    /// the slashed amount and the reward are printed.
    #[command(
        after_help = "Example:\n  weaved tx seeders report-bad-slice --seeder weave1pafa9xct2zxsks824wuud2lpygj2vsf4p8dggy --root $ROOT --index 3 --ciphertext-hash $LEAF_HASH --proof $PROOF_HEX --signature $SIG_HEX --from carol --wait"
    )]
    ReportBadSlice {
        /// The seeder that served the slice: an address or a key name.
        #[arg(long)]
        seeder: String,
        /// The content's Merkle root (64 hex digits).
        #[arg(long, value_name = "HEX")]
        root: String,
        /// The slice's index.
        #[arg(long, value_name = "N")]
        index: u64,
        /// The leaf hash of the ciphertext served (64 hex digits).
        #[arg(long, value_name = "HEX")]
        ciphertext_hash: String,
        /// The Merkle proof served (hex of its compact encoding).
        #[arg(long, value_name = "HEX")]
        proof: String,
        /// The seeder's signature over the slice header (128 hex digits).
        #[arg(long, value_name = "HEX")]
        signature: String,
        #[allow(missing_docs)] // flattened: its own fields carry the help
        #[command(flatten)]
        opts: TxOpts,
    },
    /// Report every bad slice of an evidence file, or every one this node's downloads
    /// hold evidence of: one `MsgReportBadSlice` transaction per record.
    ///
    /// The file is a JSON array of records {"seeder_peer_id" (base58) or "seeder"
    /// (address), "content_root", "slice_index", "ciphertext_hash", "proof",
    /// "signature"} (hex), as `weaved query seeders evidence` prints them; a peer id is
    /// mapped to its seeder with the SeederByPeer query. Each transaction waits for its
    /// block. A record the chain refuses (a slice reported before: seeders:19) is
    /// printed with its code and the others go on; the command fails only if none was
    /// reported.
    #[command(
        after_help = "Example:\n  weaved tx seeders report-bad-slices --evidence evidence.json --from carol"
    )]
    ReportBadSlices {
        /// The evidence file (default: this node's evidence, `weaved query seeders
        /// evidence`).
        #[arg(long, value_name = "FILE")]
        evidence: Option<PathBuf>,
        #[allow(missing_docs)] // flattened: its own fields carry the help
        #[command(flatten)]
        opts: TxOpts,
    },
}

/// What a report's events say: the slash, the reward, the jail.
fn slash_extras(r: &Reported, json: bool) -> Vec<(&'static str, Value)> {
    let mut extras = Vec::new();
    for (name, value) in [
        ("slashed", r.slashed),
        ("reporter_reward", r.reporter_reward),
        ("burned", r.burned),
    ] {
        if let Some(v) = value {
            extras.push((name, json!(format_amount(v, json))));
        }
    }
    if let Some(until) = r.jailed_until {
        extras.push(("jailed_until", json!(until)));
    }
    extras
}

/// A bond as printed: `1000uweave` in text, `"1000"` in JSON; as the chain wrote it
/// if it is not a number.
fn bond_text(bond: &str, json: bool) -> String {
    bond.parse()
        .map_or(bond.to_string(), |b| format_amount(b, json))
}

/// Prints warnings to stderr.
fn warn(warnings: &[String]) {
    for w in warnings {
        eprintln!("warning: {w}");
    }
}

/// What became of one evidence record.
#[derive(Debug, Clone)]
enum ReportOutcome {
    /// In a block: the transaction and what its events say.
    Reported {
        seeder: Address,
        txhash: String,
        extras: Vec<(&'static str, Value)>,
    },
    /// Refused (by the CLI's checks, the simulation, CheckTx or the block), or failed.
    Refused(String),
}

/// Reports one record: decodes it, finds the seeder, signs, broadcasts, waits.
async fn report_one(
    channel: &Channel,
    plan: &TxPlan,
    key: &SigningKey,
    record: &Result<EvidenceRecord, String>,
    json: bool,
) -> ReportOutcome {
    let attempt = async {
        let record = record
            .as_ref()
            .map_err(|e| anyhow!("the record does not read: {e}"))?;
        let evidence = record.decode()?;
        let r = flows::report(channel, plan, key, &evidence).await?;
        r.tx.outcome()?;
        Ok::<_, anyhow::Error>(ReportOutcome::Reported {
            seeder: r.seeder,
            txhash: r.tx.hash.clone(),
            extras: slash_extras(&r, json),
        })
    };
    attempt
        .await
        .unwrap_or_else(|e| ReportOutcome::Refused(format!("{e:#}")))
}

/// One record's outcome as JSON.
fn outcome_json(index: usize, outcome: &ReportOutcome) -> Value {
    match outcome {
        ReportOutcome::Reported {
            seeder,
            txhash,
            extras,
        } => {
            let mut v = json!({
                "index": index,
                "reported": true,
                "seeder": seeder.to_string(),
                "txhash": txhash,
            });
            if let Some(map) = v.as_object_mut() {
                for (k, x) in extras {
                    map.insert((*k).to_string(), x.clone());
                }
            }
            v
        }
        ReportOutcome::Refused(error) => {
            let mut v = json!({ "index": index, "reported": false, "error": error });
            if let (Some((codespace, code)), Some(map)) = (chain_code(error), v.as_object_mut()) {
                map.insert("codespace".into(), json!(codespace));
                map.insert("code".into(), json!(code));
            }
            v
        }
    }
}

/// One record's outcome as a line of text.
fn outcome_text(index: usize, outcome: &ReportOutcome) -> String {
    match outcome {
        ReportOutcome::Reported {
            seeder,
            txhash,
            extras,
        } => {
            let said: Vec<String> = extras
                .iter()
                .map(|(k, v)| match v {
                    Value::String(s) => format!("{k} {s}"),
                    other => format!("{k} {other}"),
                })
                .collect();
            format!(
                "record {index}: reported {seeder} (tx {txhash}){}{}",
                if said.is_empty() { "" } else { ": " },
                said.join(", ")
            )
        }
        ReportOutcome::Refused(error) => match chain_code(error) {
            // The code leads the text when the chain refused the report itself.
            Some((codespace, code)) if error.starts_with(&format!("{codespace}:{code}:")) => {
                format!("record {index}: refused: {error}")
            }
            Some((codespace, code)) => {
                format!("record {index}: refused ({codespace}:{code}): {error}")
            }
            None => format!("record {index}: failed: {error}"),
        },
    }
}

/// Runs `tx seeders report-bad-slices`.
fn report_many(
    evidence: Option<PathBuf>,
    opts: &TxOpts,
    g: &GlobalOpts,
    key: &SigningKey,
) -> anyhow::Result<()> {
    let url = opts.node.url(&g.home)?;
    let records: Vec<Result<EvidenceRecord, String>> = match evidence {
        Some(path) => {
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("reading {}", path.display()))?;
            parse_evidence(&text).with_context(|| format!("reading {}", path.display()))?
        }
        None => runtime()?
            .block_on(query::node_evidence(&url, &g.home))?
            .into_iter()
            .map(|v| serde_json::from_value(v).map_err(|e| e.to_string()))
            .collect(),
    };
    let json = g.json();
    if records.is_empty() {
        if json {
            return render::print_json(&json!({ "reports": [], "reported": 0, "refused": 0 }));
        }
        println!("no evidence of bad slices");
        return Ok(());
    }
    // Each transaction is in a block before the next is signed, so that the account
    // sequence read for the next one counts it.
    let plan = TxPlan::resolve(opts, g)?.waiting();
    let outcomes = runtime()?.block_on(async {
        let channel = connect(&url).await?;
        let mut outcomes = Vec::with_capacity(records.len());
        for (i, record) in records.iter().enumerate() {
            let outcome = report_one(&channel, &plan, key, record, json).await;
            match &outcome {
                ReportOutcome::Reported { .. } if !json => {
                    println!("{}", outcome_text(i, &outcome))
                }
                ReportOutcome::Refused(_) => eprintln!("{}", outcome_text(i, &outcome)),
                ReportOutcome::Reported { .. } => {}
            }
            outcomes.push(outcome);
        }
        Ok::<_, anyhow::Error>(outcomes)
    })?;
    let reported = outcomes
        .iter()
        .filter(|o| matches!(o, ReportOutcome::Reported { .. }))
        .count();
    let refused = outcomes.len() - reported;
    if json {
        render::print_json(&json!({
            "reports": outcomes.iter().enumerate().map(|(i, o)| outcome_json(i, o)).collect::<Vec<_>>(),
            "reported": reported,
            "refused": refused,
        }))?;
    } else {
        println!(
            "reported {reported} of {} records ({refused} refused)",
            outcomes.len()
        );
    }
    if reported == 0 {
        bail!("none of the {} records was reported", outcomes.len());
    }
    Ok(())
}

/// Runs a `weaved tx seeders` command.
pub fn run_tx(cmd: SeedersTxCmd, g: &GlobalOpts) -> anyhow::Result<()> {
    let keyring = Keyring::open(&g.home, g.keyring_backend)?;
    let json = g.json();
    match cmd {
        SeedersTxCmd::Bond {
            amount,
            contents,
            peer_id,
            addrs,
            opts,
        } => {
            let key = from_key(&opts, &keyring)?;
            let r = run_flow(&opts, g, |c, plan| async move {
                flows::bond(&c, &plan, &key, &g.home, amount, &contents, peer_id, addrs).await
            })?;
            warn(&r.warnings);
            let mut extras = vec![
                ("seeder", json!(r.seeder)),
                ("peer_id", json!(r.peer_id)),
                ("addrs", json!(r.addrs)),
                ("contents", json!(r.contents)),
            ];
            if let Some(bond) = &r.bond {
                extras.push(("bond", json!(bond_text(bond, json))));
            }
            report_submitted(&r.tx, &opts, g, &extras)
        }
        SeedersTxCmd::Update {
            add_bond,
            contents,
            peer_id,
            addrs,
            sidecar,
            opts,
        } => {
            let key = from_key(&opts, &keyring)?;
            let changes = SeederChanges {
                add_bond,
                contents,
                peer_id,
                addrs,
                from_sidecar: sidecar,
            };
            let r = run_flow(&opts, g, |c, plan| async move {
                flows::update(&c, &plan, &key, &g.home, changes).await
            })?;
            warn(&r.warnings);
            let mut extras = Vec::new();
            if let Some(bond) = &r.bond {
                extras.push(("bond", json!(bond_text(bond, json))));
            }
            if let Some(n) = r.contents {
                extras.push(("contents", json!(n)));
            }
            report_submitted(&r.tx, &opts, g, &extras)
        }
        SeedersTxCmd::Unbond { opts } => {
            let key = from_key(&opts, &keyring)?;
            let r = run_flow(&opts, g, |c, plan| async move {
                flows::unbond(&c, &plan, &key).await
            })?;
            let extras: Vec<_> = r
                .completes_height
                .iter()
                .map(|h| ("completes_height", json!(h)))
                .collect();
            report_submitted(&r.tx, &opts, g, &extras)
        }
        SeedersTxCmd::Unjail { opts } => {
            let key = from_key(&opts, &keyring)?;
            let tx = run_flow(&opts, g, |c, plan| async move {
                flows::unjail(&c, &plan, &key).await
            })?;
            report_submitted(&tx, &opts, g, &[])
        }
        SeedersTxCmd::ReportBadSlice {
            seeder,
            root,
            index,
            ciphertext_hash,
            proof,
            signature,
            opts,
        } => {
            let key = from_key(&opts, &keyring)?;
            let seeder = resolve_address(&seeder, g)?;
            let evidence = Evidence {
                accused: Accused::Address(seeder),
                content_root: parse_hex("--root", &root, Some(32))?,
                slice_index: index,
                ciphertext_hash: parse_hex("--ciphertext-hash", &ciphertext_hash, Some(32))?,
                proof: parse_hex("--proof", &proof, None)?,
                signature: parse_hex("--signature", &signature, Some(64))?,
            };
            crate::seeders::msg::report_bad_slice(&key.address(), &seeder, &evidence)?;
            let r = run_flow(&opts, g, |c, plan| async move {
                flows::report(&c, &plan, &key, &evidence).await
            })?;
            report_submitted(&r.tx, &opts, g, &slash_extras(&r, json))
        }
        SeedersTxCmd::ReportBadSlices { evidence, opts } => {
            let key = from_key(&opts, &keyring)?;
            report_many(evidence, &opts, g, &key)
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::seeders::{
        msg::report_bad_slice as report_message,
        tx::{chain_addrs, missing_content},
    };
    use weave_proto::weave::sidecar::v1::StatusResponse;
    use weave_proto::weave::sidecar::v1::StoredContent;
    use weave_seeders::{MAX_ADDRS, MSG_REPORT_BAD_SLICE};

    use super::*;

    fn record_json() -> Value {
        json!({
            "seeder_peer_id": weave_sidecar::Keypair::ed25519_from_bytes([5u8; 32])
                .unwrap()
                .public()
                .to_peer_id()
                .to_string(),
            "content_root": "ab".repeat(32),
            "slice_index": 3,
            "ciphertext_hash": format!("0x{}", "cd".repeat(32)),
            "proof": "0102",
            "signature": "ef".repeat(64),
        })
    }

    #[test]
    fn evidence_files_parse_record_by_record() {
        let peer_record = record_json();
        let mut by_address = record_json();
        by_address["seeder"] = json!(Address::new([4; 20]).to_string());
        by_address["slice_index"] = json!("7");
        by_address["_note"] = json!("extra fields are ignored");
        let mut no_seeder = record_json();
        no_seeder.as_object_mut().unwrap().remove("seeder_peer_id");
        let mut short_root = record_json();
        short_root["content_root"] = json!("abcd");
        let mut bad_index = record_json();
        bad_index["slice_index"] = json!(-1);
        let mut missing = record_json();
        missing.as_object_mut().unwrap().remove("signature");
        let mut rsa_peer = record_json();
        let mut sha = vec![0x12, 0x20];
        sha.extend_from_slice(&[7; 32]);
        rsa_peer["seeder_peer_id"] =
            json!(weave_sidecar::PeerId::from_bytes(&sha).unwrap().to_string());
        let file = json!([
            peer_record,
            by_address,
            no_seeder,
            short_root,
            bad_index,
            missing,
            rsa_peer
        ]);
        let records = parse_evidence(&file.to_string()).unwrap();
        assert_eq!(records.len(), 7);

        let e = records[0].as_ref().unwrap().decode().unwrap();
        let Accused::Peer(peer) = &e.accused else {
            panic!("{e:?}");
        };
        assert_eq!(
            hex::encode(peer),
            "0024080112206e7a1cdd29b0b78fd13af4c5598feff4ef2a97166e3ca6f2e4fbfccd80505bf1"
        );
        assert_eq!(e.content_root, vec![0xab; 32]);
        assert_eq!(e.ciphertext_hash, vec![0xcd; 32]);
        assert_eq!((e.slice_index, e.proof.clone()), (3, vec![1, 2]));
        assert_eq!(e.signature, vec![0xef; 64]);

        // An address wins over a peer id; an index may be a string.
        let e = records[1].as_ref().unwrap().decode().unwrap();
        assert_eq!(e.accused, Accused::Address(Address::new([4; 20])));
        assert_eq!(e.slice_index, 7);

        let err = |i: usize| match &records[i] {
            Ok(r) => format!("{:#}", r.decode().unwrap_err()),
            Err(e) => e.clone(),
        };
        assert!(err(2).contains("names no seeder"), "{}", err(2));
        assert!(err(3).contains("content_root has 2 bytes"), "{}", err(3));
        assert!(err(4).contains("slice_index"), "{}", err(4));
        assert!(err(5).contains("signature"), "{}", err(5));
        assert!(err(6).contains("peer id"), "{}", err(6));

        // The whole file must be an array of JSON.
        assert!(parse_evidence("{}").is_err());
        assert!(parse_evidence("[").is_err());
        assert!(parse_evidence("[]").unwrap().is_empty());
    }

    #[test]
    fn reports_are_checked_before_signing() {
        let reporter = Address::new([1; 20]);
        let seeder = Address::new([2; 20]);
        let mut e = record_json();
        e["seeder"] = json!(seeder.to_string());
        let evidence = serde_json::from_value::<EvidenceRecord>(e)
            .unwrap()
            .decode()
            .unwrap();
        let any = report_message(&reporter, &seeder, &evidence).unwrap();
        assert_eq!(any.type_url, MSG_REPORT_BAD_SLICE);
        // A seeder cannot report itself.
        let err = report_message(&seeder, &seeder, &evidence)
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("seeders:20:"), "{err}");
    }

    #[test]
    fn outcomes_render_with_codes() {
        let ok = ReportOutcome::Reported {
            seeder: Address::new([2; 20]),
            txhash: "AB".into(),
            extras: vec![
                ("slashed", json!("1000000uweave")),
                ("reporter_reward", json!("500000uweave")),
            ],
        };
        let text = outcome_text(0, &ok);
        assert!(
            text.ends_with("(tx AB): slashed 1000000uweave, reporter_reward 500000uweave"),
            "{text}"
        );
        let j = outcome_json(0, &ok);
        assert_eq!(
            (j["reported"].clone(), j["slashed"].clone()),
            (json!(true), json!("1000000uweave"))
        );

        let refused = ReportOutcome::Refused(
            "transaction AB failed in block 9: codespace seeders, code 19: slice 3 reported".into(),
        );
        let text = outcome_text(2, &refused);
        assert!(
            text.starts_with("record 2: refused (seeders:19): "),
            "{text}"
        );
        let simulated = ReportOutcome::Refused("seeders:17: bad signature".into());
        assert_eq!(
            outcome_text(3, &simulated),
            "record 3: refused: seeders:17: bad signature"
        );
        let j = outcome_json(2, &refused);
        assert_eq!(
            (j["codespace"].clone(), j["code"].clone()),
            (json!("seeders"), json!(19))
        );
        let failed = ReportOutcome::Refused("cannot connect".into());
        assert_eq!(outcome_text(1, &failed), "record 1: failed: cannot connect");
        assert!(outcome_json(1, &failed).get("code").is_none());
    }

    #[test]
    fn sidecar_addresses_fit_the_chain() {
        let mut listen: Vec<String> = (0..10).map(|i| format!("/ip4/10.0.0.{i}/tcp/1")).collect();
        listen.insert(1, listen[0].clone());
        listen.push("no slash".into());
        let (addrs, warnings) = chain_addrs(&listen);
        assert_eq!(addrs.len(), MAX_ADDRS);
        assert_eq!(addrs[1], "/ip4/10.0.0.1/tcp/1");
        assert_eq!(warnings.len(), 3, "{warnings:?}");

        let status = StatusResponse {
            contents: vec![
                StoredContent {
                    root: vec![1; 32],
                    slices_present: 4,
                    slices_total: 4,
                    plaintext_len: 0,
                },
                StoredContent {
                    root: vec![2; 32],
                    slices_present: 1,
                    slices_total: 4,
                    plaintext_len: 0,
                },
            ],
            ..Default::default()
        };
        let w = missing_content(&status, &[vec![1; 32], vec![2; 32], vec![3; 32]]);
        assert_eq!(w.len(), 2, "{w:?}");
        assert!(w[0].contains("1/4 slices"), "{w:?}");
        assert!(w[1].contains("0/0 slices"), "{w:?}");
    }
}
