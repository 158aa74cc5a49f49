//! `weaved query gov`: proposals (with their messages decoded), votes, deposits, the
//! tally, the gov parameters and the scheduled upgrade, over `weave.gov.v1.Query`;
//! Clap arguments and rendering; the reads are [`crate::gov::query`]'s.

use clap::Subcommand;
use serde_json::{json, Value};
use weave_proto::weave::gov::v1 as pb;

use crate::gov::{
    any_to_json, duration_text, option_name, percent,
    query::{self, Tally as TallyView},
    share_bps, status_name, time_text,
};
use crate::{
    opts::resolve_address, opts::GlobalOpts, opts::NodeOpts, page::PageArgs, query::with_channel,
    render,
};

/// The longest title a proposal listing shows, in characters.
const LIST_TITLE_CHARS: usize = 40;

/// A proposal status to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum StatusArg {
    /// Waiting for its minimum deposit.
    Deposit,
    /// Being voted on.
    Voting,
    /// Passed and executed.
    Passed,
    /// Rejected (no quorum or threshold); deposits refunded.
    Rejected,
    /// Passed but its execution failed.
    Failed,
    /// Vetoed; deposits burned.
    Vetoed,
}

impl StatusArg {
    /// The proposal status on the wire.
    pub fn proto(self) -> pb::ProposalStatus {
        match self {
            Self::Deposit => pb::ProposalStatus::DepositPeriod,
            Self::Voting => pb::ProposalStatus::VotingPeriod,
            Self::Passed => pb::ProposalStatus::Passed,
            Self::Rejected => pb::ProposalStatus::Rejected,
            Self::Failed => pb::ProposalStatus::Failed,
            Self::Vetoed => pb::ProposalStatus::Vetoed,
        }
    }
}

/// `weaved query gov ...`
#[derive(Debug, Subcommand)]
pub enum GovQueryCmd {
    /// Proposals by id: status, voting end, total deposit, title and why execution
    /// failed.
    ///
    /// With --status the node filters each page, so a page may hold fewer than
    /// --limit proposals and still be followed by another.
    #[command(after_help = "Example:\n  weaved query gov proposals --status voting")]
    Proposals {
        /// Only proposals of this status.
        #[arg(long, value_enum)]
        status: Option<StatusArg>,
        #[allow(missing_docs)] // flattened: its own fields carry the help
        #[command(flatten)]
        page: PageArgs,
        #[allow(missing_docs)] // flattened: its own fields carry the help
        #[command(flatten)]
        node: NodeOpts,
    },
    /// One proposal: its messages (decoded to JSON), deposit and voting times, final
    /// tally, preconditions and failure reason.
    #[command(after_help = "Example:\n  weaved query gov proposal 1 --output json")]
    Proposal {
        /// The proposal's id.
        proposal_id: u64,
        #[allow(missing_docs)] // flattened: its own fields carry the help
        #[command(flatten)]
        node: NodeOpts,
    },
    /// A proposal's votes, or one voter's with --voter.
    #[command(after_help = "Example:\n  weaved query gov votes 1")]
    Votes {
        /// The proposal's id.
        proposal_id: u64,
        /// Only this voter's vote: an address or a key name.
        #[arg(long, value_name = "VOTER")]
        voter: Option<String>,
        #[allow(missing_docs)] // flattened: its own fields carry the help
        #[command(flatten)]
        page: PageArgs,
        #[allow(missing_docs)] // flattened: its own fields carry the help
        #[command(flatten)]
        node: NodeOpts,
    },
    /// A proposal's deposits (until refunded or burned), or one depositor's with
    /// --depositor.
    #[command(after_help = "Example:\n  weaved query gov deposits 1")]
    Deposits {
        /// The proposal's id.
        proposal_id: u64,
        /// Only this depositor's deposit: an address or a key name.
        #[arg(long, value_name = "DEPOSITOR")]
        depositor: Option<String>,
        #[allow(missing_docs)] // flattened: its own fields carry the help
        #[command(flatten)]
        page: PageArgs,
        #[allow(missing_docs)] // flattened: its own fields carry the help
        #[command(flatten)]
        node: NodeOpts,
    },
    /// A proposal's tally: counted now against the bonded stake while it votes (with
    /// each option's share of the bonded stake, the turnout against the quorum and the
    /// yes share against the threshold), its final tally afterwards.
    #[command(after_help = "Example:\n  weaved query gov tally 1")]
    Tally {
        /// The proposal's id.
        proposal_id: u64,
        #[allow(missing_docs)] // flattened: its own fields carry the help
        #[command(flatten)]
        node: NodeOpts,
    },
    /// The gov module's parameters.
    #[command(after_help = "Example:\n  weaved query gov params")]
    Params {
        #[allow(missing_docs)] // flattened: its own fields carry the help
        #[command(flatten)]
        node: NodeOpts,
    },
    /// The scheduled software upgrade, if any: the node halts at its height unless
    /// its binary knows the upgrade.
    #[command(after_help = "Example:\n  weaved query gov upgrade-plan")]
    UpgradePlan {
        #[allow(missing_docs)] // flattened: its own fields carry the help
        #[command(flatten)]
        node: NodeOpts,
    },
}

