//! `weaved tx channels`, `weaved query channels` and `weaved channels`: clap
//! arguments and rendering; the messages, reads and flows are the library's
//! ([`super::msg`], [`super::query`], [`super::tx`], [`super::voucher`]).

use std::path::PathBuf;

use anyhow::bail;
use clap::{ArgGroup, Subcommand};
use serde_json::{json, Value};
use weave_channels::Voucher;
use weave_kernel::Address;
use weave_proto::weave::channels::v1 as pb;

use super::{
    claimd,
    query::{self, ChannelView, LaneView},
    tx::{self as flows, ClaimSummary, Expiry},
    voucher::{
        read_voucher_files, sign_voucher as sign, voucher_fields_json, voucher_file_text,
        voucher_public_key, write_voucher_file,
    },
};
use crate::{
    content::parse_root,
    keys::Keyring,
    opts::resolve_address,
    opts::GlobalOpts,
    opts::NodeOpts,
    page::PageArgs,
    query::with_channel,
    render,
    tx::{
        from_key, parse_positive, parse_uweave, report_submitted, resolve_chain_id, run_flow,
        TxOpts,
    },
};

/// `weaved tx channels ...`
#[derive(Debug, Subcommand)]
pub enum ChannelsTxCmd {
    /// Open a payment channel (`/weave.channels.v1.MsgOpenChannel`).
    ///
    /// The deposit and the collateral move from --from to escrow. The channel's voucher
    /// key is derived from --from's account key (nothing new to keep secret): vouchers
    /// signed with `weaved channels sign-voucher --from` the same key pay from it. The
    /// channel expires at --expiry-height, or --expires-in blocks after the current
    /// height; from then (or from `close`) seeders have the challenge period to claim
    /// before the remainder returns. Once the deposit is spent, vouchers draw on the
    /// collateral. With --wait the new channel's id is printed.
    #[command(
        group(ArgGroup::new("expiry").required(true).args(["expiry_height", "expires_in"])),
        after_help = "Example:\n  weaved tx channels open --deposit 1000000uweave --expires-in 100000 --collateral 100000 --from alice --wait"
    )]
    Open {
        /// The deposit vouchers are paid from, in uweave (`1000000` or `1000000uweave`).
        #[arg(long, value_name = "AMOUNT", value_parser = parse_positive)]
        deposit: u128,
        /// The height at which the channel starts closing.
        #[arg(long, value_name = "HEIGHT")]
        expiry_height: Option<u64>,
        /// Expire this many blocks after the current height instead.
        #[arg(long, value_name = "BLOCKS", value_parser = clap::value_parser!(u64).range(1..))]
        expires_in: Option<u64>,
        /// Collateral held beside the deposit, slashed for vouchers beyond it, in uweave.
        #[arg(long, value_name = "AMOUNT", value_parser = parse_uweave, default_value = "0")]
        collateral: u128,
        #[allow(missing_docs)] // flattened: its own fields carry the help
        #[command(flatten)]
        opts: TxOpts,
    },
    /// Add to an open channel's deposit (`/weave.channels.v1.MsgTopUp`); signed by its
    /// payer.
    #[command(
        after_help = "Example:\n  weaved tx channels top-up 1 500000uweave --from alice --wait"
    )]
    TopUp {
        /// The channel's id.
        channel_id: u64,
        /// What to add, in uweave.
        #[arg(value_parser = parse_positive)]
        amount: u128,
        #[allow(missing_docs)] // flattened: its own fields carry the help
        #[command(flatten)]
        opts: TxOpts,
    },
    /// Close a channel (`/weave.channels.v1.MsgCloseChannel`); signed by its payer.
    ///
    /// Starts the challenge period, during which seeders can still claim; at the settle
    /// height (printed with --wait) the remaining deposit and collateral return to the
    /// payer.
    #[command(after_help = "Example:\n  weaved tx channels close 1 --from alice --wait")]
    Close {
        /// The channel's id.
        channel_id: u64,
        #[allow(missing_docs)] // flattened: its own fields carry the help
        #[command(flatten)]
        opts: TxOpts,
    },
    /// Claim vouchers (`/weave.channels.v1.MsgClaim`); signed by the seeder they name.
    ///
    /// Every voucher of every file goes into one claim. Each pays its lane the increase
    /// of its cumulative amount over what the lane already claimed: the seeder's share
    /// to the seeder, the rest through the content's split. Vouchers that fail (a bad
    /// signature, a stale nonce, another seeder or chain...) pay nothing and are
    /// listed with --wait, with their position, code and reason; the others still pay.
    /// A claim in which no voucher pays fails.
    ///
    /// A voucher file holds `{"voucher": BASE64, "signature": BASE64}` (what `weaved
    /// channels sign-voucher` writes), a JSON array of those, or lines of base64-encoded
    /// `weave.channels.v1.SignedVoucher`s.
    #[command(
        after_help = "Example:\n  weaved tx channels claim --voucher-file v1.json --voucher-file v2.json --from seeder --wait"
    )]
    Claim {
        /// A voucher file (repeat the flag, or give several files after it).
        #[arg(long = "voucher-file", value_name = "FILE", required = true, num_args = 1..)]
        voucher_files: Vec<PathBuf>,
        #[allow(missing_docs)] // flattened: its own fields carry the help
        #[command(flatten)]
        opts: TxOpts,
    },
}

