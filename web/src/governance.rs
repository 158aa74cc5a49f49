//! The Governance page: the proposals with their status, tally and deposit, a *Vote*
//! form for the selected account on each proposal that is voting, a *Deposit* form on
//! each that takes deposits, the current parameters of every module, and *Submit a
//! proposal*: a module's parameters as an edit of their current JSON (each module's
//! block has its form), or a community-pool spend, with the initial deposit. The
//! proposal is the JSON that `weaved tx gov draft-proposal` drafts, filled by the
//! client library ([`weave_client::gov::update_params_proposal`]) and checked by it as
//! `submit-proposal` checks a file, so a malformed edit is refused before signing.

use std::fmt::Write;

use axum::{
    body::Bytes,
    extract::{Path, RawQuery, State},
    http::HeaderMap,
    response::{Html, IntoResponse, Response},
};
use serde::Deserialize;
use weave_proto::weave::gov::v1 as pb;

use crate::{
    forms::{account, form, see_other, selected_key},
    html::{self, esc, Flash},
    state::AppState,
    words::explain,
};

/// A proposal status in words.
fn status_words(status: i32) -> &'static str {
    match pb::ProposalStatus::try_from(status) {
        Ok(pb::ProposalStatus::DepositPeriod) => "deposit period",
        Ok(pb::ProposalStatus::VotingPeriod) => "voting",
        Ok(pb::ProposalStatus::Passed) => "passed",
        Ok(pb::ProposalStatus::Rejected) => "rejected",
        Ok(pb::ProposalStatus::Failed) => "failed",
        Ok(pb::ProposalStatus::Vetoed) => "vetoed",
        _ => "unknown",
    }
}

/// The four options of the Vote form, as the form posts them.
const OPTIONS: [(&str, &str); 4] = [
    ("yes", "Yes"),
    ("no", "No"),
    ("abstain", "Abstain"),
    ("veto", "No with veto"),
];

/// A posted option.
fn parse_option(s: &str) -> Option<pb::VoteOption> {
    Some(match s {
        "yes" => pb::VoteOption::Yes,
        "no" => pb::VoteOption::No,
        "abstain" => pb::VoteOption::Abstain,
        "veto" => pb::VoteOption::NoWithVeto,
        _ => return None,
    })
}

/// A vote in words: `yes`, or `yes 60%, no 40%` when weighted.
fn vote_words(v: &pb::Vote) -> String {
    let name = |o: i32| match pb::VoteOption::try_from(o) {
        Ok(pb::VoteOption::Yes) => "yes",
        Ok(pb::VoteOption::No) => "no",
        Ok(pb::VoteOption::Abstain) => "abstain",
        Ok(pb::VoteOption::NoWithVeto) => "no with veto",
        _ => "unspecified",
    };
    match v.options.as_slice() {
        [one] => name(one.option).to_string(),
        many => many
            .iter()
            .map(|o| {
                format!(
                    "{} {}.{:02}%",
                    name(o.option),
                    o.weight_bps / 100,
                    o.weight_bps % 100
                )
            })
            .collect::<Vec<_>>()
            .join(", "),
    }
}

