//! `weaved tx validators`: create, edit, delegate, undelegate, redelegate, unjail
//! and withdraw rewards; each prints what its events say (the new consensus address,
//! an unbonding's completion time, the rewards paid) once it is in a block.
//! Clap arguments and rendering; the flows are [`crate::validators::tx`]'s.

use base64::{engine::general_purpose::STANDARD as BASE64, Engine};
use clap::{ArgGroup, Subcommand};
use serde_json::{json, Value};
use weave_kernel::Address;

use crate::validators::{
    msg::{
        EVENT_CREATE_VALIDATOR, EVENT_DELEGATE, EVENT_EDIT_VALIDATOR, EVENT_REDELEGATE,
        EVENT_UNDELEGATE, EVENT_WITHDRAW_REWARDS,
    },
    parse_bps, time_text,
    tx::{self as flows, DescriptionEdit, Withdrawn},
    NewValidatorArgs,
};
use crate::{
    channels::format_amount,
    keys::Keyring,
    opts::resolve_address,
    opts::GlobalOpts,
    tx::{from_key, parse_positive, report_submitted, run_flow, Submitted, TxOpts},
};

/// `weaved tx validators ...`
#[derive(Debug, Subcommand)]
#[allow(clippy::large_enum_variant)] // parsed once per run
pub enum ValidatorsTxCmd {
    /// Create a validator operated by --from (`/weave.validators.v1.MsgCreateValidator`).
    ///
    /// --from self-bonds --amount. The consensus key is this home's CometBFT key
    /// unless --pubkey names another; the node holding that key signs blocks once the
    /// validator is among the top `max_validators` by tokens. Commission rates are
    /// basis points (1000 = 10%); the maximum rate and maximum change are fixed for
    /// good. With --wait the consensus address is printed.
    #[command(
        after_help = "Example:\n  weaved tx validators create --amount 100000000uweave --moniker node4 --commission-rate 500 --from validator --wait"
    )]
    Create {
        #[allow(missing_docs)] // flattened: its own fields carry the help
        #[command(flatten)]
        validator: NewValidatorArgs,
        #[allow(missing_docs)] // flattened: its own fields carry the help
        #[command(flatten)]
        opts: TxOpts,
    },
    /// Edit --from's validator (`/weave.validators.v1.MsgEditValidator`).
    ///
    /// Description flags change only the fields given (the others are read from the
    /// chain and kept). The commission rate (basis points) may move by at most the
    /// maximum change, up to the maximum rate, once per 24 hours; the minimum
    /// self-delegation may only rise.
    #[command(
        group(ArgGroup::new("edit").required(true).multiple(true).args(
            ["moniker", "identity", "website", "details", "commission_rate", "min_self_delegation"]
        )),
        after_help = "Example:\n  weaved tx validators edit --website https://node4.example --commission-rate 600 --from validator --wait"
    )]
    Edit {
        /// A new name.
        #[arg(long)]
        moniker: Option<String>,
        /// A new identity ("" clears it).
        #[arg(long)]
        identity: Option<String>,
        /// A new website ("" clears it).
        #[arg(long)]
        website: Option<String>,
        /// A new description ("" clears it).
        #[arg(long)]
        details: Option<String>,
        /// A new commission rate, in basis points (1000 = 10%).
        #[arg(long, value_name = "BPS", value_parser = parse_bps)]
        commission_rate: Option<u32>,
        /// A higher minimum self-delegation, in uweave.
        #[arg(long, value_name = "AMOUNT", value_parser = parse_positive)]
        min_self_delegation: Option<u128>,
        #[allow(missing_docs)] // flattened: its own fields carry the help
        #[command(flatten)]
        opts: TxOpts,
    },
    /// Bond --from's tokens to a validator (`/weave.validators.v1.MsgDelegate`).
    ///
    /// Rewards pending on an existing delegation to it are paid out first.
    #[command(
        after_help = "Example:\n  weaved tx validators delegate weave1pafa9xct2zxsks824wuud2lpygj2vsf4p8dggy 5000000uweave --from alice --wait"
    )]
    Delegate {
        /// The validator: its operator's address or a key name.
        validator: String,
        /// What to bond, in uweave.
        #[arg(value_parser = parse_positive)]
        amount: u128,
        #[allow(missing_docs)] // flattened: its own fields carry the help
        #[command(flatten)]
        opts: TxOpts,
    },
    /// Start unbonding tokens from a validator (`/weave.validators.v1.MsgUndelegate`).
    ///
    /// The tokens return to --from after the unbonding time; with --wait the
    /// completion time is printed. Pending rewards are paid out first.
    #[command(
        after_help = "Example:\n  weaved tx validators undelegate weave1pafa9xct2zxsks824wuud2lpygj2vsf4p8dggy 1000000 --from alice --wait"
    )]
    Undelegate {
        /// The validator: its operator's address or a key name.
        validator: String,
        /// What to unbond, in uweave.
        #[arg(value_parser = parse_positive)]
        amount: u128,
        #[allow(missing_docs)] // flattened: its own fields carry the help
        #[command(flatten)]
        opts: TxOpts,
    },
    /// Move bonded tokens from one validator to another at once
    /// (`/weave.validators.v1.MsgRedelegate`).
    ///
    /// They stay answerable for the source's misbehaviour until the unbonding time
    /// has passed (printed with --wait), and cannot be redelegated again meanwhile.
    #[command(
        after_help = "Example:\n  weaved tx validators redelegate node1 node2 1000000uweave --from alice --wait"
    )]
    Redelegate {
        /// The validator the tokens leave.
        src_validator: String,
        /// The validator they go to.
        dst_validator: String,
        /// What to move, in uweave.
        #[arg(value_parser = parse_positive)]
        amount: u128,
        #[allow(missing_docs)] // flattened: its own fields carry the help
        #[command(flatten)]
        opts: TxOpts,
    },
    /// Release --from's validator from jail (`/weave.validators.v1.MsgUnjail`).
    ///
    /// Only after the jail time, only for downtime (a double-signer is tombstoned for
    /// good), and only if the operator's own delegation is at least its minimum.
    #[command(after_help = "Example:\n  weaved tx validators unjail --from validator --wait")]
    Unjail {
        #[allow(missing_docs)] // flattened: its own fields carry the help
        #[command(flatten)]
        opts: TxOpts,
    },
    /// Withdraw --from's pending rewards (`/weave.validators.v1.MsgWithdrawRewards`).
    ///
    /// From one validator, or from every validator --from delegates to (one message
    /// each, in one transaction). An operator withdrawing from its own validator also
    /// receives its commission. With --wait the amounts paid are printed.
    #[command(
        after_help = "Example:\n  weaved tx validators withdraw-rewards --from alice --wait"
    )]
    WithdrawRewards {
        /// The validator (default: every validator --from delegates to).
        validator: Option<String>,
        #[allow(missing_docs)] // flattened: its own fields carry the help
        #[command(flatten)]
        opts: TxOpts,
    },
}