/// `weaved query channels ...`
#[derive(Debug, Subcommand)]
pub enum ChannelsQueryCmd {
    /// The channels module's parameters.
    #[command(after_help = "Example:\n  weaved query channels params")]
    Params {
        #[allow(missing_docs)] // flattened: its own fields carry the help
        #[command(flatten)]
        node: NodeOpts,
    },
    /// One channel: payer, voucher key, deposit, what was paid and what remains,
    /// collateral, overspend, status and heights.
    #[command(after_help = "Example:\n  weaved query channels channel 1 --output json")]
    Channel {
        /// The channel's id.
        channel_id: u64,
        #[allow(missing_docs)] // flattened: its own fields carry the help
        #[command(flatten)]
        node: NodeOpts,
    },
    /// A channel's lanes (one per seeder and content): what each claimed.
    #[command(after_help = "Example:\n  weaved query channels lanes 1 --limit 50")]
    Lanes {
        /// The channel's id.
        channel_id: u64,
        #[allow(missing_docs)] // flattened: its own fields carry the help
        #[command(flatten)]
        page: PageArgs,
        #[allow(missing_docs)] // flattened: its own fields carry the help
        #[command(flatten)]
        node: NodeOpts,
    },
    /// One lane: what a seeder claimed from a channel for one content.
    #[command(
        after_help = "Example:\n  weaved query channels lane 1 weave1pafa9xct2zxsks824wuud2lpygj2vsf4p8dggy 6f1ed002ab5595859014ebf0951522d9a2dd2f1e5e8a4fa19c4a0d5e4a4b3c2d"
    )]
    Lane {
        /// The channel's id.
        channel_id: u64,
        /// The seeder: a bech32 address or a key name.
        seeder: String,
        /// The content's Merkle root: 64 hex digits.
        content_root: String,
        #[allow(missing_docs)] // flattened: its own fields carry the help
        #[command(flatten)]
        node: NodeOpts,
    },
    /// What a seeder earned through vouchers, and the bytes they prove it served.
    #[command(after_help = "Example:\n  weaved query channels earnings seeder")]
    Earnings {
        /// The seeder: a bech32 address or a key name.
        seeder: String,
        #[allow(missing_docs)] // flattened: its own fields carry the help
        #[command(flatten)]
        node: NodeOpts,
    },
}

