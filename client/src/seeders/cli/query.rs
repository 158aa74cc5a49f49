//! `weaved query seeders`: seeders by address or reputation, one seeder (by address or
//! sidecar peer id), a seeder's reputation inputs in the epoch under way, probe rounds,
//! the parameters (over `weave.seeders.v1.Query`), and this node's evidence of bad
//! slices (over the node's `weave.sidecar.v1.Sidecar/BadSlices`).

//!
//! Clap arguments and rendering; the reads are [`crate::seeders::query`]'s.

use clap::Subcommand;
use serde_json::{json, Value};
use weave_proto::weave::seeders::v1 as pb;

use super::{committed_json, seeder_json, seeder_text, standing};
use crate::seeders::{parse_peer_arg, peer_id_text, query};
use crate::{
    chain::runtime, opts::resolve_address, opts::GlobalOpts, opts::NodeOpts, page::PageArgs,
    query::with_channel, render,
};

/// The order of `query seeders list`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SortArg {
    /// By address, ascending.
    Address,
    /// By reputation, highest first (ties by address): the order downloads prefer.
    Reputation,
}

impl SortArg {
    fn proto(self) -> pb::SeedersOrder {
        match self {
            Self::Address => pb::SeedersOrder::Address,
            Self::Reputation => pb::SeedersOrder::Reputation,
        }
    }
}

/// `weaved query seeders ...`
#[derive(Debug, Subcommand)]
pub enum SeedersQueryCmd {
    /// Seeders, one page: address, status, bond, reputation, sidecar peer id and how
    /// many contents each serves.
    ///
    /// With --active-only the node filters each page (by address) or the whole list
    /// (by reputation), so a page may hold fewer than --limit entries and still be
    /// followed by another. With --output json every field of every seeder is printed.
    #[command(
        after_help = "Example:\n  weaved query seeders list --sort reputation --active-only"
    )]
    List {
        /// The order.
        #[arg(long, value_enum, default_value = "address")]
        sort: SortArg,
        /// Only bonded, unjailed seeders (those probed and paid).
        #[arg(long)]
        active_only: bool,
        #[allow(missing_docs)] // flattened: its own fields carry the help
        #[command(flatten)]
        page: PageArgs,
        #[allow(missing_docs)] // flattened: its own fields carry the help
        #[command(flatten)]
        node: NodeOpts,
    },
    /// One seeder: bond, status and jail, reputation, sidecar peer id and addresses,
    /// committed contents.
    #[command(after_help = "Example:\n  weaved query seeders show alice")]
    Show {
        /// The seeder: an address or a key name.
        seeder: String,
        #[allow(missing_docs)] // flattened: its own fields carry the help
        #[command(flatten)]
        node: NodeOpts,
    },
    /// The seeder whose sidecar has a peer id.
    #[command(
        after_help = "Example:\n  weaved query seeders by-peer 12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN"
    )]
    ByPeer {
        /// The peer id: base58 (`12D3KooW…`) or the hex of its 38 bytes.
        peer_id: String,
        #[allow(missing_docs)] // flattened: its own fields carry the help
        #[command(flatten)]
        node: NodeOpts,
    },
    /// A seeder's reputation inputs in the epoch under way: fees and bytes per payer,
    /// probe passes and failures, bandwidth points so far, and when the epoch ends.
    #[command(after_help = "Example:\n  weaved query seeders epoch alice")]
    Epoch {
        /// The seeder: an address or a key name.
        seeder: String,
        #[allow(missing_docs)] // flattened: its own fields carry the help
        #[command(flatten)]
        node: NodeOpts,
    },
    /// A probe round (the latest kept by default): its block hash, the seeders it
    /// probes, and whether validators' reports of it were applied.
    #[command(after_help = "Example:\n  weaved query seeders probe-round --height 120")]
    ProbeRound {
        /// The height the round opened at (default: the latest round).
        #[arg(long, value_name = "H")]
        height: Option<u64>,
        #[allow(missing_docs)] // flattened: its own fields carry the help
        #[command(flatten)]
        node: NodeOpts,
    },
    /// The seeders module's parameters.
    #[command(after_help = "Example:\n  weaved query seeders params")]
    Params {
        #[allow(missing_docs)] // flattened: its own fields carry the help
        #[command(flatten)]
        node: NodeOpts,
    },
    /// Evidence of bad slices this node's downloads received, as JSON: the file
    /// `tx seeders report-bad-slices --evidence` reads.
    #[command(after_help = "Example:\n  weaved query seeders evidence > evidence.json")]
    Evidence {
        #[allow(missing_docs)] // flattened: its own fields carry the help
        #[command(flatten)]
        node: NodeOpts,
    },
}

