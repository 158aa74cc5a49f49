//! The Governance page: the proposals with their status, tally and deposit, a *Vote*
//! form for the selected account on each proposal that is voting, and the current
//! parameters of every module.

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
                     <td class=\"status\">{}{}</td><td>{tally_text}</td><td>{} uweave</td><td>{mine}</td></tr>",
                    esc(&p.title),
                    esc(&p.summary),
                    status_words(p.status),
                    if p.failure_reason.is_empty() {
                        String::new()
                    } else {
                        format!(": {}", esc(&p.failure_reason))
                    },
                    esc(&p.total_deposit),
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
    body.push_str("<h2>Parameters</h2><div id=\"params\">");
    for (module, params) in state.node.all_params().await {
        match params {
            Ok(json) => {
                let text = serde_json::to_string_pretty(&json).unwrap_or_else(|e| e.to_string());
                let _ = write!(
                    body,
                    "<details class=\"params\" id=\"params-{m}\"><summary>{m}</summary><pre>{}</pre></details>",
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

#[cfg(test)]
mod tests {
    use super::*;

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
