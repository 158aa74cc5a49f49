//! `weaved tx gov`: draft a proposal file, submit it, deposit on a proposal and vote
//! (plainly or split over options). Each prints what its events say once it is in a
//! block: the new proposal's id, and the end of voting when a deposit starts it.
//! Clap arguments and rendering; the flows are [`crate::gov::tx`]'s.

use std::path::PathBuf;

use anyhow::Context;
use clap::Subcommand;
use serde::Serialize;
use serde_json::{json, Map, Value};
use weave_proto::weave::gov::v1 as pb;

use crate::gov::{
    authority, bytes_json, parse_weighted,
    query::{current_params, gov_params},
    time_text,
    tx::{self as flows, ProposalSubmitted},
    ParamsModule, Proposal,
};
use crate::{
    keys::Keyring,
    opts::resolve_address,
    opts::GlobalOpts,
    opts::NodeOpts,
    query::with_channel,
    render,
    tx::{from_key, parse_positive, report_submitted, run_flow, TxOpts},
};

/// What a drafted proposal does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DraftKind {
    /// Replace a module's parameters (`--module`), starting from their current
    /// values.
    UpdateParams,
    /// Pay uweave from the community pool (`/weave.gov.v1.MsgCommunityPoolSpend`).
    CommunityPoolSpend,
    /// Schedule a software upgrade (`/weave.gov.v1.MsgSoftwareUpgrade`).
    SoftwareUpgrade,
}

/// Weighted vote options, parsed and checked.
#[derive(Debug, Clone, PartialEq)]
pub struct WeightedOptions(Vec<pb::WeightedVoteOption>);

fn parse_weighted_options(s: &str) -> Result<WeightedOptions, String> {
    parse_weighted(s).map(WeightedOptions)
}

/// A vote option on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum VoteArg {
    /// For.
    Yes,
    /// Against.
    No,
    /// Counts toward the quorum only.
    Abstain,
    /// Against, and a veto: if vetoes pass the veto threshold, deposits are burned.
    NoWithVeto,
}

impl VoteArg {
    /// The vote option on the wire.
    pub fn proto(self) -> pb::VoteOption {
        match self {
            Self::Yes => pb::VoteOption::Yes,
            Self::No => pb::VoteOption::No,
            Self::Abstain => pb::VoteOption::Abstain,
            Self::NoWithVeto => pb::VoteOption::NoWithVeto,
        }
    }
}