/// `weaved channels ...`: vouchers on this machine.
#[derive(Debug, Subcommand)]
pub enum ChannelsCmd {
    /// Sign a voucher with the voucher key derived from --from (the channel's payer).
    ///
    /// A voucher promises a seeder a cumulative amount for the bytes it has served of
    /// one content over one channel; each new voucher of a lane needs a higher nonce
    /// and amount. The chain id comes from --chain-id or `<home>/config/weaved.toml`.
    /// The voucher is printed, or written to --out, as `{"voucher": BASE64,
    /// "signature": BASE64}`, the form `weaved tx channels claim --voucher-file` reads.
    /// Nothing is sent to a node.
    #[command(
        after_help = "Example:\n  weaved channels sign-voucher --from alice --channel 1 --seeder weave1pafa9xct2zxsks824wuud2lpygj2vsf4p8dggy --content-root 6f1ed002ab5595859014ebf0951522d9a2dd2f1e5e8a4fa19c4a0d5e4a4b3c2d --bytes 1048576 --amount 100 --nonce 1 -o v1.json"
    )]
    SignVoucher(SignVoucherArgs),
    /// A paid seeder's claimer: claim the vouchers this node holds, on its own.
    ///
    /// Every --interval seconds, reads the best voucher of each lane from the node
    /// (`[sidecar] payout_address` must be --from's address) and each lane's claimed
    /// amount from the chain, and claims when the unclaimed value reaches --threshold,
    /// every --claim-every seconds, and always before a closing channel settles
    /// (--closing-margin blocks ahead). --once claims everything unclaimed and exits.
    #[command(
        after_help = "Example:\n  weaved channels claim-daemon --from seeder --interval 10 --threshold 1000000 --keyring-backend test"
    )]
    ClaimDaemon(claimd::ClaimDaemonArgs),
}

/// `weaved channels sign-voucher` flags.
#[derive(Debug, clap::Args)]
pub struct SignVoucherArgs {
    /// The payer's key (a key name): the voucher key is derived from it.
    #[arg(long, value_name = "KEY")]
    from: String,
    /// The channel that pays.
    #[arg(long = "channel", value_name = "ID")]
    channel_id: u64,
    /// The seeder paid: a bech32 address or a key name.
    #[arg(long, value_name = "ADDR")]
    seeder: String,
    /// The Merkle root of the content served: 64 hex digits.
    #[arg(long, value_name = "HEX")]
    content_root: String,
    /// Bytes served on this lane so far (cumulative).
    #[arg(long = "bytes", value_name = "N")]
    cumulative_bytes: u64,
    /// uweave owed on this lane so far (cumulative); at least the content's price per
    /// GiB for the bytes.
    #[arg(long = "amount", value_name = "AMOUNT", value_parser = parse_uweave)]
    cumulative_amount: u128,
    /// The voucher's nonce: above the lane's last.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    nonce: u64,
    /// Write the voucher to this file instead of printing it.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// The chain id the voucher is valid on (default: `chain_id` of
    /// `<home>/config/weaved.toml`).
    #[arg(long)]
    chain_id: Option<String>,
}

/// An amount as printed: `1000uweave` in text, `"1000"` in JSON.
pub fn format_amount(amount: u128, json: bool) -> String {
    if json {
        amount.to_string()
    } else {
        format!("{amount}uweave")
    }
}

/// What `tx channels claim` prints after the transaction's result: fields of the
/// JSON document, or `key: value` lines (one `rejected:` line per refused voucher).
fn claim_extras(s: &ClaimSummary, json: bool) -> Vec<(&'static str, Value)> {
    let mut extras = vec![
        ("paid", json!(format_amount(s.paid, json))),
        ("seeder_share", json!(format_amount(s.seeder_share, json))),
        ("accepted", json!(s.accepted)),
    ];
    if json {
        extras.push((
            "rejected",
            Value::Array(
                s.rejected
                    .iter()
                    .map(|r| json!({ "index": r.index, "code": r.code, "reason": r.reason }))
                    .collect(),
            ),
        ));
    } else {
        extras.push(("rejected", json!(s.rejected.len())));
        extras.extend(s.rejected.iter().map(|r| {
            (
                "rejected",
                json!(format!(
                    "voucher {}: code {}: {}",
                    r.index, r.code, r.reason
                )),
            )
        }));
    }
    extras
}

