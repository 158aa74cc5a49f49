//! `weaved tx validators`: create, edit, delegate, undelegate, redelegate, unjail
//! and withdraw rewards; each prints what its events say (the new consensus address,
//! an unbonding's completion time, the rewards paid) once it is in a block.

use anyhow::{anyhow, ensure};
use base64::{engine::general_purpose::STANDARD as BASE64, Engine};
use clap::{ArgGroup, Subcommand};
use cosmos_sdk_proto::Any;
use serde_json::{json, Value};
use weave_kernel::Address;
use weave_proto::weave::validators::v1 as pb;

use super::{
    parse_bps,
    query::{all_delegations, fetch_validator},
    time_text, validators_msg, NewValidatorArgs,
};
use crate::{
    channels::{attr, format_amount},
    keys::{Keyring, SigningKey},
    opts::resolve_address,
    opts::GlobalOpts,
    query::with_channel,
    tx::{from_key, parse_positive, submit_planned, submit_with, Submitted, TxOpts, TxPlan},
};

/// Paid rewards and commission, by a withdrawal or before a delegation changed.
const EVENT_WITHDRAW_REWARDS: &str = "weave.validators.v1.EventWithdrawRewards";
/// A new validator.
const EVENT_CREATE_VALIDATOR: &str = "weave.validators.v1.EventCreateValidator";
/// An edited validator.
const EVENT_EDIT_VALIDATOR: &str = "weave.validators.v1.EventEditValidator";
/// A delegation.
const EVENT_DELEGATE: &str = "weave.validators.v1.EventDelegate";
/// An unbonding started.
const EVENT_UNDELEGATE: &str = "weave.validators.v1.EventUndelegate";
/// A redelegation.
const EVENT_REDELEGATE: &str = "weave.validators.v1.EventRedelegate";

/// Gas added, per message, to a `--gas auto` estimate of a message that pays pending
/// rewards first (delegate, undelegate, redelegate, withdraw). Rewards accrue every
/// block, so a simulation that found nothing to pay can be followed by a block that
/// pays, and paying (transfers, the accumulator) costs about this much more.
const REWARDS_GAS_MARGIN: u64 = 40_000;

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

/// Rewards and commission paid by a transaction to `delegator`, summed over its
/// `EventWithdrawRewards`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Withdrawn {
    /// Delegation rewards.
    rewards: u128,
    /// Operator commission.
    commission: u128,
    /// How many withdrawals (one per validator).
    count: usize,
}

impl Withdrawn {
    fn from_events(events: &[Vec<(String, String)>], delegator: &Address) -> Self {
        let delegator = delegator.to_string();
        let amount = |e: &[(String, String)], key: &str| {
            attr(e, key)
                .and_then(|v| v.parse::<u128>().ok())
                .unwrap_or(0)
        };
        events
            .iter()
            .filter(|e| attr(e, "delegator") == Some(delegator.as_str()))
            .fold(Self::default(), |acc, e| Self {
                rewards: acc.rewards.saturating_add(amount(e, "rewards")),
                commission: acc.commission.saturating_add(amount(e, "commission")),
                count: acc.count + 1,
            })
    }

    /// The lines a transaction prints about what it paid out. `always` prints zeros
    /// too (for withdraw-rewards); otherwise only what was paid.
    fn extras(&self, json: bool, always: bool) -> Vec<(&'static str, Value)> {
        let mut extras = Vec::new();
        if always || self.rewards > 0 {
            extras.push(("rewards_paid", json!(format_amount(self.rewards, json))));
        }
        if always || self.commission > 0 {
            extras.push((
                "commission_paid",
                json!(format_amount(self.commission, json)),
            ));
        }
        extras
    }
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
    extras.extend(withdrawn.extras(json, always));
    extras
}