/// A tally as JSON (amounts as strings).
fn tally_json(t: &pb::TallyResult) -> Value {
    json!({
        "yes": t.yes,
        "abstain": t.abstain,
        "no": t.no,
        "no_with_veto": t.no_with_veto,
    })
}

/// A precondition as JSON: the key as text when it is UTF-8, and in hex.
fn precondition_json(p: &pb::Precondition) -> Value {
    json!({
        "key": std::str::from_utf8(&p.key).ok(),
        "key_hex": hex::encode(&p.key),
        "expected_hex": hex::encode(&p.expected),
        "absent": p.expected.is_empty(),
    })
}

/// A precondition as one line of text.
fn precondition_text(p: &pb::Precondition) -> String {
    let key = match std::str::from_utf8(&p.key) {
        Ok(text) => text.to_string(),
        Err(_) => format!("0x{}", hex::encode(&p.key)),
    };
    if p.expected.is_empty() {
        format!("{key} is absent (or empty)")
    } else {
        format!("{key} = 0x{}", hex::encode(&p.expected))
    }
}

/// A proposal as JSON; `full` decodes its messages, else only their types appear.
fn proposal_json(p: &pb::Proposal, full: bool) -> Value {
    let messages: Vec<Value> = if full {
        p.messages
            .iter()
            .map(|m| any_to_json(&m.type_url, &m.value))
            .collect()
    } else {
        p.messages
            .iter()
            .map(|m| Value::String(m.type_url.clone()))
            .collect()
    };
    json!({
        "id": p.id,
        "title": p.title,
        "summary": p.summary,
        "metadata": p.metadata,
        "proposer": p.proposer,
        "expedited": p.expedited,
        "status": status_name(p.status),
        "total_deposit": p.total_deposit,
        "submit_time": p.submit_time,
        "deposit_end_time": p.deposit_end_time,
        "voting_start_time": p.voting_start_time,
        "voting_end_time": p.voting_end_time,
        "final_tally": p.final_tally.as_ref().map(tally_json),
        "failure_reason": p.failure_reason,
        "preconditions": p.preconditions.iter().map(precondition_json).collect::<Vec<_>>(),
        "messages": messages,
    })
}

