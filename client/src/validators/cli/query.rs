//! `weaved query validators`: validators, the active set, a delegator's delegations,
//! unbondings, redelegations and pending rewards, liveness, parameters and totals,
//! over `weave.validators.v1.Query`. Clap arguments and rendering; the reads are
//! [`crate::validators::query`]'s.

use base64::{engine::general_purpose::STANDARD as BASE64, Engine};
use clap::Subcommand;
use serde_json::{json, Value};
use weave_kernel::Address;
use weave_proto::weave::validators::v1 as pb;
use weave_validators::power_of;

use crate::validators::{
    query::{self, reward_totals, PendingRewards},
    time_text,
};
use crate::{
    opts::resolve_address, opts::GlobalOpts, opts::NodeOpts, page::PageArgs, query::with_channel,
    render,
};

/// A validator status to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum StatusArg {
    /// In the active set.
    Bonded,
    /// Left the active set less than the unbonding time ago.
    Unbonding,
    /// Not in the active set.
    Unbonded,
}

impl StatusArg {
    fn proto(self) -> pb::ValidatorStatus {
        match self {
            Self::Bonded => pb::ValidatorStatus::Bonded,
            Self::Unbonding => pb::ValidatorStatus::Unbonding,
            Self::Unbonded => pb::ValidatorStatus::Unbonded,
        }
    }
}

/// `weaved query validators ...`
#[derive(Debug, Subcommand)]
pub enum ValidatorsQueryCmd {
    /// Validators in operator-address order: status, tokens, power, commission and
    /// moniker.
    ///
    /// With --status the node filters each page, so a page may hold fewer than
    /// --limit entries and still be followed by another.
    #[command(after_help = "Example:\n  weaved query validators list --status bonded")]
    List {
        /// Only validators of this status.
        #[arg(long, value_enum)]
        status: Option<StatusArg>,
        #[allow(missing_docs)] // flattened: its own fields carry the help
        #[command(flatten)]
        page: PageArgs,
        #[allow(missing_docs)] // flattened: its own fields carry the help
        #[command(flatten)]
        node: NodeOpts,
    },
    /// One validator: keys, tokens and shares, status and jail, commission,
    /// description.
    #[command(after_help = "Example:\n  weaved query validators show validator --output json")]
    Show {
        /// The validator: its operator's address or a key name.
        validator: String,
        #[allow(missing_docs)] // flattened: its own fields carry the help
        #[command(flatten)]
        node: NodeOpts,
    },
    /// The active set as last sent to CometBFT: operators, consensus keys and powers.
    #[command(after_help = "Example:\n  weaved query validators set")]
    Set {
        #[allow(missing_docs)] // flattened: its own fields carry the help
        #[command(flatten)]
        node: NodeOpts,
    },
    /// A delegator's delegations (with their token values), unbonding entries and
    /// redelegations, every page.
    #[command(after_help = "Example:\n  weaved query validators delegations alice")]
    Delegations {
        /// The delegator: an address or a key name.
        delegator: String,
        #[allow(missing_docs)] // flattened: its own fields carry the help
        #[command(flatten)]
        node: NodeOpts,
    },
    /// A delegator's pending rewards: from one validator, or from each it delegates
    /// to; an operator's commission from its own validator too.
    #[command(after_help = "Example:\n  weaved query validators rewards alice")]
    Rewards {
        /// The delegator: an address or a key name.
        delegator: String,
        /// Only this validator.
        validator: Option<String>,
        #[allow(missing_docs)] // flattened: its own fields carry the help
        #[command(flatten)]
        node: NodeOpts,
    },
    /// A validator's liveness: blocks missed in the window, the limit, and its jail.
    #[command(after_help = "Example:\n  weaved query validators signing-info validator")]
    SigningInfo {
        /// The validator: its operator's address or a key name.
        validator: String,
        #[allow(missing_docs)] // flattened: its own fields carry the help
        #[command(flatten)]
        node: NodeOpts,
    },
    /// The validators module's parameters.
    #[command(after_help = "Example:\n  weaved query validators params")]
    Params {
        #[allow(missing_docs)] // flattened: its own fields carry the help
        #[command(flatten)]
        node: NodeOpts,
    },
    /// What the module minted as block rewards, burned by slashing and sent to the
    /// community pool as rounding dust, since genesis.
    #[command(after_help = "Example:\n  weaved query validators totals")]
    Totals {
        #[allow(missing_docs)] // flattened: its own fields carry the help
        #[command(flatten)]
        node: NodeOpts,
    },
}