/// `GET /gov`.
pub(crate) async fn page(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Html<String> {
    let (bar, selected) = account(&state, &headers, "/gov");
    let flash = state.flashes.get(query.as_deref());
    let me = selected.as_ref().ok().map(|(_, k)| k.address());
    let mut body = String::from("<h1>Governance</h1><h2>Proposals</h2>");
    let gov = state.node.gov_params().await;
    let min_deposit = match &gov {
        Ok(g) => {
            let _ = write!(
                body,
                "<p class=muted id=\"min-deposit\">A proposal votes once its deposits reach \
                 {} uweave ({} uweave if expedited).</p>",
                esc(&g.min_deposit),
                esc(&g.expedited_min_deposit)
            );
            g.min_deposit.clone()
        }
        Err(e) => {
            body.push_str(&html::error_box(
                "Reading the gov parameters",
                &explain(&format!("{e:#}")),
            ));
            String::new()
        }
    };
    match state.node.proposals().await {
        Ok(ps) if ps.is_empty() => {
            body.push_str("<p id=\"no-proposals\" class=muted>No proposals.</p>")
        }
        Ok(ps) => {
            body.push_str(
                "<table id=\"proposals\"><tr><th>#</th><th>Title</th><th>Status</th>\
                 <th>Tally (uweave of stake)</th><th>Deposit</th><th>Your vote</th></tr>",
            );
            for (p, tally) in ps {
                let t = tally.response.tally.clone().unwrap_or_default();
                let mut tally_text = format!(
                    "yes {} · no {} · abstain {} · veto {}",
                    esc(&t.yes),
                    esc(&t.no),
                    esc(&t.abstain),
                    esc(&t.no_with_veto)
                );
                if tally.response.r#final {
                    tally_text.push_str(" <em>(final)</em>");
                } else if let Some((quorum, threshold)) = tally.bars {
                    let _ = write!(
                        tally_text,
                        "<br><span class=muted>of {} bonded; quorum {}%, threshold {}%</span>",
                        esc(&tally.response.total_bonded),
                        quorum / 100,
                        threshold / 100
                    );
                }
                let voting = p.status == pb::ProposalStatus::VotingPeriod as i32;
                // The gov module takes deposits in the deposit period and while voting.
                let takes_deposits = voting || p.status == pb::ProposalStatus::DepositPeriod as i32;
                let mut deposit_cell = format!("{} uweave", esc(&p.total_deposit));
                if me.is_some() && takes_deposits {
                    let _ = write!(
                        deposit_cell,
                        "<form method=post action=\"/gov/{id}/deposit\" id=\"deposit-{id}\">\
                         <input type=hidden name=token value=\"{}\">\
                         <input name=amount id=\"deposit-amount-{id}\" size=10 \
                         placeholder=\"uweave\" required> \
                         <button id=\"deposit-button-{id}\">Deposit</button></form>",
                        esc(&state.token),
                        id = p.id,
                    );
                }
                let mut mine = String::new();
                if let Some(me) = &me {
                    match state.node.my_vote(p.id, me).await {
                        Ok(Some(v)) => {
                            let _ = write!(
                                mine,
                                "<span id=\"my-vote-{}\">{}</span>",
                                p.id,
                                esc(&vote_words(&v))
                            );
                        }
                        Ok(None) => {}
                        Err(e) => mine.push_str(&html::error_box(
                            "Reading your vote",
                            &explain(&format!("{e:#}")),
                        )),
                    }
                    if voting {
                        let _ = write!(
                            mine,
                            "<form method=post action=\"/gov/{id}/vote\" id=\"vote-{id}\">\
                             <input type=hidden name=token value=\"{}\">\
                             <select name=option id=\"vote-option-{id}\">{}</select> \
                             <button id=\"vote-button-{id}\">Vote</button></form>",
                            esc(&state.token),
                            OPTIONS
                                .iter()
                                .map(|(v, n)| format!("<option value=\"{v}\">{n}</option>"))
                                .collect::<String>(),
                            id = p.id,
                        );
                    }
                }
                let _ = write!(
                    body,
                    "<tr class=\"proposal\" id=\"proposal-{id}\"><td>{id}</td>\
                     <td><strong>{}</strong><br><span class=muted>{}</span></td>\
                     <td class=\"status\">{}{}</td><td>{tally_text}</td><td>{deposit_cell}</td><td>{mine}</td></tr>",
                    esc(&p.title),
                    esc(&p.summary),
                    status_words(p.status),
                    if p.failure_reason.is_empty() {
                        String::new()
                    } else {
                        format!(": {}", esc(&p.failure_reason))
                    },
                    id = p.id,
                );
            }
            body.push_str("</table>");
        }
        Err(e) => body.push_str(&html::error_box(
            "Reading the proposals",
            &explain(&format!("{e:#}")),
        )),
    }
    if let Err(why) = &selected {
        body.push_str(&crate::forms::no_key(why));
    }
    let can_propose = selected.is_ok();
    body.push_str(
        "<h2>Parameters</h2><p class=muted>Each module's block holds its current parameters \
         and, for the selected account, a form that proposes to replace them: edit the JSON \
         (every field: it replaces the params as a whole). The proposal pins the current \
         params, so it fails instead of undoing a change that passes before it.</p>\
         <div id=\"params\">",
    );
    for (module, params) in state.node.all_params().await {
        match params {
            Ok(json) => {
                let text = serde_json::to_string_pretty(&json).unwrap_or_else(|e| e.to_string());
                let form = if can_propose {
                    format!(
                        "<form method=post action=\"/gov/propose\" id=\"propose-{m}\">\
                         <input type=hidden name=token value=\"{token}\">\
                         <input type=hidden name=kind value=params>\
                         <input type=hidden name=module value=\"{m}\">\
                         <textarea name=params id=\"propose-params-{m}\" rows=12 cols=70>{}</textarea>\
                         {}<button id=\"propose-button-{m}\">Propose this change</button></form>",
                        esc(&text),
                        proposal_fields(
                            &format!("propose-{module}"),
                            &format!("Change the {module} parameters"),
                            &min_deposit
                        ),
                        token = esc(&state.token),
                        m = esc(&module),
                    )
                } else {
                    String::new()
                };
                let _ = write!(
                    body,
                    "<details class=\"params\" id=\"params-{m}\"><summary>{m}</summary><pre>{}</pre>{form}</details>",
                    esc(&text),
                    m = esc(&module),
                );
            }
            Err(e) => body.push_str(&html::error_box(
                &format!("Reading the {module} parameters"),
                &explain(&format!("{e:#}")),
            )),
        }
    }
    body.push_str("</div>");
    if can_propose {
        let _ = write!(
            body,
            "<h2>Submit a proposal</h2><p class=muted>To change a module's parameters, open \
             its block above. To pay from the community pool:</p>\
             <form method=post action=\"/gov/propose\" id=\"propose-spend\">\
             <input type=hidden name=token value=\"{}\"><input type=hidden name=kind value=spend>\
             <p><label>recipient <input name=recipient id=\"propose-spend-recipient\" size=48 \
             placeholder=\"address or key name\" required></label> \
             <label>amount <input name=amount id=\"propose-spend-amount\" size=12 \
             placeholder=\"uweave\" required></label></p>{}\
             <button id=\"propose-spend-button\">Submit the proposal</button></form>",
            esc(&state.token),
            proposal_fields("propose-spend", "Community pool spend", &min_deposit),
        );
    }
    Html(html::page(
        "Governance",
        "Governance",
        &bar,
        flash.as_ref(),
        &body,
    ))
}