/// `weaved tx gov ...`
#[derive(Debug, Subcommand)]
#[allow(clippy::large_enum_variant)] // parsed once per run
pub enum GovTxCmd {
    /// Write a proposal file to edit and submit with `submit-proposal`.
    ///
    /// By default a bank parameter change: a `/weave.bank.v1.MsgUpdateParams` whose
    /// authority is already the gov authority and whose params are the module's
    /// current ones, read from the node (its defaults, said so in the file's "_note",
    /// if the node cannot be reached); edit the values to change. The deposit is the
    /// chain's min_deposit, so that the proposal goes straight to voting. A proposal
    /// must carry at least one message, so there is no text-only proposal.
    #[command(
        after_help = "Example:\n  weaved tx gov draft-proposal --type update-params --module bank -o proposal.json"
    )]
    DraftProposal {
        /// What the proposal does.
        #[arg(long = "type", value_enum, default_value = "update-params")]
        kind: DraftKind,
        /// With --type update-params: whose parameters.
        #[arg(long, value_enum, default_value = "bank")]
        module: ParamsModule,
        /// With --type community-pool-spend: who is paid, an address or a key name
        /// (without it the file holds a placeholder to replace).
        #[arg(long, value_name = "ADDRESS")]
        recipient: Option<String>,
        /// With --type community-pool-spend: how much, in uweave.
        #[arg(long, value_name = "AMOUNT", value_parser = parse_positive)]
        amount: Option<u128>,
        /// With --type software-upgrade: the upgrade's name (the file holds a
        /// placeholder to replace without it).
        #[arg(long, value_name = "NAME")]
        upgrade_name: Option<String>,
        /// With --type software-upgrade: the height at which the chain halts for it.
        #[arg(long, value_name = "HEIGHT")]
        upgrade_height: Option<u64>,
        /// Write the file here instead of printing it.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        #[allow(missing_docs)] // flattened: its own fields carry the help
        #[command(flatten)]
        node: NodeOpts,
    },
    /// Submit the proposal of a JSON file (`/weave.gov.v1.MsgSubmitProposal`), paying
    /// its deposit from --from.
    ///
    /// The messages are checked as the chain would, and must name the gov authority,
    /// before anything is signed; the pinned params are read from the node. The
    /// command always waits for the block, to print the new proposal's id (and the
    /// end of voting if the deposit reached the minimum).
    #[command(
        after_help = "Example:\n  weaved tx gov submit-proposal proposal.json --from alice",
        after_long_help = concat!(
            "Example:\n  weaved tx gov submit-proposal proposal.json --from alice\n\n",
            proposal_file_help!()
        )
    )]
    SubmitProposal {
        /// The proposal file (`weaved tx gov draft-proposal` writes one).
        file: PathBuf,
        #[allow(missing_docs)] // flattened: its own fields carry the help
        #[command(flatten)]
        opts: TxOpts,
    },
    /// Add to a proposal's deposit (`/weave.gov.v1.MsgDeposit`), during its deposit
    /// period or its voting.
    ///
    /// Deposits come back when the proposal ends, unless it is vetoed or never
    /// reaches the minimum deposit: then they are burned.
    #[command(
        after_help = "Example:\n  weaved tx gov deposit 1 5000000uweave --from alice --wait"
    )]
    Deposit {
        /// The proposal's id.
        proposal_id: u64,
        /// How much, in uweave (`5000000` or `5000000uweave`).
        #[arg(value_parser = parse_positive)]
        amount: u128,
        #[allow(missing_docs)] // flattened: its own fields carry the help
        #[command(flatten)]
        opts: TxOpts,
    },
    /// Vote on a proposal (`/weave.gov.v1.MsgVote`) with --from's bonded stake.
    ///
    /// A delegator's vote overrides its validators' for its own stake; a new vote
    /// replaces the previous one until voting ends.
    #[command(after_help = "Example:\n  weaved tx gov vote 1 yes --from validator --wait")]
    Vote {
        /// The proposal's id.
        proposal_id: u64,
        /// The option.
        #[arg(value_enum)]
        option: VoteArg,
        /// A note kept with the vote.
        #[arg(long, default_value = "")]
        metadata: String,
        #[allow(missing_docs)] // flattened: its own fields carry the help
        #[command(flatten)]
        opts: TxOpts,
    },
    /// Split a vote over options (`/weave.gov.v1.MsgVoteWeighted`).
    ///
    /// WEIGHTS is OPTION=WEIGHT,...: fractions summing to 1 (`yes=0.6,no=0.4`) or
    /// basis points summing to 10000 (`yes=6000,no=4000`). Options: yes, no, abstain,
    /// no-with-veto.
    #[command(
        after_help = "Example:\n  weaved tx gov vote-weighted 1 yes=0.6,no=0.4 --from alice --wait"
    )]
    VoteWeighted {
        /// The proposal's id.
        proposal_id: u64,
        /// The options and their weights.
        #[arg(value_name = "WEIGHTS", value_parser = parse_weighted_options)]
        options: WeightedOptions,
        /// A note kept with the vote.
        #[arg(long, default_value = "")]
        metadata: String,
        #[allow(missing_docs)] // flattened: its own fields carry the help
        #[command(flatten)]
        opts: TxOpts,
    },
}

/// A proposal file as `draft-proposal` writes it; fields in the order a person reads
/// them.
#[derive(Debug, Serialize)]
struct Template {
    #[serde(rename = "_help")]
    help: String,
    #[serde(rename = "_note", skip_serializing_if = "Option::is_none")]
    note: Option<String>,
    title: String,
    summary: String,
    metadata: String,
    deposit: String,
    expedited: bool,
    messages: Vec<Value>,
    preconditions: Vec<Value>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pin_params: Vec<String>,
}

/// What a draft is made from, read from the node or, failing that, the defaults.
#[derive(Debug, Clone)]
struct DraftInputs {
    /// The module's parameters as JSON (update-params only).
    params: Option<Value>,
    /// The gov parameters, for the deposit.
    gov: pb::Params,
    /// Why the defaults stand in for the chain's values, if they do.
    defaults_because: Option<String>,
}

/// The flags of `draft-proposal` that shape the messages.
#[derive(Debug, Clone, Default)]
struct DraftFlags {
    recipient: Option<String>,
    amount: Option<u128>,
    upgrade_name: Option<String>,
    upgrade_height: Option<u64>,
}

/// A message as JSON: `"@type"` then `fields`.
fn message(type_url: &str, fields: Vec<(&str, Value)>) -> Value {
    let mut map = Map::new();
    map.insert("@type".into(), Value::String(type_url.into()));
    for (k, v) in fields {
        map.insert(k.into(), v);
    }
    Value::Object(map)
}