/// Signs and broadcasts messages that may pay pending rewards, with
/// [`REWARDS_GAS_MARGIN`] per message on a `--gas auto` estimate.
fn submit_paying_rewards(
    key: &SigningKey,
    messages: Vec<Any>,
    opts: &TxOpts,
    g: &GlobalOpts,
    extras: impl FnOnce(&Submitted) -> Vec<(&'static str, Value)>,
) -> anyhow::Result<()> {
    let count = u64::try_from(messages.len()).unwrap_or(u64::MAX);
    let plan = TxPlan::resolve(opts, g)?.with_gas_margin(REWARDS_GAS_MARGIN.saturating_mul(count));
    submit_planned(key, messages, plan, opts, g, extras)
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
            submit_with(&key, vec![new.msg], &opts, g, |s| {
                let mut extras = vec![
                    ("operator", json!(operator.to_string())),
                    ("consensus_pubkey", json!(pubkey)),
                ];
                extras.extend(tx_extras(
                    s,
                    &operator,
                    EVENT_CREATE_VALIDATOR,
                    &["consensus_address"],
                    json,
                ));
                extras
            })
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
            let description = if moniker.is_some()
                || identity.is_some()
                || website.is_some()
                || details.is_some()
            {
                let current = fetch_validator(&opts.node, g, &operator)?
                    .description
                    .unwrap_or_default();
                Some(pb::Description {
                    moniker: moniker.unwrap_or(current.moniker),
                    identity: identity.unwrap_or(current.identity),
                    website: website.unwrap_or(current.website),
                    details: details.unwrap_or(current.details),
                })
            } else {
                None
            };
            let msg = validators_msg(
                weave_validators::MSG_EDIT_VALIDATOR,
                &pb::MsgEditValidator {
                    operator: operator.to_string(),
                    description,
                    commission_rate_bps: commission_rate,
                    min_self_delegation: min_self_delegation
                        .map(|m| m.to_string())
                        .unwrap_or_default(),
                },
            )?;
            submit_with(&key, vec![msg], &opts, g, |s| {
                tx_extras(
                    s,
                    &operator,
                    EVENT_EDIT_VALIDATOR,
                    &["commission_rate_bps", "min_self_delegation"],
                    json,
                )
            })
        }
        ValidatorsTxCmd::Delegate {
            validator,
            amount,
            opts,
        } => {
            let validator = resolve_address(&validator, g)?;
            let key = from_key(&opts, &keyring)?;
            let delegator = key.address();
            let msg = validators_msg(
                weave_validators::MSG_DELEGATE,
                &pb::MsgDelegate {
                    delegator: delegator.to_string(),
                    validator: validator.to_string(),
                    amount: amount.to_string(),
                },
            )?;
            submit_paying_rewards(&key, vec![msg], &opts, g, |s| {
                tx_extras(s, &delegator, EVENT_DELEGATE, &["shares"], json)
            })
        }
        ValidatorsTxCmd::Undelegate {
            validator,
            amount,
            opts,
        } => {
            let validator = resolve_address(&validator, g)?;
            let key = from_key(&opts, &keyring)?;
            let delegator = key.address();
            let msg = validators_msg(
                weave_validators::MSG_UNDELEGATE,
                &pb::MsgUndelegate {
                    delegator: delegator.to_string(),
                    validator: validator.to_string(),
                    amount: amount.to_string(),
                },
            )?;
            submit_paying_rewards(&key, vec![msg], &opts, g, |s| {
                tx_extras(
                    s,
                    &delegator,
                    EVENT_UNDELEGATE,
                    &["entry_id", "completion_seconds"],
                    json,
                )
            })
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
            let msg = validators_msg(
                weave_validators::MSG_REDELEGATE,
                &pb::MsgRedelegate {
                    delegator: delegator.to_string(),
                    src_validator: src.to_string(),
                    dst_validator: dst.to_string(),
                    amount: amount.to_string(),
                },
            )?;
            submit_paying_rewards(&key, vec![msg], &opts, g, |s| {
                tx_extras(
                    s,
                    &delegator,
                    EVENT_REDELEGATE,
                    &["entry_id", "completion_seconds"],
                    json,
                )
            })
        }
        ValidatorsTxCmd::Unjail { opts } => {
            let key = from_key(&opts, &keyring)?;
            let msg = validators_msg(
                weave_validators::MSG_UNJAIL,
                &pb::MsgUnjail {
                    operator: key.address().to_string(),
                },
            )?;
            submit_with(&key, vec![msg], &opts, g, |_| Vec::new())
        }
        ValidatorsTxCmd::WithdrawRewards { validator, opts } => {
            let key = from_key(&opts, &keyring)?;
            let delegator = key.address();
            let validators = match validator {
                Some(v) => vec![resolve_address(&v, g)?],
                None => {
                    let all = with_channel(&opts.node, g, |c| async move {
                        all_delegations(&c, &delegator).await
                    })?;
                    ensure!(!all.is_empty(), "{delegator} has no delegations");
                    all.iter()
                        .filter_map(|d| d.delegation.as_ref())
                        .map(|d| {
                            d.validator.parse::<Address>().map_err(|e| {
                                anyhow!("the node returned validator {:?}: {e}", d.validator)
                            })
                        })
                        .collect::<anyhow::Result<Vec<_>>>()?
                }
            };
            ensure!(
                validators.len() <= weave_app::tx::MAX_MESSAGES,
                "{} delegations are more than one transaction carries ({}): withdraw from one VALIDATOR at a time",
                validators.len(),
                weave_app::tx::MAX_MESSAGES
            );
            let msgs = validators
                .iter()
                .map(|v| {
                    validators_msg(
                        weave_validators::MSG_WITHDRAW_REWARDS,
                        &pb::MsgWithdrawRewards {
                            delegator: delegator.to_string(),
                            validator: v.to_string(),
                        },
                    )
                })
                .collect::<anyhow::Result<Vec<_>>>()?;
            submit_paying_rewards(&key, msgs, &opts, g, |s| {
                tx_extras(s, &delegator, EVENT_WITHDRAW_REWARDS, &[], json)
            })
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
            w.extras(false, false),
            vec![
                ("rewards_paid", json!("150uweave")),
                ("commission_paid", json!("7uweave"))
            ]
        );
        assert!(Withdrawn::default().extras(true, false).is_empty());
        assert_eq!(
            Withdrawn::default().extras(true, true)[0],
            ("rewards_paid", json!("0"))
        );
    }
}