/// The lines a transaction prints about what it paid out. `always` prints zeros too
/// (for withdraw-rewards); otherwise only what was paid.
fn withdrawn_extras(w: &Withdrawn, json: bool, always: bool) -> Vec<(&'static str, Value)> {
    let mut extras = Vec::new();
    if always || w.rewards > 0 {
        extras.push(("rewards_paid", json!(format_amount(w.rewards, json))));
    }
    if always || w.commission > 0 {
        extras.push(("commission_paid", json!(format_amount(w.commission, json))));
    }
    extras
}

/// What a validators transaction prints after its result, read off its events:
/// `event_fields` name attributes of `event_type` to show (ids, rates and times as
/// numbers, amounts and shares as strings), with a completion time in RFC 3339 beside
/// `completion_seconds`, then the rewards paid to `delegator`.
fn tx_extras(
    s: &Submitted,
    delegator: &Address,
    event_type: &str,
    event_fields: &[&'static str],
    json: bool,
) -> Vec<(&'static str, Value)> {
    if !s.is_included() {
        return Vec::new();
    }
    let mut extras = Vec::new();
    for field in event_fields {
        let Some(value) = s.event_attribute(event_type, field) else {
            continue;
        };
        match (*field, value.parse::<i64>()) {
            ("completion_seconds", Ok(n)) => {
                extras.push(("completion_seconds", json!(n)));
                extras.push(("completion_time", json!(time_text(n))));
            }
            ("entry_id" | "commission_rate_bps", Ok(n)) => extras.push((field, json!(n))),
            ("consensus_address", _) => extras.push((field, json!(value.to_uppercase()))),
            // Amounts and shares stay strings: they may exceed 2^53.
            _ => extras.push((field, json!(value))),
        }
    }
    let always = event_type == EVENT_WITHDRAW_REWARDS;
    let withdrawn = Withdrawn::from_events(&s.events(EVENT_WITHDRAW_REWARDS), delegator);
    extras.extend(withdrawn_extras(&withdrawn, json, always));
    extras
}

/// Runs a `weaved tx validators` command.
pub fn run_tx(cmd: ValidatorsTxCmd, g: &GlobalOpts) -> anyhow::Result<()> {
    let keyring = Keyring::open(&g.home, g.keyring_backend)?;
    let json = g.json();
    match cmd {
        ValidatorsTxCmd::Create { validator, opts } => {
            let key = from_key(&opts, &keyring)?;
            let operator = key.address();
            let new = validator.message(&operator, &g.home)?;
            let pubkey = BASE64.encode(new.consensus_pubkey);
            let r = run_flow(&opts, g, |c, plan| async move {
                flows::create(&c, &plan, &key, new.msg).await
            })?;
            let mut extras = vec![
                ("operator", json!(operator.to_string())),
                ("consensus_pubkey", json!(pubkey)),
            ];
            extras.extend(tx_extras(
                &r.tx,
                &operator,
                EVENT_CREATE_VALIDATOR,
                &["consensus_address"],
                json,
            ));
            report_submitted(&r.tx, &opts, g, &extras)
        }
        ValidatorsTxCmd::Edit {
            moniker,
            identity,
            website,
            details,
            commission_rate,
            min_self_delegation,
            opts,
        } => {
            let key = from_key(&opts, &keyring)?;
            let operator = key.address();
            let description = DescriptionEdit {
                moniker,
                identity,
                website,
                details,
            };
            let r = run_flow(&opts, g, |c, plan| async move {
                flows::edit(
                    &c,
                    &plan,
                    &key,
                    description,
                    commission_rate,
                    min_self_delegation,
                )
                .await
            })?;
            let extras = tx_extras(
                &r.tx,
                &operator,
                EVENT_EDIT_VALIDATOR,
                &["commission_rate_bps", "min_self_delegation"],
                json,
            );
            report_submitted(&r.tx, &opts, g, &extras)
        }
        ValidatorsTxCmd::Delegate {
            validator,
            amount,
            opts,
        } => {
            let validator = resolve_address(&validator, g)?;
            let key = from_key(&opts, &keyring)?;
            let delegator = key.address();
            let r = run_flow(&opts, g, |c, plan| async move {
                flows::delegate(&c, &plan, &key, &validator, amount).await
            })?;
            let extras = tx_extras(&r.tx, &delegator, EVENT_DELEGATE, &["shares"], json);
            report_submitted(&r.tx, &opts, g, &extras)
        }
        ValidatorsTxCmd::Undelegate {
            validator,
            amount,
            opts,
        } => {
            let validator = resolve_address(&validator, g)?;
            let key = from_key(&opts, &keyring)?;
            let delegator = key.address();
            let r = run_flow(&opts, g, |c, plan| async move {
                flows::undelegate(&c, &plan, &key, &validator, amount).await
            })?;
            let extras = tx_extras(
                &r.tx,
                &delegator,
                EVENT_UNDELEGATE,
                &["entry_id", "completion_seconds"],
                json,
            );
            report_submitted(&r.tx, &opts, g, &extras)
        }
        ValidatorsTxCmd::Redelegate {
            src_validator,
            dst_validator,
            amount,
            opts,
        } => {
            let src = resolve_address(&src_validator, g)?;
            let dst = resolve_address(&dst_validator, g)?;
            let key = from_key(&opts, &keyring)?;
            let delegator = key.address();
            let r = run_flow(&opts, g, |c, plan| async move {
                flows::redelegate(&c, &plan, &key, &src, &dst, amount).await
            })?;
            let extras = tx_extras(
                &r.tx,
                &delegator,
                EVENT_REDELEGATE,
                &["entry_id", "completion_seconds"],
                json,
            );
            report_submitted(&r.tx, &opts, g, &extras)
        }
        ValidatorsTxCmd::Unjail { opts } => {
            let key = from_key(&opts, &keyring)?;
            let r = run_flow(&opts, g, |c, plan| async move {
                flows::unjail(&c, &plan, &key).await
            })?;
            report_submitted(&r.tx, &opts, g, &[])
        }
        ValidatorsTxCmd::WithdrawRewards { validator, opts } => {
            let key = from_key(&opts, &keyring)?;
            let delegator = key.address();
            let validator = validator.map(|v| resolve_address(&v, g)).transpose()?;
            let r = run_flow(&opts, g, |c, plan| async move {
                flows::withdraw_rewards(&c, &plan, &key, validator.as_ref()).await
            })?;
            let extras = tx_extras(&r.tx, &delegator, EVENT_WITHDRAW_REWARDS, &[], json);
            report_submitted(&r.tx, &opts, g, &extras)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn withdrawals_are_summed_for_the_delegator() {
        let me = Address::new([1; 20]);
        let other = Address::new([2; 20]).to_string();
        let mine = me.to_string();
        let w = Withdrawn::from_events(
            &[
                event(&[
                    ("delegator", &mine),
                    ("rewards", "100"),
                    ("commission", "7"),
                ]),
                event(&[("delegator", &mine), ("rewards", "50"), ("commission", "0")]),
                event(&[
                    ("delegator", &other),
                    ("rewards", "999"),
                    ("commission", "0"),
                ]),
            ],
            &me,
        );
        assert_eq!(
            w,
            Withdrawn {
                rewards: 150,
                commission: 7,
                count: 2
            }
        );
        assert_eq!(
            withdrawn_extras(&w, false, false),
            vec![
                ("rewards_paid", json!("150uweave")),
                ("commission_paid", json!("7uweave"))
            ]
        );
        assert!(withdrawn_extras(&Withdrawn::default(), true, false).is_empty());
        assert_eq!(
            withdrawn_extras(&Withdrawn::default(), true, true)[0],
            ("rewards_paid", json!("0"))
        );
    }
}
