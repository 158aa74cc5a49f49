//! The Unlock page: the `file` key ring's passphrase, asked for once in the page.
//!
//! - `GET /unlock?back=PATH` asks for it (a password field in a POST form carrying the
//!   token); `POST /unlock` checks it by opening a key of the key ring with it and keeps
//!   it in the node process's memory only — never on disk, in a cookie or in an address —
//!   then sends the browser back to `PATH`. `POST /lock` forgets it.
//! - While it is not given, every signing action (each POST route but the account
//!   selector, the upload and these two) is sent here by [`needs_passphrase`] before its
//!   handler runs, so nothing is half done; pages that only read say the key ring is
//!   locked and link here.
//! - The `test` key ring needs no passphrase: the page says so.

use axum::{
    body::Bytes,
    extract::{RawQuery, Request, State},
    http::{header, HeaderMap},
    middleware::Next,
    response::{Html, IntoResponse, Response},
};
use serde::Deserialize;
use zeroize::Zeroizing;

use crate::{
    forms::{account, form, see_other},
    html::{esc, page, Flash},
    security::query_param,
    state::AppState,
    words::explain,
};

/// `back` if it is a path of this application (`/…`, not `//host`), else `/`.
pub(crate) fn safe_back(back: Option<&str>) -> String {
    match back {
        Some(b)
            if b.starts_with('/')
                && !b.starts_with("//")
                && !b.starts_with("/\\")
                && !b.chars().any(|c| c.is_control()) =>
        {
            b.to_string()
        }
        _ => "/".to_string(),
    }
}

/// The address of the Unlock page that comes back to `back`.
pub(crate) fn unlock_url(back: &str) -> String {
    let q = serde_urlencoded::to_string([("back", back)]).unwrap_or_default();
    format!("/unlock?{q}")
}

/// `back` with `flash=N` added to its query.
fn with_flash(back: &str, n: u64) -> String {
    let sep = if back.contains('?') { '&' } else { '?' };
    format!("{back}{sep}flash={n}")
}

/// The page a request came from (its same-origin `Referer`, path and query), else `/`.
fn came_from(state: &AppState, headers: &HeaderMap) -> String {
    let origin = state.guard.origin();
    let back = headers
        .get(header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|r| r.strip_prefix(origin))
        .filter(|rest| rest.starts_with('/'));
    safe_back(back)
}

/// Middleware on the signing routes: while the `file` key ring is locked, the browser
/// goes to the Unlock page (and back to the page it came from) instead of the action.
pub(crate) async fn needs_passphrase(
    State(state): State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    if state.node.is_locked() {
        let back = came_from(&state, req.headers());
        return see_other(&unlock_url(&back));
    }
    next.run(req).await
}

/// `GET /unlock`.
pub(crate) async fn page_get(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Html<String> {
    let back = safe_back(query_param(query.as_deref(), "back").as_deref());
    let (bar, _) = account(&state, &headers, &unlock_url(&back));
    let flash = state.flashes.get(query.as_deref());
    let mut body = String::from("<h1>Unlock the key ring</h1>");
    if !state.node.needs_passphrase() {
        body.push_str(
            "<p id=\"unlock-not-needed\">This node signs with the <code>test</code> key ring, \
             which needs no passphrase.</p>",
        );
    } else if !state.node.is_locked() {
        body.push_str(&format!(
            "<p id=\"unlocked\">The key ring is unlocked: the pages sign with it until the node \
             stops or you lock it.</p>\
             <form method=post action=\"/lock\" id=\"lock-form\">\
             <input type=hidden name=token value=\"{}\">\
             <button id=\"lock-button\">Lock</button></form>",
            esc(&state.token)
        ));
    } else {
        body.push_str(&format!(
            "<p>The node's key ring (<code>file</code>) is sealed with a passphrase. Give it \
             once: the node keeps it in its memory only (never on disk, in a cookie or in an \
             address) until it stops or you lock it, and every page then signs with it.</p>\
             <form method=post action=\"/unlock\" id=\"unlock-form\">\
             <input type=hidden name=token value=\"{}\">\
             <input type=hidden name=back value=\"{}\">\
             <label>passphrase <input type=password name=passphrase id=\"passphrase\" \
             autocomplete=current-password required autofocus></label> \
             <button id=\"unlock-button\">Unlock</button></form>",
            esc(&state.token),
            esc(&back),
        ));
    }
    Html(page("Unlock", "", &bar, flash.as_ref(), &body))
}

#[derive(Deserialize)]
struct UnlockForm {
    passphrase: String,
    #[serde(default)]
    back: String,
}

/// `POST /unlock`.
pub(crate) async fn unlock(State(state): State<AppState>, body: Bytes) -> Response {
    let f: UnlockForm = match form(&state, &body) {
        Ok(f) => f,
        Err(r) => return r.into_response(),
    };
    let back = safe_back(Some(&f.back));
    match state.node.unlock(Zeroizing::new(f.passphrase)).await {
        Ok(name) => {
            let n = state.flashes.put(Flash::Ok(
                format!("The key ring is unlocked (checked with key {name:?})."),
                None,
            ));
            see_other(&with_flash(&back, n))
        }
        Err(e) => {
            let n = state
                .flashes
                .put(Flash::Err("Unlocking".into(), explain(&format!("{e:#}"))));
            see_other(&with_flash(&unlock_url(&back), n))
        }
    }
}

#[derive(Deserialize)]
struct LockForm {}

/// `POST /lock`.
pub(crate) async fn lock(State(state): State<AppState>, body: Bytes) -> Response {
    if let Err(r) = form::<LockForm>(&state, &body) {
        return r.into_response();
    }
    state.node.lock();
    let n = state.flashes.put(Flash::Ok(
        "The key ring is locked: the node forgot its passphrase.".into(),
        None,
    ));
    see_other(&with_flash("/unlock", n))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_paths_of_this_application_are_gone_back_to() {
        assert_eq!(safe_back(Some("/wallet?x=1")), "/wallet?x=1");
        assert_eq!(safe_back(Some("//evil.example/")), "/");
        assert_eq!(safe_back(Some("/\\evil.example")), "/");
        assert_eq!(safe_back(Some("http://evil.example/")), "/");
        assert_eq!(safe_back(Some("/a\r\nSet-Cookie: x")), "/");
        assert_eq!(safe_back(None), "/");
        assert_eq!(unlock_url("/gov?a=1"), "/unlock?back=%2Fgov%3Fa%3D1");
        assert_eq!(with_flash("/gov", 3), "/gov?flash=3");
        assert_eq!(with_flash("/gov?a=1", 3), "/gov?a=1&flash=3");
    }
}
