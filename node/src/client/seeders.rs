//! `weaved tx seeders` and `weaved query seeders`: seeder staking, reputation, probes
//! and bad-slice reports.
//!
//! A seeder bonds with its node's sidecar identity: by default `bond` reads the peer
//! id and listen addresses from the node's loopback Sidecar service, so the chain's
//! record is what validators' probes dial. `report-bad-slices` takes the evidence the
//! node's downloads collected (slices that failed their root, signed by the seeder
//! that served them) and reports each one on chain.

use anyhow::{anyhow, bail, Context};
use clap::Subcommand;
use serde_json::{json, Value};
use tonic::transport::Channel;
use weave_proto::weave::{
    content::v1::{query_client::QueryClient as ContentQueryClient, QueryContentRequest},
    seeders::v1::{self as pb, query_client::QueryClient},
    sidecar::v1::{sidecar_client::SidecarClient, BadSlicesRequest, StatusRequest},
};

use super::{
    connect,
    query::with_channel,
    render, resolve_address, status_error, to_any,
    tx::{from_key, parse_uweave, submit_with, TxOpts},
    NodeOpts,
};
use crate::{keys::Keyring, GlobalOpts};

const MSG_BOND: &str = "/weave.seeders.v1.MsgBondSeeder";
const MSG_UPDATE: &str = "/weave.seeders.v1.MsgUpdateSeeder";
const MSG_UNBOND: &str = "/weave.seeders.v1.MsgUnbondSeeder";
const MSG_UNJAIL: &str = "/weave.seeders.v1.MsgUnjailSeeder";
const MSG_REPORT: &str = "/weave.seeders.v1.MsgReportBadSlice";

/// `weaved tx seeders ...`
#[derive(Debug, Subcommand)]
pub(crate) enum SeedersTxCmd {
    /// Bond --from as a seeder of the given content (`MsgBondSeeder`).
    ///
    /// The peer id and addresses default to this node's sidecar's: validators probe
    /// the seeder there.
    #[command(
        after_help = "Example:\n  weaved tx seeders bond 10000000uweave --content 1 --from alice --wait"
    )]
    Bond {
        /// The bond, at least the `min_bond` parameter.
        #[arg(value_parser = parse_uweave)]
        amount: u128,
        /// A content id or 64-hex root the seeder commits to serve (repeatable).
        #[arg(long = "content", required = true)]
        contents: Vec<String>,
        /// The sidecar peer id (base58; default: this node's sidecar).
        #[arg(long)]
        peer_id: Option<String>,
        /// A multiaddr the sidecar listens on (repeatable; default: this node's).
        #[arg(long = "addr")]
        addrs: Vec<String>,
        #[command(flatten)]
        opts: TxOpts,
    },
    /// Change a seeder's content, addresses or peer id, or add to its bond
    /// (`MsgUpdateSeeder`).
    #[command(
        after_help = "Example:\n  weaved tx seeders update --add-bond 5000000uweave --from alice --wait"
    )]
    Update {
        /// Tokens added to the bond.
        #[arg(long, value_parser = parse_uweave)]
        add_bond: Option<u128>,
        /// Replace the committed content (content ids or roots; repeatable).
        #[arg(long = "content")]
        contents: Vec<String>,
        /// Replace the addresses (repeatable).
        #[arg(long = "addr")]
        addrs: Vec<String>,
        /// Replace the peer id.
        #[arg(long)]
        peer_id: Option<String>,
        #[command(flatten)]
        opts: TxOpts,
    },
    /// Start unbonding --from (`MsgUnbondSeeder`): the bond returns after
    /// `unbonding_period_blocks`.
    #[command(after_help = "Example:\n  weaved tx seeders unbond --from alice --wait")]
    Unbond {
        #[command(flatten)]
        opts: TxOpts,
    },
    /// Unjail --from after its jail time (`MsgUnjailSeeder`).
    #[command(after_help = "Example:\n  weaved tx seeders unjail --from alice --wait")]
    Unjail {
        #[command(flatten)]
        opts: TxOpts,
    },
    /// Report every bad slice this node's downloads hold evidence of
    /// (`MsgReportBadSlice`, one per slice), or those of an evidence file.
    ///
    /// Each report is checked on chain: the seeder's signature over the slice header,
    /// and that the slice does not verify against the registered root. A report the
    /// chain refuses (an earlier report of the same slice, say) is printed with its
    /// code and the rest go on.
    #[command(after_help = "Example:\n  weaved tx seeders report-bad-slices --from carol --wait")]
    ReportBadSlices {
        /// A JSON file of evidence (the output of `weaved query seeders evidence`) instead
        /// of asking the node.
        #[arg(long)]
        evidence: Option<std::path::PathBuf>,
        #[command(flatten)]
        opts: TxOpts,
    },
}