/// A seeder as one line of `list`.
fn seeder_line(s: &pb::Seeder) -> String {
    format!(
        "{:<44}  {:<17}  {:>20}  {:>12}  {:<52}  {}",
        s.address,
        standing(s),
        format!("{}uweave", s.bond),
        s.reputation,
        peer_id_text(&s.peer_id),
        s.contents.len()
    )
}

/// The header of `list`.
fn list_header() -> String {
    format!(
        "{:<44}  {:<17}  {:>20}  {:>12}  {:<52}  CONTENTS",
        "ADDRESS", "STATUS", "BOND", "REPUTATION", "PEER ID"
    )
}

/// Epoch inputs as JSON.
fn epoch_json(seeder: &str, r: &pb::QueryEpochInputsResponse) -> Value {
    let t = r.tally.clone().unwrap_or_default();
    json!({
        "seeder": seeder,
        "epoch": r.epoch,
        "epoch_end_height": r.epoch_end_height,
        "tally": {
            "payers": t.payers,
            "fees": t.fees,
            "bytes": t.bytes,
            "untracked_fees": t.untracked_fees,
            "probe_passes": t.probe_passes,
            "probe_fails": t.probe_fails,
        },
        "payers": r.payers.iter().map(|p| json!({
            "payer": p.payer,
            "fee": p.fee,
            "bytes": p.bytes,
        })).collect::<Vec<_>>(),
        "bandwidth_points": r.bandwidth_points,
    })
}

/// Epoch inputs as text.
fn epoch_text(seeder: &str, r: &pb::QueryEpochInputsResponse) -> String {
    let t = r.tally.clone().unwrap_or_default();
    let mut lines = vec![
        format!("seeder: {seeder}"),
        format!("epoch: {} (ends at height {})", r.epoch, r.epoch_end_height),
        format!(
            "fees: {}uweave from {} tracked payers (untracked: {}uweave)",
            empty_zero(&t.fees),
            t.payers,
            empty_zero(&t.untracked_fees)
        ),
        format!("bytes: {}", t.bytes),
        format!("probe_passes: {}", t.probe_passes),
        format!("probe_fails: {}", t.probe_fails),
        format!("bandwidth_points: {}", empty_zero(&r.bandwidth_points)),
        format!("payers: {}", r.payers.len()),
    ];
    lines.extend(
        r.payers
            .iter()
            .map(|p| format!("  {}  {}uweave  {} bytes", p.payer, p.fee, p.bytes)),
    );
    lines.join("\n")
}

/// A decimal the chain may leave empty for zero.
fn empty_zero(s: &str) -> &str {
    if s.is_empty() {
        "0"
    } else {
        s
    }
}