/// A proposal as text, one field per line, its messages as indented JSON.
fn proposal_text(p: &pb::Proposal) -> String {
    let mut lines = vec![
        format!("id: {}", p.id),
        format!("title: {}", p.title),
        format!("status: {}", status_name(p.status)),
        format!("proposer: {}", p.proposer),
        format!("expedited: {}", p.expedited),
        format!("total_deposit: {}uweave", p.total_deposit),
        format!("submit_time: {}", time_text(p.submit_time)),
    ];
    if p.status == pb::ProposalStatus::DepositPeriod as i32 {
        lines.push(format!(
            "deposit_end_time: {}",
            time_text(p.deposit_end_time)
        ));
    }
    if p.voting_start_time != 0 {
        lines.push(format!(
            "voting: {} to {}",
            time_text(p.voting_start_time),
            time_text(p.voting_end_time)
        ));
    }
    if let Some(t) = &p.final_tally {
        lines.push(format!(
            "final_tally: yes {}, no {}, abstain {}, no_with_veto {}",
            t.yes, t.no, t.abstain, t.no_with_veto
        ));
    }
    if !p.failure_reason.is_empty() {
        lines.push(format!("failure_reason: {}", p.failure_reason));
    }
    if !p.metadata.is_empty() {
        lines.push(format!("metadata: {}", p.metadata));
    }
    if !p.summary.is_empty() {
        lines.push("summary:".into());
        lines.extend(p.summary.lines().map(|l| format!("  {l}")));
    }
    if !p.preconditions.is_empty() {
        lines.push("preconditions:".into());
        lines.extend(
            p.preconditions
                .iter()
                .map(|c| format!("  - {}", precondition_text(c))),
        );
    }
    lines.push(format!("messages: {}", p.messages.len()));
    for (i, m) in p.messages.iter().enumerate() {
        let json = any_to_json(&m.type_url, &m.value);
        let pretty = serde_json::to_string_pretty(&json).unwrap_or_else(|_| json.to_string());
        lines.push(format!("  [{i}] {}", m.type_url));
        lines.extend(pretty.lines().map(|l| format!("      {l}")));
    }
    lines.join("\n")
}

/// A title cut to `LIST_TITLE_CHARS` characters.
fn short_title(title: &str) -> String {
    if title.chars().count() <= LIST_TITLE_CHARS {
        return title.to_string();
    }
    let cut: String = title.chars().take(LIST_TITLE_CHARS - 1).collect();
    format!("{cut}…")
}

