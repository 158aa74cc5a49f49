//! `weaved tx splits` and `weaved query splits`.
//!
//! Recipients are given as `ADDR:BPS` (basis points, 10000 = 100%); the chain wants
//! them sorted by address, so the commands sort them and check the table (unique
//! recipients, positive shares summing to 10000) before anything is signed.

use clap::Subcommand;
use serde_json::{json, Value};
use weave_kernel::Address;
use weave_proto::weave::splits::v1 as pb;
use weave_splits::TOTAL_BPS;

use super::{
    msg::{self, sorted_recipients},
    query,
};
use crate::{
    keys::Keyring,
    opts::{resolve_address, GlobalOpts, NodeOpts},
    query::with_channel,
    render::{self, percent},
    tx::{from_key, parse_uweave, submit_with, TxOpts},
};

/// One `--recipient ADDR:BPS`: an address (or key name) and its share in basis points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecipientArg {
    /// A bech32 address or the name of a key in the key ring.
    pub who: String,
    /// Basis points, 1 to 10000.
    pub bps: u32,
}

/// Parses `ADDR:BPS`, e.g. `weave1...:2500` or `alice:7500`.
pub fn parse_recipient(s: &str) -> Result<RecipientArg, String> {
    let (who, bps) = s
        .rsplit_once(':')
        .ok_or_else(|| format!("invalid recipient {s:?}: want ADDR:BPS, e.g. alice:2500"))?;
    let who = who.trim();
    if who.is_empty() {
        return Err(format!("invalid recipient {s:?}: the address is empty"));
    }
    let bps = bps
        .trim()
        .parse::<u32>()
        .ok()
        .filter(|b| (1..=TOTAL_BPS).contains(b))
        .ok_or_else(|| {
            format!("invalid recipient {s:?}: the share must be 1 to {TOTAL_BPS} basis points")
        })?;
    Ok(RecipientArg {
        who: who.to_string(),
        bps,
    })
}

/// Resolves `--recipient` arguments (addresses or key names) into sorted, checked
/// recipients.
pub fn resolve_recipients(
    args: &[RecipientArg],
    g: &GlobalOpts,
) -> anyhow::Result<Vec<pb::Recipient>> {
    let resolved = args
        .iter()
        .map(|r| Ok((resolve_address(&r.who, g)?, r.bps)))
        .collect::<anyhow::Result<Vec<_>>>()?;
    sorted_recipients(resolved)
}

/// `weaved tx splits ...`
#[derive(Debug, Subcommand)]
pub enum SplitsTxCmd {
    /// Create a split table (`/weave.splits.v1.MsgCreateSplit`).
    ///
    /// Without --controller the table can never change. With --wait the new table's id
    /// is printed.
    #[command(
        after_help = "Example:\n  weaved tx splits create --recipient alice:7000 --recipient weave1pafa9xct2zxsks824wuud2lpygj2vsf4p8dggy:3000 --controller alice --from alice --wait"
    )]
    Create {
        /// A recipient and its share in basis points (10000 = 100%): `ADDR:BPS`, where
        /// ADDR is a bech32 address or a key name. Repeat for each recipient; shares
        /// must sum to 10000. They are sorted by address for you.
        #[arg(long = "recipient", value_name = "ADDR:BPS", value_parser = parse_recipient, required = true)]
        recipients: Vec<RecipientArg>,
        /// Who may later change the table or hand it over (an address or key name).
        #[arg(long, value_name = "ADDR")]
        controller: Option<String>,
        #[allow(missing_docs)] // flattened: its own fields carry the help
        #[command(flatten)]
        opts: TxOpts,
    },
    /// Replace a table's recipients (`/weave.splits.v1.MsgUpdateSplit`); signed by its
    /// controller.
    #[command(
        after_help = "Example:\n  weaved tx splits update 3 --recipient alice:5000 --recipient bob:5000 --from alice --wait"
    )]
    Update {
        /// The table's id.
        split_id: u64,
        /// A recipient and its share: `ADDR:BPS` (repeat; shares sum to 10000).
        #[arg(long = "recipient", value_name = "ADDR:BPS", value_parser = parse_recipient, required = true)]
        recipients: Vec<RecipientArg>,
        #[allow(missing_docs)] // flattened: its own fields carry the help
        #[command(flatten)]
        opts: TxOpts,
    },
    /// Propose a new controller for a table (`/weave.splits.v1.MsgProposeController`).
    ///
    /// The first step of a hand-over, signed by the current controller; --cancel (or an
    /// empty NEW_CONTROLLER) withdraws a pending proposal.
    #[command(
        after_help = "Example:\n  weaved tx splits propose-controller 3 weave1pafa9xct2zxsks824wuud2lpygj2vsf4p8dggy --from alice --wait"
    )]
    ProposeController {
        /// The table's id.
        split_id: u64,
        /// The proposed controller: an address or key name.
        #[arg(required_unless_present = "cancel", conflicts_with = "cancel")]
        new_controller: Option<String>,
        /// Withdraw the pending proposal instead.
        #[arg(long)]
        cancel: bool,
        #[allow(missing_docs)] // flattened: its own fields carry the help
        #[command(flatten)]
        opts: TxOpts,
    },
    /// Accept control of a table (`/weave.splits.v1.MsgAcceptController`).
    ///
    /// The second step of a hand-over, signed by the proposed controller.
    #[command(after_help = "Example:\n  weaved tx splits accept-controller 3 --from bob --wait")]
    AcceptController {
        /// The table's id.
        split_id: u64,
        #[allow(missing_docs)] // flattened: its own fields carry the help
        #[command(flatten)]
        opts: TxOpts,
    },
}

