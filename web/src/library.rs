//! The Library page: the contents the selected account holds access tokens for, with
//! the tiers they reach, each linking to its content page (which plays it); and the
//! account's subscriptions to creators.

use std::fmt::Write;

use axum::{
    extract::{RawQuery, State},
    http::HeaderMap,
    response::Html,
};

use crate::{
    html::{self, esc},
    pages::{account, no_key, title_of},
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
                 <th>Creator</th></tr>",
            );
            for (c, tokens, rights) in held {
                let _ = write!(
                    body,
                    "<tr class=\"held\" id=\"held-{id}\"><td><a href=\"/content/{id}\">{}</a></td>\
                     <td class=\"tokens\">{tokens}</td><td>{}</td><td class=muted>{}</td></tr>",
                    esc(&title_of(&c)),
                    esc(&tiers_words(&rights)),
                    esc(&c.creator),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiers_read_in_words() {
        assert_eq!(tiers_words(&[]), "no tier");
        assert_eq!(tiers_words(&["hd".to_string(), "4k".to_string()]), "hd, 4k");
    }
}