/// One validator, by operator, from the node of `node`.
pub fn fetch_validator(
    node: &NodeOpts,
    g: &GlobalOpts,
    operator: &Address,
) -> anyhow::Result<pb::Validator> {
    let operator = *operator;
    with_channel(
        node,
        g,
        |c| async move { query::validator(&c, &operator).await },
    )
}

/// The name of a validator status: `bonded`, `unbonding`, `unbonded` or
/// `unspecified`.
fn status_name(status: i32) -> &'static str {
    match pb::ValidatorStatus::try_from(status) {
        Ok(pb::ValidatorStatus::Bonded) => "bonded",
        Ok(pb::ValidatorStatus::Unbonding) => "unbonding",
        Ok(pb::ValidatorStatus::Unbonded) => "unbonded",
        _ => "unspecified",
    }
}

/// The voting power a validator has in CometBFT: tokens / 10^6 when bonded, else 0.
fn power(v: &pb::Validator) -> i64 {
    if v.status != pb::ValidatorStatus::Bonded as i32 {
        return 0;
    }
    v.tokens.parse::<u128>().map_or(0, power_of)
}

/// A validator as JSON: amounts as strings, the consensus key in base64 and its
/// address in upper-case hex, as CometBFT shows them.
fn validator_json(v: &pb::Validator) -> Value {
    let d = v.description.clone().unwrap_or_default();
    let c = v.commission.unwrap_or_default();
    json!({
        "operator": v.operator,
        "consensus_pubkey": BASE64.encode(&v.consensus_pubkey),
        "consensus_address": hex::encode_upper(&v.consensus_address),
        "status": status_name(v.status),
        "power": power(v),
        "tokens": v.tokens,
        "delegator_shares": v.delegator_shares,
        "jailed": v.jailed,
        "jailed_until_seconds": v.jailed_until_seconds,
        "tombstoned": v.tombstoned,
        "commission": {
            "rate_bps": c.rate_bps,
            "max_rate_bps": c.max_rate_bps,
            "max_change_rate_bps": c.max_change_rate_bps,
            "updated_at_seconds": c.updated_at_seconds,
        },
        "description": {
            "moniker": d.moniker,
            "identity": d.identity,
            "website": d.website,
            "details": d.details,
        },
        "min_self_delegation": v.min_self_delegation,
        "unbonding_completion_seconds": v.unbonding_completion_seconds,
        "created_height": v.created_height,
    })
}

/// A validator's status with its jail, in a word or two: `bonded`, `unbonded,
/// jailed`, `unbonding, tombstoned`.
fn standing(v: &pb::Validator) -> String {
    let status = status_name(v.status);
    if v.tombstoned {
        format!("{status}, tombstoned")
    } else if v.jailed {
        format!("{status}, jailed")
    } else {
        status.to_string()
    }
}

/// A validator as one line of a listing.
fn validator_line(v: &pb::Validator) -> String {
    let moniker = v.description.as_ref().map_or("", |d| d.moniker.as_str());
    let rate = v.commission.map_or(0, |c| c.rate_bps);
    format!(
        "{}\t{}\t{}uweave\tpower {}\tcommission {}\t{}",
        v.operator,
        standing(v),
        v.tokens,
        power(v),
        crate::render::percent(rate),
        moniker
    )
}