/// Runs a `weaved tx channels` command.
pub fn run_tx(cmd: ChannelsTxCmd, g: &GlobalOpts) -> anyhow::Result<()> {
    let keyring = Keyring::open(&g.home, g.keyring_backend)?;
    match cmd {
        ChannelsTxCmd::Open {
            deposit,
            expiry_height,
            expires_in,
            collateral,
            opts,
        } => {
            let key = from_key(&opts, &keyring)?;
            let expiry = match (expiry_height, expires_in) {
                (Some(h), _) => Expiry::AtHeight(h),
                (None, Some(blocks)) => Expiry::In(blocks),
                (None, None) => bail!("give --expiry-height or --expires-in"),
            };
            let r = run_flow(&opts, g, |c, plan| async move {
                flows::open(&c, &plan, &key, deposit, expiry, collateral).await
            })?;
            let mut extras = Vec::new();
            if let Some(id) = r.channel_id {
                extras.push(("channel_id", json!(id)));
            }
            extras.push(("voucher_key", json!(r.voucher_key)));
            extras.push(("expiry_height", json!(r.expiry_height)));
            report_submitted(&r.tx, &opts, g, &extras)
        }
        ChannelsTxCmd::TopUp {
            channel_id,
            amount,
            opts,
        } => {
            let key = from_key(&opts, &keyring)?;
            let tx = run_flow(&opts, g, |c, plan| async move {
                flows::top_up(&c, &plan, &key, channel_id, amount).await
            })?;
            report_submitted(&tx, &opts, g, &[])
        }
        ChannelsTxCmd::Close { channel_id, opts } => {
            let key = from_key(&opts, &keyring)?;
            let r = run_flow(&opts, g, |c, plan| async move {
                flows::close(&c, &plan, &key, channel_id).await
            })?;
            let extras: Vec<_> = r
                .settle_height
                .iter()
                .map(|h| ("settle_height", json!(h)))
                .collect();
            report_submitted(&r.tx, &opts, g, &extras)
        }
        ChannelsTxCmd::Claim {
            voucher_files,
            opts,
        } => {
            let vouchers = read_voucher_files(&voucher_files)?;
            let key = from_key(&opts, &keyring)?;
            let r = run_flow(&opts, g, |c, plan| async move {
                flows::claim(&c, &plan, &key, vouchers).await
            })?;
            let extras = r
                .summary
                .as_ref()
                .map(|s| claim_extras(s, g.json()))
                .unwrap_or_default();
            report_submitted(&r.tx, &opts, g, &extras)
        }
    }
}

/// Runs a `weaved channels` command.
pub fn run(cmd: ChannelsCmd, g: &GlobalOpts) -> anyhow::Result<()> {
    match cmd {
        ChannelsCmd::SignVoucher(args) => sign_voucher(&args, g),
        ChannelsCmd::ClaimDaemon(args) => claimd::run(args, g),
    }
}

/// Runs `weaved channels sign-voucher`.
fn sign_voucher(args: &SignVoucherArgs, g: &GlobalOpts) -> anyhow::Result<()> {
    let chain_id = resolve_chain_id(args.chain_id.as_deref(), g)?;
    let seeder = resolve_address(&args.seeder, g)?;
    let content_root = parse_root(&args.content_root)?;
    let keyring = Keyring::open(&g.home, g.keyring_backend)?;
    let key = keyring.signing_key(&args.from)?;
    let voucher = Voucher {
        chain_id,
        channel_id: args.channel_id,
        seeder,
        content_root,
        cumulative_bytes: args.cumulative_bytes,
        cumulative_amount: args.cumulative_amount,
        nonce: args.nonce,
    };
    let signed = sign(&key, &voucher);
    let document = voucher_file_text(&signed);
    match &args.out {
        None => {
            println!("{document}");
            Ok(())
        }
        Some(path) => {
            write_voucher_file(path, &document)?;
            if g.json() {
                render::print_json(&json!({
                    "file": path.display().to_string(),
                    "voucher": voucher_fields_json(&signed.voucher),
                    "voucher_key": hex::encode(voucher_public_key(&key)),
                }))
            } else {
                println!(
                    "wrote a voucher of channel {} to {}: seeder {}, content {}, {} bytes, {}uweave, nonce {}",
                    voucher.channel_id,
                    path.display(),
                    voucher.seeder,
                    hex::encode(voucher.content_root),
                    voucher.cumulative_bytes,
                    voucher.cumulative_amount,
                    voucher.nonce,
                );
                Ok(())
            }
        }
    }
}