/// `weaved query seeders ...`
#[derive(Debug, Subcommand)]
pub(crate) enum SeedersQueryCmd {
    /// Seeders by address or by reputation (highest first) — what downloaders prefer.
    #[command(after_help = "Example:\n  weaved query seeders list --sort reputation")]
    List {
        /// `reputation` or `address`.
        #[arg(long, default_value = "address")]
        sort: String,
        /// Only bonded, unjailed seeders.
        #[arg(long)]
        active_only: bool,
        /// Page size (at most 100).
        #[arg(long, default_value_t = 100)]
        limit: u32,
        #[command(flatten)]
        node: NodeOpts,
    },
    /// One seeder.
    #[command(after_help = "Example:\n  weaved query seeders show alice")]
    Show {
        /// Address or key name.
        seeder: String,
        #[command(flatten)]
        node: NodeOpts,
    },
    /// A seeder's reputation inputs in the epoch under way: fees per payer, bytes,
    /// probe passes and failures, bandwidth points so far.
    #[command(after_help = "Example:\n  weaved query seeders epoch alice")]
    Epoch {
        /// Address or key name.
        seeder: String,
        #[command(flatten)]
        node: NodeOpts,
    },
    /// A probe round (the latest by default) and whether its reports were applied.
    #[command(after_help = "Example:\n  weaved query seeders probe-round")]
    ProbeRound {
        /// The round's height (0: the latest).
        #[arg(long, default_value_t = 0)]
        height: u64,
        #[command(flatten)]
        node: NodeOpts,
    },
    /// The seeders module's parameters.
    #[command(after_help = "Example:\n  weaved query seeders params")]
    Params {
        #[command(flatten)]
        node: NodeOpts,
    },
    /// Evidence of bad slices this node's downloads received, as JSON (what
    /// `tx seeders report-bad-slices --evidence` reads).
    #[command(after_help = "Example:\n  weaved query seeders evidence > evidence.json")]
    Evidence {
        #[command(flatten)]
        node: NodeOpts,
    },
}

/// Bytes of a libp2p peer id given in base58 (`12D3Koo…`); only ed25519 identities,
/// the only kind the chain accepts.
pub(crate) fn peer_id_bytes(s: &str) -> anyhow::Result<Vec<u8>> {
    let peer: weave_sidecar::PeerId = s
        .trim()
        .parse()
        .map_err(|e| anyhow!("peer id {s:?}: {e}"))?;
    let bytes = peer.to_bytes();
    weave_seeders::peer_id::ed25519_key(&bytes).map_err(|e| anyhow!("peer id {s:?}: {e}"))?;
    Ok(bytes)
}

/// A content id or a 64-hex root, as the root.
async fn content_root(channel: &Channel, arg: &str) -> anyhow::Result<Vec<u8>> {
    let arg = arg.trim();
    if arg.len() >= 64 {
        let s = arg.strip_prefix("0x").unwrap_or(arg);
        let root = hex::decode(s).with_context(|| format!("content root {arg:?}"))?;
        anyhow::ensure!(root.len() == 32, "content root {arg:?} is not 32 bytes");
        return Ok(root);
    }
    let id: u64 = arg
        .parse()
        .map_err(|_| anyhow!("--content {arg:?}: want a content id or a 64-hex root"))?;
    let content = ContentQueryClient::new(channel.clone())
        .content(QueryContentRequest { content_id: id })
        .await
        .map_err(status_error)?
        .into_inner()
        .content
        .ok_or_else(|| anyhow!("no content {id}"))?;
    content
        .meta_hash
        .map(|m| m.root)
        .filter(|r| r.len() == 32)
        .ok_or_else(|| anyhow!("content {id} has no 32-byte root"))
}