/// The draft of a proposal.
fn template(
    kind: DraftKind,
    module: ParamsModule,
    inputs: &DraftInputs,
    flags: &DraftFlags,
) -> anyhow::Result<Template> {
    let authority = authority().to_string();
    let (title, summary, messages, pin_params) = match kind {
        DraftKind::UpdateParams => {
            let params = match &inputs.params {
                Some(p) => p.clone(),
                None => bytes_json(&module.params_type(), &module.default_params())?,
            };
            (
                format!("Change the {} parameters", module.name()),
                format!(
                    "Replace this with why. The params below replace the {} module's params as a whole: change the values you mean to change and keep the rest.",
                    module.name()
                ),
                vec![module.update_params_json(params)],
                vec![module.name().to_string()],
            )
        }
        DraftKind::CommunityPoolSpend => (
            "Community pool spend".to_string(),
            "Replace this with what the payment is for.".to_string(),
            vec![message(
                weave_gov::MSG_COMMUNITY_POOL_SPEND,
                vec![
                    ("authority", json!(authority)),
                    (
                        "recipient",
                        json!(flags
                            .recipient
                            .clone()
                            .unwrap_or_else(|| "<recipient address>".into())),
                    ),
                    (
                        "amount",
                        json!(flags.amount.unwrap_or(1_000_000).to_string()),
                    ),
                ],
            )],
            Vec::new(),
        ),
        DraftKind::SoftwareUpgrade => (
            "Software upgrade".to_string(),
            "Replace this with what the upgrade brings. At the plan's height every node halts until it runs a binary that knows the upgrade.".to_string(),
            vec![message(
                weave_gov::MSG_SOFTWARE_UPGRADE,
                vec![
                    ("authority", json!(authority)),
                    (
                        "plan",
                        json!({
                            "name": flags.upgrade_name.clone().unwrap_or_else(|| "<upgrade name>".into()),
                            "height": flags.upgrade_height.unwrap_or(0).to_string(),
                            "info": "",
                        }),
                    ),
                ],
            )],
            Vec::new(),
        ),
    };
    Ok(Template {
        help: "Edit, then submit with `weaved tx gov submit-proposal FILE --from KEY`; `weaved tx gov submit-proposal --help` describes every field. Keys starting with _ are ignored.".into(),
        note: inputs.defaults_because.as_ref().map(|why| {
            format!("{why}: the parameters and the deposit below are the defaults of a new chain, not this chain's current values. Check them with `weaved query {} params` and `weaved query gov params`.", module.name())
        }),
        title,
        summary,
        metadata: String::new(),
        deposit: format!("{}uweave", inputs.gov.min_deposit),
        expedited: false,
        messages,
        preconditions: Vec::new(),
        pin_params,
    })
}

/// Reads what a draft starts from; the defaults, saying why, if the node fails.
fn draft_inputs(
    kind: DraftKind,
    module: ParamsModule,
    node: &NodeOpts,
    g: &GlobalOpts,
) -> anyhow::Result<DraftInputs> {
    let fetched = with_channel(node, g, |c| async move {
        let params = match kind {
            DraftKind::UpdateParams => Some(current_params(&c, module).await?),
            _ => None,
        };
        Ok((params, gov_params(&c).await?))
    });
    Ok(match fetched {
        Ok((params, gov)) => DraftInputs {
            params,
            gov,
            defaults_because: None,
        },
        Err(e) => {
            let why = format!("the node could not be read ({e:#})");
            eprintln!("warning: {why}; the draft holds the defaults");
            DraftInputs {
                params: None,
                gov: weave_gov::Params::default().to_proto(),
                defaults_because: Some(why),
            }
        }
    })
}

/// What `submit-proposal` prints from its events: the proposal's id, and the end of
/// voting when the deposit started it (else that it waits for deposits).
fn submit_extras(s: &ProposalSubmitted) -> Vec<(&'static str, Value)> {
    let mut extras = Vec::new();
    if let Some(id) = s.proposal_id {
        extras.push(("proposal_id", json!(id)));
        let voting = voting_extras(s.voting_end_time);
        if voting.is_empty() {
            extras.push(("status", json!("deposit")));
        }
        extras.extend(voting);
    }
    extras
}