/// A channel as JSON: amounts as strings, the voucher key in hex.
#[cfg(test)]
fn channel_json(c: &pb::Channel, remaining: &str) -> Value {
    serde_json::to_value(ChannelView::new(c, remaining)).unwrap_or(Value::Null)
}

/// A channel as text, one field per line.
#[cfg(test)]
fn channel_text(c: &pb::Channel, remaining: &str) -> String {
    channel_view_text(&ChannelView::new(c, remaining))
}

/// A channel's view as text, one field per line.
fn channel_view_text(c: &ChannelView) -> String {
    let mut lines = vec![
        format!("id: {}", c.id),
        format!("payer: {}", c.payer),
        format!("voucher_key: {}", c.voucher_key),
        format!("status: {}", c.status),
        format!("deposit: {}uweave", c.deposit),
        format!("paid: {}uweave", c.paid),
        format!("remaining: {}uweave", c.remaining),
        format!(
            "collateral: {}uweave ({}uweave slashed)",
            c.collateral, c.collateral_slashed
        ),
    ];
    if c.overspend != "0" && !c.overspend.is_empty() {
        lines.push(format!("overspend: {}uweave", c.overspend));
    }
    lines.push(format!("expiry_height: {}", c.expiry_height));
    if c.settle_height != 0 {
        lines.push(format!("settle_height: {}", c.settle_height));
    }
    lines.join("\n")
}

/// A lane as JSON.
fn lane_json(l: &pb::Lane) -> Value {
    serde_json::to_value(LaneView::from(l)).unwrap_or(Value::Null)
}

/// A lane as one line of a listing.
fn lane_line(l: &pb::Lane) -> String {
    format!(
        "{}\t{}\t{}uweave\t{} bytes\tnonce {}",
        l.seeder,
        hex::encode(&l.content_root),
        l.claimed_amount,
        l.claimed_bytes,
        l.last_nonce
    )
}

/// A lane as text, one field per line.
fn lane_text(l: &pb::Lane) -> String {
    [
        format!("channel_id: {}", l.channel_id),
        format!("seeder: {}", l.seeder),
        format!("content_root: {}", hex::encode(&l.content_root)),
        format!("claimed_amount: {}uweave", l.claimed_amount),
        format!("claimed_bytes: {}", l.claimed_bytes),
        format!("last_nonce: {}", l.last_nonce),
    ]
    .join("\n")
}