#[derive(Deserialize)]
struct VoteForm {
    option: String,
}

/// `POST /gov/{id}/vote`.
pub(crate) async fn vote(
    State(state): State<AppState>,
    Path(id): Path<u64>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let f: VoteForm = match form(&state, &body) {
        Ok(f) => f,
        Err(r) => return r.into_response(),
    };
    let result = async {
        let option = parse_option(&f.option)
            .ok_or_else(|| anyhow::anyhow!("{:?} is not yes, no, abstain or veto", f.option))?;
        let (_, key) = selected_key(&state, &headers)?;
        state.node.vote(&key, id, option).await
    }
    .await;
    let flash = match result {
        Ok(done) => Flash::Ok(
            format!(
                "Voted {} on proposal {id}; fee {} uweave; transaction {}.",
                f.option, done.fee, done.hash
            ),
            Some((done.hash, done.fee)),
        ),
        Err(e) => Flash::Err("Voting".into(), explain(&format!("{e:#}"))),
    };
    let n = state.flashes.put(flash);
    see_other(&format!("/gov?flash={n}"))
}

/// The fields every proposal form shares: title, summary, initial deposit, expedited.
fn proposal_fields(id: &str, title: &str, min_deposit: &str) -> String {
    format!(
        "<p><label>title <input name=title id=\"{id}-title\" size=48 value=\"{}\" required></label></p>\
         <p><label>summary<br><textarea name=summary id=\"{id}-summary\" rows=3 cols=70></textarea></label></p>\
         <p><label>initial deposit <input name=deposit id=\"{id}-deposit\" size=12 value=\"{}\" required> uweave</label> \
         <label><input type=checkbox name=expedited value=on id=\"{id}-expedited\"> expedited \
         (shorter vote, higher threshold and deposit)</label></p>",
        esc(title),
        esc(min_deposit),
    )
}

#[derive(Deserialize)]
struct DepositForm {
    amount: String,
}