/// `weaved query splits ...`
#[derive(Debug, Subcommand)]
pub enum SplitsQueryCmd {
    /// The splits module's parameters (the protocol fee).
    #[command(after_help = "Example:\n  weaved query splits params")]
    Params {
        #[allow(missing_docs)] // flattened: its own fields carry the help
        #[command(flatten)]
        node: NodeOpts,
    },
    /// One split table: recipients, controller, pending controller and version.
    #[command(after_help = "Example:\n  weaved query splits split 3 --output json")]
    Split {
        /// The table's id.
        split_id: u64,
        #[allow(missing_docs)] // flattened: its own fields carry the help
        #[command(flatten)]
        node: NodeOpts,
    },
    /// How an amount paid through a table would divide now.
    ///
    /// The protocol fee comes off first, then one share per recipient.
    #[command(after_help = "Example:\n  weaved query splits preview 3 1000000uweave")]
    Preview {
        /// The table's id.
        split_id: u64,
        /// The amount, in uweave (`1000000` or `1000000uweave`).
        #[arg(value_parser = parse_uweave)]
        amount: u128,
        #[allow(missing_docs)] // flattened: its own fields carry the help
        #[command(flatten)]
        node: NodeOpts,
    },
}

/// An optional address argument: `None` for absent or empty.
fn optional_address(arg: Option<&str>, g: &GlobalOpts) -> anyhow::Result<Option<Address>> {
    match arg.map(str::trim) {
        None | Some("") => Ok(None),
        Some(a) => resolve_address(a, g).map(Some),
    }
}

/// Runs a `weaved tx splits` command.
pub fn run_tx(cmd: SplitsTxCmd, g: &GlobalOpts) -> anyhow::Result<()> {
    let keyring = Keyring::open(&g.home, g.keyring_backend)?;
    match cmd {
        SplitsTxCmd::Create {
            recipients,
            controller,
            opts,
        } => {
            let recipients = resolve_recipients(&recipients, g)?;
            let controller = optional_address(controller.as_deref(), g)?;
            let key = from_key(&opts, &keyring)?;
            let msg = msg::create_split(&key.address(), recipients, controller.as_ref());
            submit_with(&key, vec![msg], &opts, g, |s| {
                s.event_number(msg::EVENT_SPLIT_CREATED, "split_id")
                    .map(|id| vec![("split_id", json!(id))])
                    .unwrap_or_default()
            })
        }
        SplitsTxCmd::Update {
            split_id,
            recipients,
            opts,
        } => {
            let recipients = resolve_recipients(&recipients, g)?;
            let key = from_key(&opts, &keyring)?;
            let msg = msg::update_split(&key.address(), split_id, recipients);
            submit_with(&key, vec![msg], &opts, g, |_| Vec::new())
        }
        SplitsTxCmd::ProposeController {
            split_id,
            new_controller,
            cancel,
            opts,
        } => {
            let new_controller = if cancel {
                None
            } else {
                optional_address(new_controller.as_deref(), g)?
            };
            let key = from_key(&opts, &keyring)?;
            let msg = msg::propose_controller(&key.address(), split_id, new_controller.as_ref());
            submit_with(&key, vec![msg], &opts, g, |_| Vec::new())
        }
        SplitsTxCmd::AcceptController { split_id, opts } => {
            let key = from_key(&opts, &keyring)?;
            let msg = msg::accept_controller(&key.address(), split_id);
            submit_with(&key, vec![msg], &opts, g, |_| Vec::new())
        }
    }
}

