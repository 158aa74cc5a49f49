//! The Library page: the contents the selected account holds access tokens for, with
//! the tiers they reach, each linking to its content page (which plays it), with
//! *Transfer* (access tokens are transferable: give some to another address); and the
//! account's subscriptions to creators.

use std::fmt::Write;

use axum::{
    body::Bytes,
    extract::{Path, RawQuery, State},
    http::HeaderMap,
    response::{Html, IntoResponse, Response},
};
use serde::Deserialize;

use crate::{
    forms::{account, form, no_key, see_other, selected_key},
    html::{self, esc, Flash},
    pages::title_of,
    publish::address_of,
    state::AppState,
    words::explain,
};

/// The tiers an account's tokens reach, in words.
fn tiers_words(rights: &[String]) -> String {
    if rights.is_empty() {
        "no tier".to_string()
    } else {
        rights.join(", ")
    }
}

/// `GET /library`.
pub(crate) async fn page(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Html<String> {
    let (bar, selected) = account(&state, &headers, "/library");
    let flash = state.flashes.get(query.as_deref());
    let mut body = String::from("<h1>Library</h1>");
    let me = match &selected {
        Ok((_, key)) => key.address(),
        Err(why) => {
            body.push_str(&no_key(why));
            return Html(html::page(
                "Library",
                "Library",
                &bar,
                flash.as_ref(),
                &body,
            ));
        }
    };
    body.push_str("<h2>Access tokens</h2>");
    match state.node.holdings(&me).await {
        Ok(held) if held.is_empty() => body.push_str(
            "<p id=\"no-tokens\" class=muted>This account holds no access tokens. \
             <a href=\"/\">Discover</a> something to buy.</p>",
        ),
        Ok(held) => {
            body.push_str(
                "<table id=\"holdings\"><tr><th>Title</th><th>Tokens</th><th>Tier</th>\
                 <th>Creator</th><th>Transfer</th></tr>",
            );
            for (c, tokens, rights) in held {
                let _ = write!(
                    body,
                    "<tr class=\"held\" id=\"held-{id}\"><td><a href=\"/content/{id}\">{}</a></td>\
                     <td class=\"tokens\">{tokens}</td><td>{}</td><td class=muted>{}</td>\
                     <td><form method=post action=\"/library/{id}/transfer\" id=\"transfer-{id}\">\
                     <input type=hidden name=token value=\"{}\">\
                     <input name=to id=\"transfer-to-{id}\" size=20 placeholder=\"weave1… or a key name\"> \
                     <input name=quantity id=\"transfer-quantity-{id}\" size=3 value=1> \
                     <button id=\"transfer-button-{id}\">Transfer</button></form></td></tr>",
                    esc(&title_of(&c)),
                    esc(&tiers_words(&rights)),
                    esc(&c.creator),
                    esc(&state.token),
                    id = c.id,
                );
            }
            body.push_str("</table>");
        }
        Err(e) => body.push_str(&html::error_box(
            "Reading your access tokens",
            &explain(&format!("{e:#}")),
        )),
    }
    body.push_str("<h2>Subscriptions</h2>");
    match state.node.subscriptions(&me).await {
        Ok(subs) if subs.is_empty() => {
            body.push_str("<p id=\"no-subscriptions\" class=muted>No subscriptions.</p>")
        }
        Ok(subs) => {
            body.push_str(
                "<table id=\"subscriptions\"><tr><th>Creator</th><th>Until height</th></tr>",
            );
            for s in subs {
                let _ = write!(
                    body,
                    "<tr class=\"subscription\"><td><a href=\"/?creator={c}\">{c}</a></td><td>{}</td></tr>",
                    s.expires_height,
                    c = esc(&s.creator),
                );
            }
            body.push_str("</table>");
        }
        Err(e) => body.push_str(&html::error_box(
            "Reading your subscriptions",
            &explain(&format!("{e:#}")),
        )),
    }
    Html(html::page(
        "Library",
        "Library",
        &bar,
        flash.as_ref(),
        &body,
    ))
}

#[derive(Deserialize)]
struct TransferForm {
    to: String,
    quantity: String,
}

/// Checks a transfer's quantity.
fn quantity_of(text: &str) -> Result<u64, String> {
    match text.trim().parse::<u64>() {
        Ok(0) => Err("transfer at least 1 access token".into()),
        Ok(q) => Ok(q),
        Err(_) => Err(format!(
            "{:?} is not a number of access tokens",
            text.trim()
        )),
    }
}

/// `POST /library/{id}/transfer`: gives access tokens of content `id` to another
/// address.
pub(crate) async fn transfer(
    State(state): State<AppState>,
    Path(id): Path<u64>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let f: TransferForm = match form(&state, &body) {
        Ok(f) => f,
        Err(r) => return r.into_response(),
    };
    let result = async {
        let quantity = quantity_of(&f.quantity).map_err(|e| anyhow::anyhow!(e))?;
        let to = address_of(&state.node.keys()?, &f.to).map_err(|e| anyhow::anyhow!(e))?;
        let (_, key) = selected_key(&state, &headers)?;
        anyhow::ensure!(to != key.address(), "that is this account's own address");
        let done = state.node.transfer_access(&key, id, &to, quantity).await?;
        Ok::<_, anyhow::Error>((to, quantity, done))
    }
    .await;
    let flash = match result {
        Ok((to, quantity, done)) => Flash::Ok(
            format!(
                "Transferred {quantity} access token(s) of content {id} to {to}; fee {} uweave; transaction {}.",
                done.fee, done.hash
            ),
            Some((done.hash, done.fee)),
        ),
        Err(e) => Flash::Err("The transfer".into(), explain(&format!("{e:#}"))),
    };
    let n = state.flashes.put(flash);
    see_other(&format!("/library?flash={n}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiers_read_in_words() {
        assert_eq!(tiers_words(&[]), "no tier");
        assert_eq!(tiers_words(&["hd".to_string(), "4k".to_string()]), "hd, 4k");
    }

    #[test]
    fn transfer_quantities_are_checked() {
        assert_eq!(quantity_of(" 2 "), Ok(2));
        assert!(quantity_of("0").unwrap_err().contains("at least 1"));
        assert!(quantity_of("-1").unwrap_err().contains("not a number"));
        assert!(quantity_of("").is_err());
    }
}