/// Runs a `weaved query channels` command.
pub fn run_query(cmd: ChannelsQueryCmd, g: &GlobalOpts) -> anyhow::Result<()> {
    match cmd {
        ChannelsQueryCmd::Params { node } => {
            let p = with_channel(&node, g, |c| async move { query::params(&c).await })?;
            render::print_one(
                g,
                "params",
                json!({
                    "seeder_share_bps": p.seeder_share_bps,
                    "challenge_period_blocks": p.challenge_period_blocks,
                    "max_vouchers_per_claim": p.max_vouchers_per_claim,
                    "max_settlements_per_block": p.max_settlements_per_block,
                }),
                format!(
                    "seeder_share_bps: {} ({})\nchallenge_period_blocks: {}\nmax_vouchers_per_claim: {}\nmax_settlements_per_block: {}",
                    p.seeder_share_bps,
                    crate::render::percent(p.seeder_share_bps),
                    p.challenge_period_blocks,
                    p.max_vouchers_per_claim,
                    p.max_settlements_per_block
                ),
            )
        }
        ChannelsQueryCmd::Channel { channel_id, node } => {
            let view = with_channel(
                &node,
                g,
                |c| async move { query::channel(&c, channel_id).await },
            )?;
            render::print_one(
                g,
                "channel",
                serde_json::to_value(&view)?,
                channel_view_text(&view),
            )
        }
        ChannelsQueryCmd::Lanes {
            channel_id,
            page,
            node,
        } => {
            let page = page.request()?;
            let r = with_channel(&node, g, |c| async move {
                query::lanes(&c, channel_id, page).await
            })?;
            r.print(g, "lanes", "no lanes", |l| (lane_json(l), lane_line(l)))
        }
        ChannelsQueryCmd::Lane {
            channel_id,
            seeder,
            content_root,
            node,
        } => {
            let seeder = resolve_address(&seeder, g)?;
            let root = parse_root(&content_root)?;
            let lane = with_channel(&node, g, |c| async move {
                query::lane(&c, channel_id, &seeder, &root).await
            })?;
            render::print_one(g, "lane", lane_json(&lane), lane_text(&lane))
        }
        ChannelsQueryCmd::Earnings { seeder, node } => {
            let seeder: Address = resolve_address(&seeder, g)?;
            let e = with_channel(
                &node,
                g,
                |c| async move { query::earnings(&c, &seeder).await },
            )?;
            render::print_one(
                g,
                "earnings",
                serde_json::to_value(&e)?,
                format!(
                    "seeder: {}\nearned: {}uweave\nverified_bytes: {}",
                    e.seeder, e.earned, e.verified_bytes
                ),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::channels::query::status_name;

    fn event(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn claims_print_their_summary() {
        let s = ClaimSummary::from_events(
            &[event(&[("amount", "1010"), ("seeder_share", "707")])],
            &[
                event(&[("amount", "600"), ("vouchers", "1")]),
                event(&[("amount", "410"), ("vouchers", "3")]),
            ],
            &[event(&[
                ("index", "2"),
                ("code", "13"),
                ("reason", "voucher signature does not verify"),
            ])],
        );
        assert_eq!(s.accepted, 4, "vouchers counted over the lanes");
        let text = claim_extras(&s, false);
        assert_eq!(text[0], ("paid", json!("1010uweave")));
        assert_eq!(
            text.last().unwrap(),
            &(
                "rejected",
                json!("voucher 2: code 13: voucher signature does not verify")
            )
        );
        let doc = claim_extras(&s, true);
        assert_eq!(doc[0], ("paid", json!("1010")));
        assert_eq!(doc[3].1[0]["code"], 13);
    }

    #[test]
    fn channels_render() {
        let c = pb::Channel {
            id: 1,
            payer: "weave1p".into(),
            voucher_key: vec![0xab; 32],
            deposit: "1000".into(),
            paid: "400".into(),
            collateral: "50".into(),
            collateral_slashed: "0".into(),
            overspend: "0".into(),
            expiry_height: 99,
            status: pb::ChannelStatus::Closing as i32,
            settle_height: 120,
        };
        let text = channel_text(&c, "600");
        assert!(text.contains("status: closing"), "{text}");
        assert!(text.contains("remaining: 600uweave"), "{text}");
        assert!(text.contains("settle_height: 120"), "{text}");
        assert!(!text.contains("overspend"), "{text}");
        let v = channel_json(&c, "600");
        assert_eq!(v["voucher_key"], "ab".repeat(32));
        assert_eq!(v["remaining"], "600");
        assert_eq!(status_name(3), "settled");
        assert_eq!(status_name(9), "unspecified");
        let l = pb::Lane {
            channel_id: 1,
            seeder: "weave1s".into(),
            content_root: vec![1; 32],
            claimed_amount: "300".into(),
            claimed_bytes: 4096,
            last_nonce: 3,
        };
        assert!(lane_line(&l).ends_with("300uweave\t4096 bytes\tnonce 3"));
        assert_eq!(lane_json(&l)["last_nonce"], 3);
        assert!(lane_text(&l).contains("claimed_amount: 300uweave"));
    }
}