/// A validator as text, one field per line.
fn validator_text(v: &pb::Validator) -> String {
    let d = v.description.clone().unwrap_or_default();
    let c = v.commission.unwrap_or_default();
    let mut lines = vec![
        format!("operator: {}", v.operator),
        format!("moniker: {}", d.moniker),
    ];
    for (name, value) in [
        ("identity", &d.identity),
        ("website", &d.website),
        ("details", &d.details),
    ] {
        if !value.is_empty() {
            lines.push(format!("{name}: {value}"));
        }
    }
    lines.extend([
        format!("status: {}", status_name(v.status)),
        format!("power: {}", power(v)),
        format!("tokens: {}uweave", v.tokens),
        format!("delegator_shares: {}", v.delegator_shares),
        format!("consensus_pubkey: {}", BASE64.encode(&v.consensus_pubkey)),
        format!(
            "consensus_address: {}",
            hex::encode_upper(&v.consensus_address)
        ),
        format!(
            "commission: {} (max {}, max change {})",
            crate::render::percent(c.rate_bps),
            crate::render::percent(c.max_rate_bps),
            crate::render::percent(c.max_change_rate_bps)
        ),
        format!("min_self_delegation: {}uweave", v.min_self_delegation),
    ]);
    if v.jailed {
        lines.push(format!(
            "jailed: until {}{}",
            time_text(v.jailed_until_seconds),
            if v.tombstoned { " (tombstoned)" } else { "" }
        ));
    }
    if v.status == pb::ValidatorStatus::Unbonding as i32 {
        lines.push(format!(
            "unbonding_until: {}",
            time_text(v.unbonding_completion_seconds)
        ));
    }
    lines.push(format!("created_height: {}", v.created_height));
    lines.join("\n")
}

/// A delegation as JSON.
fn delegation_json(d: &pb::DelegationResponse) -> Value {
    let inner = d.delegation.clone().unwrap_or_default();
    json!({
        "validator": inner.validator,
        "shares": inner.shares,
        "tokens": d.tokens,
    })
}

/// An unbonding entry as JSON.
fn unbonding_json(u: &pb::UnbondingEntry) -> Value {
    json!({
        "id": u.id,
        "validator": u.validator,
        "initial_balance": u.initial_balance,
        "balance": u.balance,
        "creation_height": u.creation_height,
        "completion_seconds": u.completion_seconds,
        "completion_time": time_text(u.completion_seconds),
    })
}

/// A redelegation entry as JSON.
fn redelegation_json(r: &pb::RedelegationEntry) -> Value {
    json!({
        "id": r.id,
        "src_validator": r.src_validator,
        "dst_validator": r.dst_validator,
        "initial_balance": r.initial_balance,
        "shares_dst": r.shares_dst,
        "creation_height": r.creation_height,
        "completion_seconds": r.completion_seconds,
        "completion_time": time_text(r.completion_seconds),
    })
}

/// A delegator's delegations, unbondings and redelegations as text sections.
fn delegations_text(
    delegations: &[pb::DelegationResponse],
    unbondings: &[pb::UnbondingEntry],
    redelegations: &[pb::RedelegationEntry],
) -> String {
    let mut lines = vec![format!("delegations: {}", delegations.len())];
    lines.extend(delegations.iter().map(|d| {
        let validator = d.delegation.as_ref().map_or("", |x| x.validator.as_str());
        format!("  {validator}\t{}uweave", d.tokens)
    }));
    lines.push(format!("unbonding: {}", unbondings.len()));
    lines.extend(unbondings.iter().map(|u| {
        format!(
            "  #{}\t{}\t{}uweave\tuntil {}",
            u.id,
            u.validator,
            u.balance,
            time_text(u.completion_seconds)
        )
    }));
    lines.push(format!("redelegations: {}", redelegations.len()));
    lines.extend(redelegations.iter().map(|r| {
        format!(
            "  #{}\t{} -> {}\t{}uweave\tuntil {}",
            r.id,
            r.src_validator,
            r.dst_validator,
            r.initial_balance,
            time_text(r.completion_seconds)
        )
    }));
    lines.join("\n")
}