/// The status and the end of voting, if the transaction started a proposal's voting.
fn voting_extras(voting_end_time: Option<i64>) -> Vec<(&'static str, Value)> {
    match voting_end_time {
        Some(end) => vec![
            ("status", json!("voting")),
            ("voting_end_time", json!(end)),
            ("voting_end", json!(time_text(end))),
        ],
        None => Vec::new(),
    }
}

/// Runs a `weaved tx gov` command.
pub fn run_tx(cmd: GovTxCmd, g: &GlobalOpts) -> anyhow::Result<()> {
    match cmd {
        GovTxCmd::DraftProposal {
            kind,
            module,
            recipient,
            amount,
            upgrade_name,
            upgrade_height,
            out,
            node,
        } => {
            let inputs = draft_inputs(kind, module, &node, g)?;
            let flags = DraftFlags {
                recipient: recipient
                    .map(|r| resolve_address(&r, g).map(|a| a.to_string()))
                    .transpose()?,
                amount,
                upgrade_name,
                upgrade_height,
            };
            let draft = template(kind, module, &inputs, &flags)?;
            let text = serde_json::to_string_pretty(&draft)?;
            match out {
                Some(path) => {
                    std::fs::write(&path, format!("{text}\n"))
                        .with_context(|| format!("writing {}", path.display()))?;
                    if g.json() {
                        render::print_json(&json!({ "file": path.display().to_string() }))
                    } else {
                        eprintln!("proposal draft written to {}", path.display());
                        Ok(())
                    }
                }
                None => {
                    println!("{text}");
                    Ok(())
                }
            }
        }
        GovTxCmd::SubmitProposal { file, opts } => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("reading {}", file.display()))?;
            let proposal =
                Proposal::parse(&text).with_context(|| format!("in {}", file.display()))?;
            let keyring = Keyring::open(&g.home, g.keyring_backend)?;
            let key = from_key(&opts, &keyring)?;
            let r = run_flow(&opts, g, |c, plan| async move {
                flows::submit_proposal(&c, &plan, &key, &proposal).await
            })?;
            report_submitted(&r.tx, &opts, g, &submit_extras(&r))
        }
        GovTxCmd::Deposit {
            proposal_id,
            amount,
            opts,
        } => {
            let keyring = Keyring::open(&g.home, g.keyring_backend)?;
            let key = from_key(&opts, &keyring)?;
            let r = run_flow(&opts, g, |c, plan| async move {
                flows::deposit(&c, &plan, &key, proposal_id, amount).await
            })?;
            report_submitted(&r.tx, &opts, g, &voting_extras(r.voting_end_time))
        }
        GovTxCmd::Vote {
            proposal_id,
            option,
            metadata,
            opts,
        } => {
            let keyring = Keyring::open(&g.home, g.keyring_backend)?;
            let key = from_key(&opts, &keyring)?;
            let tx = run_flow(&opts, g, |c, plan| async move {
                flows::vote(&c, &plan, &key, proposal_id, option.proto(), metadata).await
            })?;
            report_submitted(&tx, &opts, g, &[])
        }
        GovTxCmd::VoteWeighted {
            proposal_id,
            options,
            metadata,
            opts,
        } => {
            let keyring = Keyring::open(&g.home, g.keyring_backend)?;
            let key = from_key(&opts, &keyring)?;
            let tx = run_flow(&opts, g, |c, plan| async move {
                flows::vote_weighted(&c, &plan, &key, proposal_id, options.0, metadata).await
            })?;
            report_submitted(&tx, &opts, g, &[])
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn vote_args_map_to_the_wire() {
        assert_eq!(VoteArg::NoWithVeto.proto(), pb::VoteOption::NoWithVeto);
    }

    use super::*;
    use crate::gov::msg::checked;

    fn defaults(kind: DraftKind, module: ParamsModule) -> DraftInputs {
        DraftInputs {
            params: None,
            gov: weave_gov::Params::default().to_proto(),
            defaults_because: (kind == DraftKind::UpdateParams && module == ParamsModule::Gov)
                .then(|| "the node could not be read (test)".to_string()),
        }
    }

    #[test]
    fn parameter_drafts_parse_back_unchanged() {
        for module in [
            ParamsModule::Bank,
            ParamsModule::Splits,
            ParamsModule::Content,
            ParamsModule::Channels,
            ParamsModule::Validators,
            ParamsModule::Gov,
        ] {
            let inputs = defaults(DraftKind::UpdateParams, module);
            let draft = template(
                DraftKind::UpdateParams,
                module,
                &inputs,
                &DraftFlags::default(),
            )
            .unwrap();
            let text = serde_json::to_string_pretty(&draft).unwrap();
            let proposal =
                Proposal::parse(&text).unwrap_or_else(|e| panic!("{module:?}: {e:#}\n{text}"));
            assert_eq!(proposal.deposit, 10_000_000);
            assert_eq!(proposal.messages[0].type_url, module.update_params_type());
            assert_eq!(
                proposal.pinned_keys,
                vec![format!("{}/params", module.name()).into_bytes()]
            );
            // The params written are the defaults, byte for byte.
            let back = crate::gov::any_to_json(
                &proposal.messages[0].type_url,
                &proposal.messages[0].value,
            );
            assert_eq!(
                back["params"],
                bytes_json(&module.params_type(), &module.default_params()).unwrap()
            );
            assert_eq!(back["authority"], authority().to_string());
            assert_eq!(draft.note.is_some(), module == ParamsModule::Gov);
        }
        // Fields in reading order, the help first.
        let draft = template(
            DraftKind::UpdateParams,
            ParamsModule::Bank,
            &DraftInputs {
                params: Some(json!({ "send_enabled": true })),
                ..defaults(DraftKind::UpdateParams, ParamsModule::Bank)
            },
            &DraftFlags::default(),
        )
        .unwrap();
        let text = serde_json::to_string_pretty(&draft).unwrap();
        let order: Vec<usize> = [
            "\"_help\"",
            "\"title\"",
            "\"deposit\"",
            "\"messages\"",
            "\"@type\"",
            "\"pin_params\"",
        ]
        .iter()
        .map(|k| text.find(k).unwrap_or_else(|| panic!("{k} in {text}")))
        .collect();
        assert!(order.windows(2).all(|w| w[0] < w[1]), "{text}");
        assert!(text.contains("\"send_enabled\": true"), "{text}");
    }

    #[test]
    fn spend_and_upgrade_drafts_need_their_placeholders_replaced() {
        let inputs = defaults(DraftKind::CommunityPoolSpend, ParamsModule::Bank);
        let text = |kind, flags: &DraftFlags| {
            serde_json::to_string(&template(kind, ParamsModule::Bank, &inputs, flags).unwrap())
                .unwrap()
        };
        let e = Proposal::parse(&text(DraftKind::CommunityPoolSpend, &DraftFlags::default()))
            .unwrap_err();
        assert!(format!("{e:#}").contains("recipient"), "{e:#}");
        let flags = DraftFlags {
            recipient: Some(weave_kernel::Address::new([4; 20]).to_string()),
            amount: Some(77),
            ..DraftFlags::default()
        };
        let p = Proposal::parse(&text(DraftKind::CommunityPoolSpend, &flags)).unwrap();
        let spend =
            <pb::MsgCommunityPoolSpend as prost::Message>::decode(p.messages[0].value.as_slice())
                .unwrap();
        assert_eq!(spend.amount, "77");
        assert!(p.pinned_keys.is_empty());

        assert!(
            Proposal::parse(&text(DraftKind::SoftwareUpgrade, &DraftFlags::default())).is_err()
        );
        let flags = DraftFlags {
            upgrade_name: Some("v2".into()),
            upgrade_height: Some(5_000),
            ..DraftFlags::default()
        };
        let p = Proposal::parse(&text(DraftKind::SoftwareUpgrade, &flags)).unwrap();
        let up = <pb::MsgSoftwareUpgrade as prost::Message>::decode(p.messages[0].value.as_slice())
            .unwrap();
        assert_eq!(
            up.plan.map(|p| (p.name, p.height)),
            Some(("v2".into(), 5_000))
        );
    }

    #[test]
    fn votes_and_deposits_are_checked_before_signing() {
        let voter = weave_kernel::Address::new([1; 20]).to_string();
        assert!(checked(
            weave_gov::MSG_VOTE,
            &pb::MsgVote {
                proposal_id: 1,
                voter: voter.clone(),
                option: VoteArg::Yes.proto() as i32,
                metadata: String::new(),
            }
        )
        .is_ok());
        assert!(checked(
            weave_gov::MSG_DEPOSIT,
            &pb::MsgDeposit {
                proposal_id: 1,
                depositor: voter.clone(),
                amount: "0".into(),
            }
        )
        .is_err());
        let options = parse_weighted_options("yes=0.6,no=0.4").unwrap().0;
        assert!(checked(
            weave_gov::MSG_VOTE_WEIGHTED,
            &pb::MsgVoteWeighted {
                proposal_id: 1,
                voter,
                options,
                metadata: String::new(),
            }
        )
        .is_ok());
    }
}