/// The proposals as an aligned table: id, status, voting end (the deposit end while
/// a proposal waits for deposits), total deposit, title and failure reason.
fn proposals_table(proposals: &[pb::Proposal]) -> String {
    let mut rows = vec![[
        "ID".to_string(),
        "STATUS".into(),
        "VOTING END".into(),
        "DEPOSIT".into(),
        "TITLE".into(),
        "FAILURE".into(),
    ]];
    for p in proposals {
        let end = if p.status == pb::ProposalStatus::DepositPeriod as i32 {
            format!("(deposit until {})", time_text(p.deposit_end_time))
        } else {
            time_text(p.voting_end_time)
        };
        rows.push([
            p.id.to_string(),
            status_name(p.status).into(),
            end,
            format!("{}uweave", p.total_deposit),
            short_title(&p.title),
            p.failure_reason.clone(),
        ]);
    }
    let mut widths = [0usize; 6];
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    rows.iter()
        .map(|row| {
            let cells: Vec<String> = row
                .iter()
                .zip(widths)
                .enumerate()
                .map(|(i, (cell, w))| {
                    if i + 1 == row.len() {
                        cell.clone()
                    } else {
                        let pad = w.saturating_sub(cell.chars().count());
                        format!("{cell}{}", " ".repeat(pad))
                    }
                })
                .collect();
            cells.join("  ").trim_end().to_string()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// A vote as JSON.
fn vote_json(v: &pb::Vote) -> Value {
    json!({
        "proposal_id": v.proposal_id,
        "voter": v.voter,
        "options": v
            .options
            .iter()
            .map(|o| json!({ "option": option_name(o.option), "weight_bps": o.weight_bps }))
            .collect::<Vec<_>>(),
    })
}

/// A vote as one line: `weave1...  yes 60.00%, no 40.00%` (`yes` alone for a whole
/// vote).
fn vote_line(v: &pb::Vote) -> String {
    let options = match v.options.as_slice() {
        [one] if one.weight_bps == 10_000 => option_name(one.option).to_string(),
        many => many
            .iter()
            .map(|o| format!("{} {}", option_name(o.option), percent(o.weight_bps)))
            .collect::<Vec<_>>()
            .join(", "),
    };
    format!("{}\t{options}", v.voter)
}

/// A deposit as JSON.
fn deposit_json(d: &pb::Deposit) -> Value {
    json!({
        "proposal_id": d.proposal_id,
        "depositor": d.depositor,
        "amount": d.amount,
    })
}

/// An amount of a tally, 0 if it does not parse.
fn amount(s: &str) -> u128 {
    s.parse().unwrap_or(0)
}

impl TallyView {
    fn json(&self) -> Value {
        let r = &self.response;
        let mut value = json!({
            "proposal_id": self.proposal_id,
            "final": r.r#final,
            "tally": r.tally.as_ref().map(tally_json),
        });
        if let (false, Some(t), Some(map)) = (r.r#final, &r.tally, value.as_object_mut()) {
            let bonded = amount(&r.total_bonded);
            let share = |s: &str| share_bps(amount(s), bonded);
            map.insert("total_bonded".into(), json!(r.total_bonded));
            map.insert(
                "of_bonded_bps".into(),
                json!({
                    "yes": share(&t.yes),
                    "abstain": share(&t.abstain),
                    "no": share(&t.no),
                    "no_with_veto": share(&t.no_with_veto),
                }),
            );
            map.insert("turnout_bps".into(), json!(self.turnout_bps(t)));
            map.insert("yes_of_non_abstain_bps".into(), json!(yes_bps(t)));
            if let Some((quorum, threshold)) = self.bars {
                map.insert("quorum_bps".into(), json!(quorum));
                map.insert("threshold_bps".into(), json!(threshold));
            }
        }
        value
    }

    fn turnout_bps(&self, t: &pb::TallyResult) -> u32 {
        let voted = [&t.yes, &t.abstain, &t.no, &t.no_with_veto]
            .iter()
            .fold(0u128, |acc, s| acc.saturating_add(amount(s)));
        share_bps(voted, amount(&self.response.total_bonded))
    }

    fn text(&self) -> String {
        let r = &self.response;
        let Some(t) = &r.tally else {
            return format!(
                "proposal {}: no tally (it never reached its voting period)",
                self.proposal_id
            );
        };
        let mut lines = Vec::new();
        if r.r#final {
            lines.push(format!("proposal {}: final tally", self.proposal_id));
        } else {
            lines.push(format!(
                "proposal {}: voting, counted now against {}uweave bonded (not final)",
                self.proposal_id, r.total_bonded
            ));
        }
        let bonded = amount(&r.total_bonded);
        for (name, value) in [
            ("yes", &t.yes),
            ("no", &t.no),
            ("abstain", &t.abstain),
            ("no_with_veto", &t.no_with_veto),
        ] {
            if r.r#final {
                lines.push(format!("{name}: {value}uweave"));
            } else {
                lines.push(format!(
                    "{name}: {value}uweave ({} of bonded)",
                    percent(share_bps(amount(value), bonded))
                ));
            }
        }
        if !r.r#final {
            let turnout = percent(self.turnout_bps(t));
            let yes = percent(yes_bps(t));
            match self.bars {
                Some((quorum, threshold)) => {
                    lines.push(format!("turnout: {turnout} (quorum {})", percent(quorum)));
                    lines.push(format!(
                        "yes of non-abstaining: {yes} (threshold {})",
                        percent(threshold)
                    ));
                }
                None => {
                    lines.push(format!("turnout: {turnout}"));
                    lines.push(format!("yes of non-abstaining: {yes}"));
                }
            }
        }
        lines.join("\n")
    }
}

/// Yes as a share of the votes that did not abstain.
fn yes_bps(t: &pb::TallyResult) -> u32 {
    let non_abstain = amount(&t.yes)
        .saturating_add(amount(&t.no))
        .saturating_add(amount(&t.no_with_veto));
    share_bps(amount(&t.yes), non_abstain)
}