/// A probe round as JSON.
fn round_json(r: &pb::QueryProbeRoundResponse) -> Value {
    let round = r.round.clone().unwrap_or_default();
    json!({
        "round": {
            "height": round.height,
            "block_hash": hex::encode_upper(&round.block_hash),
            "report_height": round.report_height,
            "challenges_per_validator": round.challenges_per_validator,
            "seeders": round.seeders.iter().map(|t| json!({
                "seeder": t.seeder,
                "contents": t.contents.iter().map(committed_json).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
        },
        "applied": r.applied,
    })
}

/// A probe round as text.
fn round_text(r: &pb::QueryProbeRoundResponse) -> String {
    let round = r.round.clone().unwrap_or_default();
    let mut lines = vec![
        format!(
            "height: {} ({})",
            round.height,
            if r.applied {
                "reports applied"
            } else {
                "reports not applied yet"
            }
        ),
        format!("block_hash: {}", hex::encode_upper(&round.block_hash)),
        format!("report_height: {}", round.report_height),
        format!(
            "challenges_per_validator: {}",
            round.challenges_per_validator
        ),
        format!("seeders: {}", round.seeders.len()),
    ];
    lines.extend(round.seeders.iter().map(|t| {
        let slices: u64 = t.contents.iter().map(|c| c.slice_count).sum();
        format!(
            "  {}  {} contents, {} slices",
            t.seeder,
            t.contents.len(),
            slices
        )
    }));
    lines.join("\n")
}

/// The parameters as JSON: amounts as strings, the rest as numbers.
fn params_json(p: &pb::Params) -> Value {
    json!({
        "min_bond": p.min_bond,
        "max_seeders": p.max_seeders,
        "max_contents_per_seeder": p.max_contents_per_seeder,
        "unbonding_period_blocks": p.unbonding_period_blocks,
        "max_unbondings_per_block": p.max_unbondings_per_block,
        "epoch_blocks": p.epoch_blocks,
        "epoch_reward": p.epoch_reward,
        "decay_bps": p.decay_bps,
        "bandwidth_knee": p.bandwidth_knee,
        "probe_interval_blocks": p.probe_interval_blocks,
        "probe_report_delay_blocks": p.probe_report_delay_blocks,
        "challenges_per_validator": p.challenges_per_validator,
        "probe_pass_points": p.probe_pass_points,
        "probe_fail_points": p.probe_fail_points,
        "probe_fail_jail_threshold": p.probe_fail_jail_threshold,
        "probe_fail_slash_bps": p.probe_fail_slash_bps,
        "bad_slice_slash_bps": p.bad_slice_slash_bps,
        "reporter_reward_bps": p.reporter_reward_bps,
        "jail_blocks": p.jail_blocks,
    })
}

/// The parameters as text, with units.
fn params_text(p: &pb::Params) -> String {
    let bps = |name: &str, v: u32| format!("{name}: {v} ({})", crate::render::percent(v));
    [
        format!("min_bond: {}uweave", p.min_bond),
        format!("max_seeders: {}", p.max_seeders),
        format!("max_contents_per_seeder: {}", p.max_contents_per_seeder),
        format!("unbonding_period_blocks: {}", p.unbonding_period_blocks),
        format!("max_unbondings_per_block: {}", p.max_unbondings_per_block),
        format!("epoch_blocks: {}", p.epoch_blocks),
        format!("epoch_reward: {}uweave", p.epoch_reward),
        bps("decay_bps", p.decay_bps),
        format!("bandwidth_knee: {}uweave", p.bandwidth_knee),
        format!(
            "probe_interval_blocks: {}{}",
            p.probe_interval_blocks,
            if p.probe_interval_blocks == 0 {
                " (probes off)"
            } else {
                ""
            }
        ),
        format!("probe_report_delay_blocks: {}", p.probe_report_delay_blocks),
        format!("challenges_per_validator: {}", p.challenges_per_validator),
        format!("probe_pass_points: {}", p.probe_pass_points),
        format!("probe_fail_points: {}", p.probe_fail_points),
        format!("probe_fail_jail_threshold: {}", p.probe_fail_jail_threshold),
        bps("probe_fail_slash_bps", p.probe_fail_slash_bps),
        bps("bad_slice_slash_bps", p.bad_slice_slash_bps),
        bps("reporter_reward_bps", p.reporter_reward_bps),
        format!("jail_blocks: {}", p.jail_blocks),
    ]
    .join("\n")
}

/// Prints a seeder answer.
fn print_seeder(g: &GlobalOpts, s: pb::Seeder) -> anyhow::Result<()> {
    render::print_one(g, "seeder", seeder_json(&s), seeder_text(&s))
}

/// Runs a `weaved query seeders` command.
pub fn run_query(cmd: SeedersQueryCmd, g: &GlobalOpts) -> anyhow::Result<()> {
    match cmd {
        SeedersQueryCmd::List {
            sort,
            active_only,
            page,
            node,
        } => {
            let page = page.request()?;
            let r = with_channel(&node, g, |c| async move {
                query::seeders(&c, sort.proto(), active_only, page).await
            })?;
            if !g.json() && !r.entries.is_empty() {
                println!("{}", list_header());
            }
            r.print(g, "seeders", "no seeders", |s| {
                (seeder_json(s), seeder_line(s))
            })
        }
        SeedersQueryCmd::Show { seeder, node } => {
            let address = resolve_address(&seeder, g)?;
            let s = with_channel(
                &node,
                g,
                |c| async move { query::seeder(&c, &address).await },
            )?;
            print_seeder(g, s)
        }
        SeedersQueryCmd::ByPeer { peer_id, node } => {
            let peer_id = parse_peer_arg(&peer_id)?;
            let s = with_channel(&node, g, |c| async move {
                query::seeder_by_peer(&c, peer_id).await
            })?;
            print_seeder(g, s)
        }
        SeedersQueryCmd::Epoch { seeder, node } => {
            let address = resolve_address(&seeder, g)?;
            let seeder = address.to_string();
            let r = with_channel(&node, g, |c| async move {
                query::epoch_inputs(&c, &address).await
            })?;
            if g.json() {
                render::print_json(&epoch_json(&seeder, &r))
            } else {
                println!("{}", epoch_text(&seeder, &r));
                Ok(())
            }
        }
        SeedersQueryCmd::ProbeRound { height, node } => {
            let height = height.unwrap_or(0);
            let r = with_channel(
                &node,
                g,
                |c| async move { query::probe_round(&c, height).await },
            )?;
            if g.json() {
                render::print_json(&round_json(&r))
            } else {
                println!("{}", round_text(&r));
                Ok(())
            }
        }
        SeedersQueryCmd::Params { node } => {
            let p = with_channel(&node, g, |c| async move { query::params(&c).await })?;
            render::print_one(g, "params", params_json(&p), params_text(&p))
        }
        SeedersQueryCmd::Evidence { node } => {
            let url = node.url(&g.home)?;
            let records = runtime()?.block_on(query::node_evidence(&url, &g.home))?;
            render::print_json(&Value::Array(records))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listings_and_inputs_render() {
        let s = pb::Seeder {
            address: "weave1pafa9xct2zxsks824wuud2lpygj2vsf4p8dggy".into(),
            bond: "10000000".into(),
            reputation: "250".into(),
            status: pb::SeederStatus::Bonded as i32,
            jailed: true,
            contents: vec![pb::CommittedContent::default(); 3],
            peer_id: vec![1, 2],
            ..Default::default()
        };
        let line = seeder_line(&s);
        assert!(
            line.starts_with("weave1pafa9xct2zxsks824wuud2lpygj2vsf4p8dggy  bonded, jailed"),
            "{line}"
        );
        assert!(line.contains("10000000uweave"), "{line}");
        assert!(line.contains("  250  0102"), "{line}");
        assert!(line.ends_with("  3"), "{line}");
        assert_eq!(list_header().find("STATUS"), line.find("bonded"));

        let inputs = pb::QueryEpochInputsResponse {
            epoch: 4,
            epoch_end_height: 500,
            tally: Some(pb::EpochTally {
                payers: 1,
                fees: "20000000".into(),
                bytes: 1 << 20,
                untracked_fees: "0".into(),
                probe_passes: 3,
                probe_fails: 1,
            }),
            payers: vec![pb::PayerFee {
                payer: "weave1p".into(),
                fee: "20000000".into(),
                bytes: 1 << 20,
            }],
            bandwidth_points: "5472135".into(),
        };
        let j = epoch_json("weave1s", &inputs);
        assert_eq!(j["tally"]["probe_passes"], 3);
        assert_eq!(j["epoch_end_height"], 500);
        assert_eq!(j["payers"][0]["fee"], "20000000");
        let text = epoch_text("weave1s", &inputs);
        assert!(text.contains("epoch: 4 (ends at height 500)"), "{text}");
        assert!(text.contains("probe_passes: 3"), "{text}");
        assert!(
            text.contains("  weave1p  20000000uweave  1048576 bytes"),
            "{text}"
        );
        let empty = epoch_text("weave1s", &pb::QueryEpochInputsResponse::default());
        assert!(empty.contains("fees: 0uweave from 0"), "{empty}");

        let round = pb::QueryProbeRoundResponse {
            round: Some(pb::ProbeRound {
                height: 120,
                block_hash: vec![0xab; 32],
                report_height: 122,
                challenges_per_validator: 4,
                seeders: vec![pb::ProbeTarget {
                    seeder: "weave1s".into(),
                    contents: vec![pb::CommittedContent {
                        root: vec![1; 32],
                        slice_count: 12,
                    }],
                }],
            }),
            applied: true,
        };
        assert_eq!(
            round_json(&round)["round"]["seeders"][0]["seeder"],
            "weave1s"
        );
        let text = round_text(&round);
        assert!(text.starts_with("height: 120 (reports applied)"), "{text}");
        assert!(text.contains("  weave1s  1 contents, 12 slices"), "{text}");
    }

    #[test]
    fn params_render_every_field() {
        let p = weave_seeders::Params::default().to_proto();
        let j = params_json(&p);
        assert_eq!(j["min_bond"], "10000000");
        assert_eq!(j["max_seeders"], 200);
        assert_eq!(j.as_object().unwrap().len(), 19);
        let text = params_text(&p);
        assert_eq!(text.lines().count(), 19);
        assert!(
            text.contains("bad_slice_slash_bps: 1000 (10.00%)"),
            "{text}"
        );
        let off = pb::Params {
            probe_interval_blocks: 0,
            ..p
        };
        assert!(params_text(&off).contains("probe_interval_blocks: 0 (probes off)"));
    }
}