/// The peer id and addresses of the node's sidecar.
async fn own_sidecar(channel: &Channel) -> anyhow::Result<(String, Vec<String>)> {
    let status = SidecarClient::new(channel.clone())
        .status(StatusRequest {})
        .await
        .map_err(status_error)
        .context("asking the node's sidecar for its peer id (or pass --peer-id and --addr)")?
        .into_inner();
    Ok((status.peer_id, status.listen_addrs))
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?)
}

/// Runs a `weaved tx seeders` command.
pub(crate) fn run_tx(cmd: SeedersTxCmd, g: &GlobalOpts) -> anyhow::Result<()> {
    let keyring = Keyring::open(&g.home, g.keyring_backend)?;
    match cmd {
        SeedersTxCmd::Bond {
            amount,
            contents,
            peer_id,
            addrs,
            opts,
        } => {
            let key = from_key(&opts, &keyring)?;
            let url = opts.node.url(&g.home)?;
            let (peer_id, addrs, contents) = runtime()?.block_on(async {
                let channel = connect(&url).await?;
                let mut roots = Vec::new();
                for c in &contents {
                    roots.push(content_root(&channel, c).await?);
                }
                let (peer, addrs) = match peer_id {
                    Some(p) => (p, addrs),
                    None => {
                        let (p, own) = own_sidecar(&channel).await?;
                        (p, if addrs.is_empty() { own } else { addrs })
                    }
                };
                Ok::<_, anyhow::Error>((peer, addrs, roots))
            })?;
            let msg = to_any(
                MSG_BOND,
                &pb::MsgBondSeeder {
                    seeder: key.address().to_string(),
                    amount: amount.to_string(),
                    peer_id: peer_id_bytes(&peer_id)?,
                    addrs: addrs.clone(),
                    contents,
                },
            );
            submit_with(&key, vec![msg], &opts, g, |_| {
                vec![("peer_id", json!(peer_id)), ("addrs", json!(addrs))]
            })
        }
        SeedersTxCmd::Update {
            add_bond,
            contents,
            addrs,
            peer_id,
            opts,
        } => {
            let key = from_key(&opts, &keyring)?;
            let url = opts.node.url(&g.home)?;
            let roots = runtime()?.block_on(async {
                let channel = connect(&url).await?;
                let mut roots = Vec::new();
                for c in &contents {
                    roots.push(content_root(&channel, c).await?);
                }
                Ok::<_, anyhow::Error>(roots)
            })?;
            let msg = to_any(
                MSG_UPDATE,
                &pb::MsgUpdateSeeder {
                    seeder: key.address().to_string(),
                    peer_id: peer_id
                        .as_deref()
                        .map(peer_id_bytes)
                        .transpose()?
                        .unwrap_or_default(),
                    addrs: (!addrs.is_empty()).then_some(pb::AddrList { addrs }),
                    contents: (!roots.is_empty()).then_some(pb::ContentList { roots }),
                    add_bond: add_bond.map(|a| a.to_string()).unwrap_or_default(),
                },
            );
            submit_with(&key, vec![msg], &opts, g, |_| Vec::new())
        }
        SeedersTxCmd::Unbond { opts } => {
            let key = from_key(&opts, &keyring)?;
            let msg = to_any(
                MSG_UNBOND,
                &pb::MsgUnbondSeeder {
                    seeder: key.address().to_string(),
                },
            );
            submit_with(&key, vec![msg], &opts, g, |s| {
                s.event_attribute("weave.seeders.v1.EventSeederUnbonding", "completes_height")
                    .map(|h| vec![("completes_height", json!(h))])
                    .unwrap_or_default()
            })
        }
        SeedersTxCmd::Unjail { opts } => {
            let key = from_key(&opts, &keyring)?;
            let msg = to_any(
                MSG_UNJAIL,
                &pb::MsgUnjailSeeder {
                    seeder: key.address().to_string(),
                },
            );
            submit_with(&key, vec![msg], &opts, g, |_| Vec::new())
        }
        SeedersTxCmd::ReportBadSlices { evidence, opts } => {
            let key = from_key(&opts, &keyring)?;
            let url = opts.node.url(&g.home)?;
            let records: Vec<Value> = match evidence {
                Some(path) => serde_json::from_slice(
                    &std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?,
                )
                .with_context(|| format!("parsing {}", path.display()))?,
                None => runtime()?.block_on(node_evidence(&url))?,
            };
            if records.is_empty() {
                println!("no evidence of bad slices");
                return Ok(());
            }
            let messages = runtime()?.block_on(async {
                let channel = connect(&url).await?;
                let mut out = Vec::new();
                for r in &records {
                    out.push(report_message(&channel, &key.address().to_string(), r).await?);
                }
                Ok::<_, anyhow::Error>(out)
            })?;
            let mut failed = 0;
            for (i, msg) in messages.into_iter().enumerate() {
                if let Err(e) = submit_with(&key, vec![msg], &opts, g, |_| Vec::new()) {
                    failed += 1;
                    eprintln!("report {i}: {e:#}");
                }
            }
            if failed == records.len() {
                bail!("every report was refused");
            }
            Ok(())
        }
    }
}