/// Pending rewards as JSON and text, with their totals.
fn rewards_output(all: &[PendingRewards]) -> anyhow::Result<(Value, String)> {
    let (total_rewards, total_commission) = reward_totals(all)?;
    let value = json!({
        "rewards": all
            .iter()
            .map(|r| json!({
                "validator": r.validator,
                "rewards": r.rewards,
                "commission": r.commission,
            }))
            .collect::<Vec<_>>(),
        "total_rewards": total_rewards.to_string(),
        "total_commission": total_commission.to_string(),
    });
    let mut lines: Vec<String> = all
        .iter()
        .map(|r| {
            if r.commission == "0" || r.commission.is_empty() {
                format!("{}\t{}uweave", r.validator, r.rewards)
            } else {
                format!(
                    "{}\t{}uweave\tcommission {}uweave",
                    r.validator, r.rewards, r.commission
                )
            }
        })
        .collect();
    if all.is_empty() {
        lines.push("(no delegations)".into());
    }
    lines.push(format!("total: {total_rewards}uweave"));
    if total_commission > 0 {
        lines.push(format!("total commission: {total_commission}uweave"));
    }
    Ok((value, lines.join("\n")))
}

/// Runs a `weaved query validators` command.
pub fn run_query(cmd: ValidatorsQueryCmd, g: &GlobalOpts) -> anyhow::Result<()> {
    match cmd {
        ValidatorsQueryCmd::List { status, page, node } => {
            let page = page.request()?;
            let status = status.map_or(pb::ValidatorStatus::Unspecified, StatusArg::proto);
            let r = with_channel(&node, g, |c| async move {
                query::validators(&c, status, page).await
            })?;
            r.print(g, "validators", "no validators", |v| {
                (validator_json(v), validator_line(v))
            })
        }
        ValidatorsQueryCmd::Show { validator, node } => {
            let operator = resolve_address(&validator, g)?;
            let v = fetch_validator(&node, g, &operator)?;
            render::print_one(g, "validator", validator_json(&v), validator_text(&v))
        }
        ValidatorsQueryCmd::Set { node } => {
            let set = with_channel(&node, g, |c| async move { query::validator_set(&c).await })?;
            let total: i64 = set.iter().map(|v| v.power).fold(0, i64::saturating_add);
            if g.json() {
                return render::print_json(&json!({
                    "validators": set
                        .iter()
                        .map(|v| json!({
                            "operator": v.operator,
                            "consensus_pubkey": BASE64.encode(&v.consensus_pubkey),
                            "power": v.power,
                        }))
                        .collect::<Vec<_>>(),
                    "total_power": total,
                }));
            }
            if set.is_empty() {
                println!("(no validators set by the module: CometBFT's genesis validators stand)");
            }
            for v in &set {
                println!(
                    "{}\tpower {}\t{}",
                    v.operator,
                    v.power,
                    BASE64.encode(&v.consensus_pubkey)
                );
            }
            println!("total power: {total}");
            Ok(())
        }
        ValidatorsQueryCmd::Delegations { delegator, node } => {
            let delegator = resolve_address(&delegator, g)?;
            let (delegations, unbondings, redelegations) =
                with_channel(&node, g, |c| async move {
                    Ok((
                        query::all_delegations(&c, &delegator).await?,
                        query::all_unbondings(&c, &delegator).await?,
                        query::all_redelegations(&c, &delegator).await?,
                    ))
                })?;
            if g.json() {
                return render::print_json(&json!({
                    "delegator": delegator.to_string(),
                    "delegations": delegations.iter().map(delegation_json).collect::<Vec<_>>(),
                    "unbondings": unbondings.iter().map(unbonding_json).collect::<Vec<_>>(),
                    "redelegations": redelegations.iter().map(redelegation_json).collect::<Vec<_>>(),
                }));
            }
            println!(
                "{}",
                delegations_text(&delegations, &unbondings, &redelegations)
            );
            Ok(())
        }
        ValidatorsQueryCmd::Rewards {
            delegator,
            validator,
            node,
        } => {
            let delegator = resolve_address(&delegator, g)?;
            let only = validator.map(|v| resolve_address(&v, g)).transpose()?;
            let all = with_channel(&node, g, |c| async move {
                query::rewards(&c, &delegator, only.as_ref()).await
            })?;
            let (mut value, text) = rewards_output(&all)?;
            if g.json() {
                if let Some(map) = value.as_object_mut() {
                    map.insert("delegator".into(), json!(delegator.to_string()));
                }
                return render::print_json(&value);
            }
            println!("{text}");
            Ok(())
        }
        ValidatorsQueryCmd::SigningInfo { validator, node } => {
            let operator = resolve_address(&validator, g)?;
            let r = with_channel(&node, g, |c| async move {
                query::signing_info(&c, &operator).await
            })?;
            let info = r.info.clone().unwrap_or_default();
            let jailed_until =
                (r.jailed_until_seconds > 0).then(|| time_text(r.jailed_until_seconds));
            render::print_one(
                g,
                "signing_info",
                json!({
                    "operator": operator.to_string(),
                    "consensus_address": hex::encode_upper(&info.consensus_address),
                    "start_height": info.start_height,
                    "index_offset": info.index_offset,
                    "missed_blocks": info.missed_blocks,
                    "signed_blocks_window": r.signed_blocks_window,
                    "max_missed_blocks": r.max_missed_blocks,
                    "jailed": r.jailed,
                    "jailed_until_seconds": r.jailed_until_seconds,
                    "tombstoned": r.tombstoned,
                }),
                [
                    format!("operator: {operator}"),
                    format!(
                        "consensus_address: {}",
                        hex::encode_upper(&info.consensus_address)
                    ),
                    format!(
                        "missed_blocks: {} (window {} blocks, jailed above {})",
                        info.missed_blocks, r.signed_blocks_window, r.max_missed_blocks
                    ),
                    format!("start_height: {}", info.start_height),
                    format!(
                        "jailed: {}{}",
                        r.jailed,
                        match (&jailed_until, r.jailed) {
                            (Some(t), true) => format!(" (until {t})"),
                            _ => String::new(),
                        }
                    ),
                    format!("tombstoned: {}", r.tombstoned),
                ]
                .join("\n"),
            )
        }
        ValidatorsQueryCmd::Params { node } => {
            let p = with_channel(&node, g, |c| async move { query::params(&c).await })?;
            render::print_one(
                g,
                "params",
                json!({
                    "unbonding_time_seconds": p.unbonding_time_seconds,
                    "max_validators": p.max_validators,
                    "max_entries": p.max_entries,
                    "max_matured_per_block": p.max_matured_per_block,
                    "block_reward": p.block_reward,
                    "signed_blocks_window": p.signed_blocks_window,
                    "min_signed_per_window_bps": p.min_signed_per_window_bps,
                    "downtime_jail_seconds": p.downtime_jail_seconds,
                    "slash_fraction_double_sign_bps": p.slash_fraction_double_sign_bps,
                    "slash_fraction_downtime_bps": p.slash_fraction_downtime_bps,
                }),
                [
                    format!("unbonding_time_seconds: {}", p.unbonding_time_seconds),
                    format!("max_validators: {}", p.max_validators),
                    format!("max_entries: {}", p.max_entries),
                    format!("max_matured_per_block: {}", p.max_matured_per_block),
                    format!("block_reward: {}uweave", p.block_reward),
                    format!("signed_blocks_window: {}", p.signed_blocks_window),
                    format!(
                        "min_signed_per_window_bps: {} ({})",
                        p.min_signed_per_window_bps,
                        crate::render::percent(p.min_signed_per_window_bps)
                    ),
                    format!("downtime_jail_seconds: {}", p.downtime_jail_seconds),
                    format!(
                        "slash_fraction_double_sign_bps: {} ({})",
                        p.slash_fraction_double_sign_bps,
                        crate::render::percent(p.slash_fraction_double_sign_bps)
                    ),
                    format!(
                        "slash_fraction_downtime_bps: {} ({})",
                        p.slash_fraction_downtime_bps,
                        crate::render::percent(p.slash_fraction_downtime_bps)
                    ),
                ]
                .join("\n"),
            )
        }
        ValidatorsQueryCmd::Totals { node } => {
            let t = with_channel(&node, g, |c| async move { query::totals(&c).await })?;
            render::print_one(
                g,
                "totals",
                json!({
                    "minted": t.minted,
                    "burned": t.burned,
                    "community_pool_dust": t.community_pool_dust,
                }),
                format!(
                    "minted: {}uweave\nburned: {}uweave\ncommunity_pool_dust: {}uweave",
                    t.minted, t.burned, t.community_pool_dust
                ),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validators_render() {
        let v = pb::Validator {
            operator: "weave1op".into(),
            consensus_pubkey: vec![1; 32],
            consensus_address: vec![0xab; 20],
            tokens: "123000000".into(),
            delegator_shares: "123000000".into(),
            status: pb::ValidatorStatus::Bonded as i32,
            jailed: false,
            jailed_until_seconds: 0,
            tombstoned: false,
            commission: Some(pb::Commission {
                rate_bps: 500,
                max_rate_bps: 2_000,
                max_change_rate_bps: 100,
                updated_at_seconds: 0,
            }),
            description: Some(pb::Description {
                moniker: "node0".into(),
                website: "https://x".into(),
                ..Default::default()
            }),
            min_self_delegation: "1".into(),
            unbonding_completion_seconds: 0,
            created_height: 0,
        };
        let j = validator_json(&v);
        assert_eq!(j["power"], 123);
        assert_eq!(j["status"], "bonded");
        assert_eq!(j["consensus_address"], "AB".repeat(20));
        assert_eq!(j["consensus_pubkey"], BASE64.encode([1u8; 32]));
        assert_eq!(j["commission"]["rate_bps"], 500);
        assert_eq!(j["description"]["moniker"], "node0");
        let line = validator_line(&v);
        assert!(
            line.starts_with("weave1op\tbonded\t123000000uweave\tpower 123\tcommission 5.00%"),
            "{line}"
        );
        let text = validator_text(&v);
        assert!(text.contains("website: https://x"), "{text}");
        assert!(!text.contains("identity"), "{text}");
        assert!(!text.contains("jailed"), "{text}");

        let jailed = pb::Validator {
            status: pb::ValidatorStatus::Unbonding as i32,
            jailed: true,
            jailed_until_seconds: 1_800_000_000,
            unbonding_completion_seconds: 1_800_000_000,
            ..v
        };
        assert_eq!(power(&jailed), 0);
        assert!(validator_line(&jailed).contains("\tunbonding, jailed\t"));
        let text = validator_text(&jailed);
        assert!(
            text.contains("jailed: until 2027-01-15T08:00:00Z"),
            "{text}"
        );
        assert!(
            text.contains("unbonding_until: 2027-01-15T08:00:00Z"),
            "{text}"
        );
    }

    #[test]
    fn delegations_and_rewards_render() {
        let d = pb::DelegationResponse {
            delegation: Some(pb::Delegation {
                delegator: "weave1d".into(),
                validator: "weave1v".into(),
                shares: "10".into(),
                reward_index: "0".into(),
            }),
            tokens: "10".into(),
        };
        let u = pb::UnbondingEntry {
            id: 4,
            validator: "weave1v".into(),
            balance: "5".into(),
            initial_balance: "5".into(),
            completion_seconds: 0,
            ..Default::default()
        };
        let text = delegations_text(std::slice::from_ref(&d), std::slice::from_ref(&u), &[]);
        assert!(text.contains("  weave1v\t10uweave"), "{text}");
        assert!(
            text.contains("  #4\tweave1v\t5uweave\tuntil 1970-01-01T00:00:00Z"),
            "{text}"
        );
        assert!(text.ends_with("redelegations: 0"), "{text}");
        assert_eq!(delegation_json(&d)["tokens"], "10");
        assert_eq!(
            unbonding_json(&u)["completion_time"],
            "1970-01-01T00:00:00Z"
        );

        let (value, text) = rewards_output(&[
            PendingRewards {
                validator: "weave1a".into(),
                rewards: "10".into(),
                commission: "0".into(),
            },
            PendingRewards {
                validator: "weave1b".into(),
                rewards: "5".into(),
                commission: "3".into(),
            },
        ])
        .unwrap();
        assert_eq!(value["total_rewards"], "15");
        assert_eq!(value["total_commission"], "3");
        assert_eq!(value["rewards"][1]["commission"], "3");
        assert!(
            text.contains("weave1b\t5uweave\tcommission 3uweave"),
            "{text}"
        );
        assert!(text.contains("total: 15uweave"), "{text}");
        let (value, text) = rewards_output(&[]).unwrap();
        assert_eq!(value["total_rewards"], "0");
        assert!(text.starts_with("(no delegations)"), "{text}");
    }
}