/// A split table as JSON.
fn split_json(t: &pb::SplitTable) -> Value {
    json!({
        "id": t.id,
        "creator": t.creator,
        "controller": t.controller,
        "pending_controller": t.pending_controller,
        "version": t.version,
        "recipients": t.recipients.iter()
            .map(|r| json!({ "address": r.address, "bps": r.bps }))
            .collect::<Vec<_>>(),
    })
}

/// A split table as text.
fn split_text(t: &pb::SplitTable) -> String {
    let mut lines = vec![
        format!("id: {}", t.id),
        format!("creator: {}", t.creator),
        format!(
            "controller: {}",
            if t.controller.is_empty() {
                "(none: the table is immutable)"
            } else {
                &t.controller
            }
        ),
    ];
    if !t.pending_controller.is_empty() {
        lines.push(format!("pending_controller: {}", t.pending_controller));
    }
    lines.push(format!("version: {}", t.version));
    lines.push("recipients:".into());
    lines.extend(
        t.recipients
            .iter()
            .map(|r| format!("  {} {} bps ({})", r.address, r.bps, percent(r.bps))),
    );
    lines.join("\n")
}

/// Runs a `weaved query splits` command.
pub fn run_query(cmd: SplitsQueryCmd, g: &GlobalOpts) -> anyhow::Result<()> {
    match cmd {
        SplitsQueryCmd::Params { node } => {
            let params = with_channel(&node, g, |c| async move { query::params(c).await })?;
            if g.json() {
                render::print_json(&json!({
                    "params": { "protocol_fee_bps": params.protocol_fee_bps },
                }))
            } else {
                println!(
                    "protocol_fee_bps: {} ({})",
                    params.protocol_fee_bps,
                    percent(params.protocol_fee_bps)
                );
                Ok(())
            }
        }
        SplitsQueryCmd::Split { split_id, node } => {
            let split = with_channel(&node, g, |c| async move { query::split(c, split_id).await })?;
            if g.json() {
                render::print_json(&json!({ "split": split_json(&split) }))
            } else {
                println!("{}", split_text(&split));
                Ok(())
            }
        }
        SplitsQueryCmd::Preview {
            split_id,
            amount,
            node,
        } => {
            let payout = with_channel(&node, g, |c| async move {
                query::preview(c, split_id, amount).await
            })?;
            if g.json() {
                render::print_json(&json!({
                    "payout": {
                        "amount": payout.amount,
                        "protocol_fee": payout.protocol_fee,
                        "shares": payout.shares.iter()
                            .map(|s| json!({ "address": s.address, "amount": s.amount }))
                            .collect::<Vec<_>>(),
                    },
                }))
            } else {
                println!("amount: {}", payout.amount);
                println!("protocol_fee: {}", payout.protocol_fee);
                println!("shares:");
                for share in &payout.shares {
                    println!("  {} {}", share.address, share.amount);
                }
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recipients_parse_as_addr_colon_bps() {
        let addr = "weave1pafa9xct2zxsks824wuud2lpygj2vsf4p8dggy";
        assert_eq!(
            parse_recipient(&format!("{addr}:2500")).unwrap(),
            RecipientArg {
                who: addr.into(),
                bps: 2500
            }
        );
        assert_eq!(parse_recipient("alice:10000").unwrap().bps, 10_000);
        assert_eq!(parse_recipient(" bob : 1 ").unwrap().who, "bob");
        for bad in [
            "alice",
            "alice:",
            ":100",
            "alice:0",
            "alice:10001",
            "alice:-1",
            "alice:1.5",
        ] {
            assert!(parse_recipient(bad).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn tables_render() {
        let t = pb::SplitTable {
            id: 3,
            recipients: vec![pb::Recipient {
                address: "weave1x".into(),
                bps: 10_000,
            }],
            controller: String::new(),
            pending_controller: String::new(),
            creator: "weave1y".into(),
            version: 1,
        };
        let text = split_text(&t);
        assert!(
            text.contains("controller: (none: the table is immutable)"),
            "{text}"
        );
        assert!(text.contains("  weave1x 10000 bps (100.00%)"), "{text}");
        assert_eq!(split_json(&t)["recipients"][0]["bps"], 10_000);
    }
}