/// The gov parameters as JSON and text.
fn params_output(p: &pb::Params) -> (Value, String) {
    let value = json!({
        "min_deposit": p.min_deposit,
        "expedited_min_deposit": p.expedited_min_deposit,
        "min_initial_deposit_bps": p.min_initial_deposit_bps,
        "max_deposit_period": p.max_deposit_period,
        "voting_period": p.voting_period,
        "expedited_voting_period": p.expedited_voting_period,
        "quorum_bps": p.quorum_bps,
        "threshold_bps": p.threshold_bps,
        "expedited_threshold_bps": p.expedited_threshold_bps,
        "veto_threshold_bps": p.veto_threshold_bps,
        "max_messages": p.max_messages,
        "max_execution_gas": p.max_execution_gas,
        "max_ended_per_block": p.max_ended_per_block,
    });
    let bps = |name: &str, v: u32| format!("{name}: {v} ({})", percent(v));
    let text = [
        format!("min_deposit: {}uweave", p.min_deposit),
        format!("expedited_min_deposit: {}uweave", p.expedited_min_deposit),
        bps("min_initial_deposit_bps", p.min_initial_deposit_bps),
        format!(
            "max_deposit_period: {}",
            duration_text(p.max_deposit_period)
        ),
        format!("voting_period: {}", duration_text(p.voting_period)),
        format!(
            "expedited_voting_period: {}",
            duration_text(p.expedited_voting_period)
        ),
        bps("quorum_bps", p.quorum_bps),
        bps("threshold_bps", p.threshold_bps),
        bps("expedited_threshold_bps", p.expedited_threshold_bps),
        bps("veto_threshold_bps", p.veto_threshold_bps),
        format!("max_messages: {}", p.max_messages),
        format!("max_execution_gas: {}", p.max_execution_gas),
        format!("max_ended_per_block: {}", p.max_ended_per_block),
    ]
    .join("\n");
    (value, text)
}