/// `POST /gov/{id}/deposit`.
pub(crate) async fn deposit(
    State(state): State<AppState>,
    Path(id): Path<u64>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let f: DepositForm = match form(&state, &body) {
        Ok(f) => f,
        Err(r) => return r.into_response(),
    };
    let result = async {
        let amount = weave_client::tx::parse_uweave(&f.amount).map_err(|e| anyhow::anyhow!(e))?;
        let (_, key) = selected_key(&state, &headers)?;
        let done = state.node.deposit(&key, id, amount).await?;
        Ok::<_, anyhow::Error>((amount, done))
    }
    .await;
    let flash = match result {
        Ok((amount, done)) => Flash::Ok(
            format!(
                "Deposited {amount} uweave on proposal {id}; fee {} uweave; transaction {}.",
                done.fee, done.hash
            ),
            Some((done.hash, done.fee)),
        ),
        Err(e) => Flash::Err("Depositing".into(), explain(&format!("{e:#}"))),
    };
    let n = state.flashes.put(flash);
    see_other(&format!("/gov?flash={n}"))
}

/// A posted *Submit a proposal* form.
#[derive(Debug, Deserialize)]
struct ProposeForm {
    /// `params` or `spend`.
    kind: String,
    title: String,
    #[serde(default)]
    summary: String,
    deposit: String,
    #[serde(default)]
    expedited: Option<String>,
    /// `params`: the module, and its params as edited JSON.
    #[serde(default)]
    module: String,
    #[serde(default)]
    params: String,
    /// `spend`: to whom (an address or a key name), and how much.
    #[serde(default)]
    recipient: String,
    #[serde(default)]
    amount: String,
}

/// The proposal file a form describes (refused in words if it is malformed), and what
/// it proposes, for the message.
fn proposal_of(
    f: &ProposeForm,
    keys: &[weave_client::keys::KeyInfo],
) -> anyhow::Result<(serde_json::Value, String)> {
    use anyhow::{anyhow, bail};
    let title = f.title.trim();
    if title.is_empty() {
        bail!("the proposal needs a title");
    }
    let deposit = weave_client::tx::parse_uweave(&f.deposit)
        .map_err(|e| anyhow!("the initial deposit: {e}"))?;
    let expedited = f.expedited.is_some();
    let summary = f.summary.trim();
    match f.kind.as_str() {
        "params" => {
            let module =
                <weave_client::gov::ParamsModule as clap::ValueEnum>::from_str(&f.module, true)
                    .map_err(|_| anyhow!("{:?} is not a module with parameters", f.module))?;
            let params: serde_json::Value = serde_json::from_str(&f.params)
                .map_err(|e| anyhow!("the {} parameters are not valid JSON: {e}", f.module))?;
            if !params.is_object() {
                bail!("the {} parameters must be a JSON object", f.module);
            }
            Ok((
                weave_client::gov::update_params_proposal(
                    module, params, title, summary, deposit, expedited,
                ),
                format!("replacing the {} parameters", module.name()),
            ))
        }
        "spend" => {
            let recipient = crate::publish::address_of(keys, f.recipient.trim())
                .map_err(|e| anyhow!("the recipient: {e}"))?;
            let amount = weave_client::tx::parse_uweave(&f.amount)
                .map_err(|e| anyhow!("the amount: {e}"))?;
            Ok((
                weave_client::gov::community_pool_spend_proposal(
                    &recipient, amount, title, summary, deposit, expedited,
                ),
                format!("paying {amount} uweave from the community pool to {recipient}"),
            ))
        }
        other => bail!("{other:?} is not a kind of proposal this page submits"),
    }
}