/// The node's evidence, as JSON records.
async fn node_evidence(url: &str) -> anyhow::Result<Vec<Value>> {
    let list = SidecarClient::new(connect(url).await?)
        .bad_slices(BadSlicesRequest {})
        .await
        .map_err(status_error)?
        .into_inner()
        .bad_slices;
    Ok(list
        .into_iter()
        .map(|b| {
            json!({
                "seeder_peer_id": b.seeder_peer_id,
                "content_root": hex::encode(b.content_root),
                "slice_index": b.slice_index,
                "ciphertext_hash": hex::encode(b.ciphertext_hash),
                "proof": hex::encode(b.proof),
                "signature": hex::encode(b.signature),
            })
        })
        .collect())
}

/// One evidence record as a `MsgReportBadSlice`; the seeder's address is looked up by
/// its peer id unless the record names it.
async fn report_message(
    channel: &Channel,
    reporter: &str,
    r: &Value,
) -> anyhow::Result<weave_kernel::Any> {
    let hex_field = |name: &str| -> anyhow::Result<Vec<u8>> {
        let s = r[name]
            .as_str()
            .ok_or_else(|| anyhow!("evidence record without {name}: {r}"))?;
        hex::decode(s).with_context(|| format!("{name} of {r}"))
    };
    let seeder = match r["seeder"].as_str() {
        Some(s) => s.to_string(),
        None => {
            let peer = r["seeder_peer_id"]
                .as_str()
                .ok_or_else(|| anyhow!("evidence record names no seeder: {r}"))?;
            QueryClient::new(channel.clone())
                .seeder_by_peer(pb::QuerySeederByPeerRequest {
                    peer_id: peer_id_bytes(peer)?,
                })
                .await
                .map_err(status_error)
                .with_context(|| format!("no bonded seeder with peer id {peer}"))?
                .into_inner()
                .seeder
                .map(|s| s.address)
                .ok_or_else(|| anyhow!("no bonded seeder with peer id {peer}"))?
        }
    };
    Ok(to_any(
        MSG_REPORT,
        &pb::MsgReportBadSlice {
            reporter: reporter.to_string(),
            seeder,
            content_root: hex_field("content_root")?,
            slice_index: r["slice_index"]
                .as_u64()
                .ok_or_else(|| anyhow!("evidence record without slice_index: {r}"))?,
            ciphertext_hash: hex_field("ciphertext_hash")?,
            proof: hex_field("proof")?,
            signature: hex_field("signature")?,
        },
    ))
}

/// Prints a query answer: protobuf JSON (proto field names) in both output modes, or
/// a table for `list` in text mode.
fn print(g: &GlobalOpts, full_name: &str, bytes: &[u8]) -> anyhow::Result<()> {
    let value = super::gov::bytes_json(full_name, bytes)?;
    if g.json() {
        render::print_json(&value)
    } else {
        println!("{}", serde_json::to_string_pretty(&value)?);
        Ok(())
    }
}