/// Runs a `weaved query gov` command.
pub fn run_query(cmd: GovQueryCmd, g: &GlobalOpts) -> anyhow::Result<()> {
    match cmd {
        GovQueryCmd::Proposals { status, page, node } => {
            let page = page.request()?;
            let status = status.map_or(pb::ProposalStatus::Unspecified, StatusArg::proto);
            let r = with_channel(&node, g, |c| async move {
                query::proposals(&c, status, page).await
            })?;
            if g.json() {
                return render::print_json(&json!({
                    "proposals": r.entries.iter().map(|p| proposal_json(p, false)).collect::<Vec<_>>(),
                    "next_key": hex::encode(&r.next_key),
                }));
            }
            if r.entries.is_empty() {
                println!("(no proposals)");
            } else {
                println!("{}", proposals_table(&r.entries));
            }
            if !r.next_key.is_empty() {
                println!("next page: --page-key {}", hex::encode(&r.next_key));
            }
            Ok(())
        }
        GovQueryCmd::Proposal { proposal_id, node } => {
            let p = with_channel(&node, g, |c| async move {
                query::fetch_proposal(&c, proposal_id).await
            })?;
            render::print_one(g, "proposal", proposal_json(&p, true), proposal_text(&p))
        }
        GovQueryCmd::Votes {
            proposal_id,
            voter,
            page,
            node,
        } => {
            if let Some(voter) = voter {
                let voter = resolve_address(&voter, g)?;
                let v = with_channel(&node, g, |c| async move {
                    query::vote(&c, proposal_id, &voter).await
                })?;
                return render::print_one(g, "vote", vote_json(&v), vote_line(&v));
            }
            let page = page.request()?;
            let r = with_channel(&node, g, |c| async move {
                query::votes(&c, proposal_id, page).await
            })?;
            r.print(g, "votes", "no votes", |v| (vote_json(v), vote_line(v)))
        }
        GovQueryCmd::Deposits {
            proposal_id,
            depositor,
            page,
            node,
        } => {
            if let Some(depositor) = depositor {
                let depositor = resolve_address(&depositor, g)?;
                let d = with_channel(&node, g, |c| async move {
                    query::deposit(&c, proposal_id, &depositor).await
                })?;
                let line = format!("{}\t{}uweave", d.depositor, d.amount);
                return render::print_one(g, "deposit", deposit_json(&d), line);
            }
            let page = page.request()?;
            let r = with_channel(&node, g, |c| async move {
                query::deposits(&c, proposal_id, page).await
            })?;
            r.print(g, "deposits", "no deposits", |d| {
                (
                    deposit_json(d),
                    format!("{}\t{}uweave", d.depositor, d.amount),
                )
            })
        }
        GovQueryCmd::Tally { proposal_id, node } => {
            let view = with_channel(
                &node,
                g,
                |c| async move { query::tally(&c, proposal_id).await },
            )?;
            if g.json() {
                render::print_json(&view.json())
            } else {
                println!("{}", view.text());
                Ok(())
            }
        }
        GovQueryCmd::Params { node } => {
            let p = with_channel(&node, g, |c| async move { query::gov_params(&c).await })?;
            let (value, text) = params_output(&p);
            render::print_one(g, "params", value, text)
        }
        GovQueryCmd::UpgradePlan { node } => {
            let plan = with_channel(&node, g, |c| async move { query::upgrade_plan(&c).await })?;
            let value = plan
                .as_ref()
                .map(|p| json!({ "name": p.name, "height": p.height, "info": p.info }));
            let text = match &plan {
                Some(p) => {
                    let mut text = format!("name: {}\nheight: {}", p.name, p.height);
                    if !p.info.is_empty() {
                        text.push_str(&format!("\ninfo: {}", p.info));
                    }
                    text
                }
                None => "(no upgrade scheduled)".into(),
            };
            render::print_one(g, "plan", value.unwrap_or(Value::Null), text)
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn status_args_map_to_the_wire() {
        assert_eq!(StatusArg::Vetoed.proto(), pb::ProposalStatus::Vetoed);
    }

    use super::*;

    fn proposal() -> pb::Proposal {
        let spend = pb::MsgCommunityPoolSpend {
            authority: crate::gov::authority().to_string(),
            recipient: "weave1r".into(),
            amount: "5".into(),
        };
        pb::Proposal {
            id: 7,
            messages: vec![prost_types::Any {
                type_url: weave_gov::MSG_COMMUNITY_POOL_SPEND.into(),
                value: prost::Message::encode_to_vec(&spend),
            }],
            title: "Pay".into(),
            summary: "line one\nline two".into(),
            metadata: String::new(),
            proposer: "weave1p".into(),
            expedited: false,
            status: pb::ProposalStatus::Failed as i32,
            total_deposit: "10000000".into(),
            submit_time: 1_800_000_000,
            deposit_end_time: 1_800_000_100,
            voting_start_time: 1_800_000_000,
            voting_end_time: 1_800_000_060,
            final_tally: Some(pb::TallyResult {
                yes: "10".into(),
                abstain: "0".into(),
                no: "0".into(),
                no_with_veto: "0".into(),
            }),
            failure_reason: "gov:17: precondition failed".into(),
            preconditions: vec![
                pb::Precondition {
                    key: b"bank/params".to_vec(),
                    expected: vec![8, 1],
                },
                pb::Precondition {
                    key: vec![0xff],
                    expected: vec![],
                },
            ],
        }
    }

    #[test]
    fn proposals_render() {
        let p = proposal();
        let j = proposal_json(&p, true);
        assert_eq!(j["status"], "failed");
        assert_eq!(
            j["messages"][0]["@type"],
            weave_gov::MSG_COMMUNITY_POOL_SPEND
        );
        assert_eq!(j["messages"][0]["recipient"], "weave1r");
        assert_eq!(j["final_tally"]["yes"], "10");
        assert_eq!(j["preconditions"][0]["key"], "bank/params");
        assert_eq!(j["preconditions"][0]["expected_hex"], "0801");
        assert_eq!(j["preconditions"][1]["key"], Value::Null);
        assert_eq!(j["preconditions"][1]["absent"], true);
        let j = proposal_json(&p, false);
        assert_eq!(j["messages"][0], weave_gov::MSG_COMMUNITY_POOL_SPEND);

        let text = proposal_text(&p);
        for want in [
            "status: failed",
            "voting: 2027-01-15T08:00:00Z to 2027-01-15T08:01:00Z",
            "failure_reason: gov:17: precondition failed",
            "  - bank/params = 0x0801",
            "  - 0xff is absent (or empty)",
            "  [0] /weave.gov.v1.MsgCommunityPoolSpend",
            "\"recipient\": \"weave1r\"",
            "  line two",
        ] {
            assert!(text.contains(want), "{want} not in\n{text}");
        }

        let deposit = pb::Proposal {
            id: 12,
            status: pb::ProposalStatus::DepositPeriod as i32,
            title: "x".repeat(60),
            failure_reason: String::new(),
            voting_start_time: 0,
            voting_end_time: 0,
            ..p.clone()
        };
        let table = proposals_table(&[p, deposit]);
        let lines: Vec<&str> = table.lines().collect();
        assert!(lines[0].starts_with("ID  STATUS"), "{table}");
        assert!(
            lines[1].starts_with("7   failed   2027-01-15T08:01:00Z  "),
            "{table}"
        );
        assert!(lines[1].ends_with("gov:17: precondition failed"), "{table}");
        assert!(
            lines[2].contains("(deposit until 2027-01-15T08:01:40Z)"),
            "{table}"
        );
        assert!(
            lines[2].contains(&format!("{}…", "x".repeat(39))),
            "{table}"
        );
    }

    #[test]
    fn votes_and_tallies_render() {
        let whole = pb::Vote {
            proposal_id: 1,
            voter: "weave1v".into(),
            options: vec![pb::WeightedVoteOption {
                option: pb::VoteOption::NoWithVeto as i32,
                weight_bps: 10_000,
            }],
        };
        assert_eq!(vote_line(&whole), "weave1v\tno-with-veto");
        let split = pb::Vote {
            options: vec![
                pb::WeightedVoteOption {
                    option: pb::VoteOption::Yes as i32,
                    weight_bps: 6_000,
                },
                pb::WeightedVoteOption {
                    option: pb::VoteOption::No as i32,
                    weight_bps: 4_000,
                },
            ],
            ..whole
        };
        assert_eq!(vote_line(&split), "weave1v\tyes 60.00%, no 40.00%");
        assert_eq!(vote_json(&split)["options"][1]["option"], "no");

        let voting = TallyView {
            proposal_id: 3,
            response: pb::QueryTallyResponse {
                tally: Some(pb::TallyResult {
                    yes: "30".into(),
                    abstain: "10".into(),
                    no: "10".into(),
                    no_with_veto: "0".into(),
                }),
                total_bonded: "100".into(),
                r#final: false,
            },
            bars: Some((3_340, 5_000)),
        };
        let text = voting.text();
        for want in [
            "not final",
            "yes: 30uweave (30.00% of bonded)",
            "turnout: 50.00% (quorum 33.40%)",
            "yes of non-abstaining: 75.00% (threshold 50.00%)",
        ] {
            assert!(text.contains(want), "{want} not in\n{text}");
        }
        let j = voting.json();
        assert_eq!(j["final"], false);
        assert_eq!(j["of_bonded_bps"]["yes"], 3_000);
        assert_eq!(j["turnout_bps"], 5_000);
        assert_eq!(j["quorum_bps"], 3_340);

        let done = TallyView {
            proposal_id: 3,
            response: pb::QueryTallyResponse {
                total_bonded: String::new(),
                r#final: true,
                ..voting.response.clone()
            },
            bars: None,
        };
        let text = done.text();
        assert!(text.starts_with("proposal 3: final tally"), "{text}");
        assert!(text.contains("yes: 30uweave\n"), "{text}");
        assert!(done.json().get("turnout_bps").is_none());
        let none = TallyView {
            proposal_id: 4,
            response: pb::QueryTallyResponse::default(),
            bars: None,
        };
        assert!(none.text().contains("no tally"));
        assert_eq!(none.json()["tally"], Value::Null);
    }

    #[test]
    fn params_render() {
        let p = weave_gov::Params::default().to_proto();
        let (value, text) = params_output(&p);
        assert_eq!(value["min_deposit"], "10000000");
        assert!(text.contains("voting_period: 172800 s (2d)"), "{text}");
        assert!(text.contains("quorum_bps: 3340 (33.40%)"), "{text}");
    }
}