/// `POST /gov/propose`.
pub(crate) async fn propose(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let f: ProposeForm = match form(&state, &body) {
        Ok(f) => f,
        Err(r) => return r.into_response(),
    };
    let result = async {
        let (file, what) = proposal_of(&f, &state.node.keys()?)?;
        let (_, key) = selected_key(&state, &headers)?;
        let (done, id) = state.node.submit_proposal(&key, &file).await?;
        Ok::<_, anyhow::Error>((what, done, id))
    }
    .await;
    let flash = match result {
        Ok((what, done, id)) => Flash::Ok(
            format!(
                "Submitted proposal {} ({what}); fee {} uweave; transaction {}.",
                id.map_or_else(|| "?".to_string(), |i| i.to_string()),
                done.fee,
                done.hash
            ),
            Some((done.hash, done.fee)),
        ),
        Err(e) => Flash::Err("Submitting the proposal".into(), explain(&format!("{e:#}"))),
    };
    let n = state.flashes.put(flash);
    see_other(&format!("/gov?flash={n}"))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn propose_form(kind: &str) -> ProposeForm {
        ProposeForm {
            kind: kind.into(),
            title: " Sends off ".into(),
            summary: "why".into(),
            deposit: "10000000uweave".into(),
            expedited: None,
            module: "bank".into(),
            params: "{\"send_enabled\": false}".into(),
            recipient: "alice".into(),
            amount: "5".into(),
        }
    }

    #[test]
    fn proposal_forms_become_checked_proposal_files_or_words() {
        let alice = weave_client::keys::KeyInfo {
            name: "alice".into(),
            address: weave_kernel::Address::new([2; 20]),
            algo: Default::default(),
            pubkey: Vec::new(),
        };
        let keys = vec![alice.clone()];
        let (file, what) = proposal_of(&propose_form("params"), &keys).unwrap();
        assert_eq!(what, "replacing the bank parameters");
        let p = weave_client::gov::Proposal::parse(&file.to_string()).unwrap();
        assert_eq!((p.title.as_str(), p.deposit), ("Sends off", 10_000_000));
        assert_eq!(p.messages[0].type_url, "/weave.bank.v1.MsgUpdateParams");
        assert_eq!(p.pinned_keys.len(), 1);

        let (file, what) = proposal_of(&propose_form("spend"), &keys).unwrap();
        assert!(what.contains(&alice.address.to_string()), "{what}");
        assert!(weave_client::gov::Proposal::parse(&file.to_string()).is_ok());

        let mut bad = propose_form("params");
        bad.params = "{send_enabled: no".into();
        let e = proposal_of(&bad, &keys).unwrap_err().to_string();
        assert!(e.contains("not valid JSON"), "{e}");
        bad.params = "[]".into();
        assert!(proposal_of(&bad, &keys).is_err());
        bad = propose_form("params");
        bad.module = "nope".into();
        let e = proposal_of(&bad, &keys).unwrap_err().to_string();
        assert!(e.contains("not a module"), "{e}");
        bad = propose_form("spend");
        bad.recipient = "bob".into();
        let e = proposal_of(&bad, &keys).unwrap_err().to_string();
        assert!(e.contains("the recipient"), "{e}");
        bad = propose_form("spend");
        bad.deposit = "lots".into();
        let e = proposal_of(&bad, &keys).unwrap_err().to_string();
        assert!(e.contains("initial deposit"), "{e}");
        bad = propose_form("text");
        assert!(proposal_of(&bad, &keys).is_err());
        bad = propose_form("params");
        bad.title = "  ".into();
        assert!(proposal_of(&bad, &keys).is_err());
    }

    #[test]
    fn options_and_votes_read_in_words() {
        for (v, _) in OPTIONS {
            assert!(parse_option(v).is_some(), "{v}");
        }
        assert_eq!(parse_option("veto"), Some(pb::VoteOption::NoWithVeto));
        assert_eq!(parse_option("maybe"), None);
        let one = pb::Vote {
            options: vec![pb::WeightedVoteOption {
                option: pb::VoteOption::Abstain as i32,
                weight_bps: 10_000,
            }],
            ..Default::default()
        };
        assert_eq!(vote_words(&one), "abstain");
        let split = pb::Vote {
            options: vec![
                pb::WeightedVoteOption {
                    option: pb::VoteOption::Yes as i32,
                    weight_bps: 6_050,
                },
                pb::WeightedVoteOption {
                    option: pb::VoteOption::No as i32,
                    weight_bps: 3_950,
                },
            ],
            ..Default::default()
        };
        assert_eq!(vote_words(&split), "yes 60.50%, no 39.50%");
        assert_eq!(
            status_words(pb::ProposalStatus::VotingPeriod as i32),
            "voting"
        );
        assert_eq!(status_words(99), "unknown");
    }
}