/// Runs a `weaved query seeders` command.
pub(crate) fn run_query(cmd: SeedersQueryCmd, g: &GlobalOpts) -> anyhow::Result<()> {
    use prost::Message as _;
    match cmd {
        SeedersQueryCmd::List {
            sort,
            active_only,
            limit,
            node,
        } => {
            let order = match sort.as_str() {
                "reputation" => pb::SeedersOrder::Reputation,
                "address" => pb::SeedersOrder::Address,
                other => bail!("--sort {other:?}: want reputation or address"),
            };
            let r = with_channel(&node, g, |c| async move {
                Ok(QueryClient::new(c)
                    .seeders(pb::QuerySeedersRequest {
                        page: Some(weave_proto::weave::base::v1::PageRequest {
                            key: Vec::new(),
                            limit,
                        }),
                        order: order as i32,
                        active_only,
                    })
                    .await
                    .map_err(status_error)?
                    .into_inner())
            })?;
            if g.json() {
                return print(
                    g,
                    "weave.seeders.v1.QuerySeedersResponse",
                    &r.encode_to_vec(),
                );
            }
            println!(
                "{:<46} {:<10} {:>14} {:>12} {:<54} CONTENTS",
                "SEEDER", "STATUS", "BOND", "REPUTATION", "PEER ID"
            );
            for s in &r.seeders {
                let peer = weave_sidecar::PeerId::from_bytes(&s.peer_id)
                    .map(|p| p.to_string())
                    .unwrap_or_else(|_| hex::encode(&s.peer_id));
                let json = super::gov::bytes_json("weave.seeders.v1.Seeder", &s.encode_to_vec())?;
                let mut status = json["status"]
                    .as_str()
                    .unwrap_or("?")
                    .trim_start_matches("SEEDER_STATUS_")
                    .to_lowercase();
                if json["jailed"].as_bool() == Some(true) {
                    status.push_str(",jailed");
                }
                println!(
                    "{:<46} {:<10} {:>14} {:>12} {:<54} {}",
                    s.address,
                    status,
                    json["bond"].as_str().unwrap_or("?"),
                    json["reputation"].as_str().unwrap_or("?"),
                    peer,
                    json["contents"].as_array().map_or(0, Vec::len)
                );
            }
            Ok(())
        }
        SeedersQueryCmd::Show { seeder, node } => {
            let address = resolve_address(&seeder, g)?.to_string();
            let r = with_channel(&node, g, |c| async move {
                Ok(QueryClient::new(c)
                    .seeder(pb::QuerySeederRequest { address })
                    .await
                    .map_err(status_error)?
                    .into_inner())
            })?;
            print(
                g,
                "weave.seeders.v1.QuerySeederResponse",
                &r.encode_to_vec(),
            )
        }
        SeedersQueryCmd::Epoch { seeder, node } => {
            let seeder = resolve_address(&seeder, g)?.to_string();
            let r = with_channel(&node, g, |c| async move {
                Ok(QueryClient::new(c)
                    .epoch_inputs(pb::QueryEpochInputsRequest { seeder })
                    .await
                    .map_err(status_error)?
                    .into_inner())
            })?;
            print(
                g,
                "weave.seeders.v1.QueryEpochInputsResponse",
                &r.encode_to_vec(),
            )
        }
        SeedersQueryCmd::ProbeRound { height, node } => {
            let r = with_channel(&node, g, |c| async move {
                Ok(QueryClient::new(c)
                    .probe_round(pb::QueryProbeRoundRequest { height })
                    .await
                    .map_err(status_error)?
                    .into_inner())
            })?;
            print(
                g,
                "weave.seeders.v1.QueryProbeRoundResponse",
                &r.encode_to_vec(),
            )
        }
        SeedersQueryCmd::Evidence { node } => evidence(&node, g),
        SeedersQueryCmd::Params { node } => {
            let r = with_channel(&node, g, |c| async move {
                Ok(QueryClient::new(c)
                    .params(pb::QueryParamsRequest {})
                    .await
                    .map_err(status_error)?
                    .into_inner())
            })?;
            print(
                g,
                "weave.seeders.v1.QueryParamsResponse",
                &r.encode_to_vec(),
            )
        }
    }
}

/// Runs `weaved query seeders evidence`: the node's evidence of bad slices as JSON (the
/// format `tx seeders report-bad-slices --evidence` reads).
fn evidence(node: &NodeOpts, g: &GlobalOpts) -> anyhow::Result<()> {
    let url = node.url(&g.home)?;
    let records = runtime()?.block_on(node_evidence(&url))?;
    render::print_json(&Value::Array(records))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peer_ids_convert_and_only_ed25519_is_accepted() {
        let key = weave_sidecar::Keypair::generate_ed25519();
        let peer = key.public().to_peer_id();
        let bytes = peer_id_bytes(&peer.to_string()).unwrap();
        assert_eq!(bytes, peer.to_bytes());
        assert_eq!(bytes.len(), 38);
        assert!(peer_id_bytes("not a peer id").is_err());
        assert!(peer_id_bytes("").is_err());
    }
}
