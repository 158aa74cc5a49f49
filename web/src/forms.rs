//! What every page's handler shares: the selected key and the account bar, the posted
//! form with its token, and the plain responses (a redirect, a missing key). A leaf
//! module: the pages call into it, it calls into none of them.

use axum::{
    http::{header, HeaderMap, StatusCode},
    response::{IntoResponse, Response},
};
use serde::Deserialize;
use weave_client::keys::SigningKey;

use crate::{
    html::{self, AccountBar},
    security::Guard,
    state::AppState,
    words::explain,
};

/// The name of the cookie that holds the selected key (hex of its name).
pub(crate) fn key_cookie(state: &AppState) -> String {
    format!("weave_key_{}", state.guard.port())
}
/// The selected key: the cookie's, or the key ring's first.
pub(crate) fn selected_key(
    state: &AppState,
    headers: &HeaderMap,
) -> anyhow::Result<(String, SigningKey)> {
    let keys = state.node.keys()?;
    let wanted = Guard::cookie(headers, &key_cookie(state))
        .and_then(|h| hex::decode(h).ok())
        .and_then(|b| String::from_utf8(b).ok());
    let name = wanted
        .filter(|w| keys.iter().any(|k| &k.name == w))
        .or_else(|| keys.first().map(|k| k.name.clone()))
        .ok_or_else(|| {
            anyhow::anyhow!("the node's key ring has no keys: add one with `weaved keys add`")
        })?;
    let key = state.node.signing_key(&name)?;
    Ok((name, key))
}
/// The account bar, and the selected key (or why there is none).
pub(crate) fn account(
    state: &AppState,
    headers: &HeaderMap,
    back: &str,
) -> (AccountBar, Result<(String, SigningKey), String>) {
    let keys = state
        .node
        .keys()
        .map(|ks| {
            ks.into_iter()
                .map(|k| (k.name, k.address.to_string()))
                .collect()
        })
        .unwrap_or_default();
    let selected = selected_key(state, headers).map_err(|e| format!("{e:#}"));
    let bar = AccountBar {
        keys,
        selected: selected
            .as_ref()
            .map(|(n, _)| n.clone())
            .unwrap_or_default(),
        token: state.token.clone(),
        back: back.to_string(),
        locked: state.node.is_locked(),
    };
    (bar, selected)
}
pub(crate) fn see_other(location: &str) -> Response {
    (
        StatusCode::SEE_OTHER,
        [(header::LOCATION, location.to_string())],
    )
        .into_response()
}
/// A form's `back`: a path of this application (never another site's, `//host`),
/// else `/`.
pub(crate) fn safe_back(back: &str) -> String {
    if back.starts_with('/') && !back.starts_with("//") && !back.contains('\\') {
        back.to_string()
    } else {
        "/".to_string()
    }
}
/// `back` with `?flash=n` (or `&flash=n`) added, before any `#fragment`.
pub(crate) fn with_flash(back: &str, n: u64) -> String {
    let back = safe_back(back);
    let (path, fragment) = back
        .split_once('#')
        .map_or((back.as_str(), ""), |(p, f)| (p, f));
    let sep = if path.contains('?') { '&' } else { '?' };
    if fragment.is_empty() {
        format!("{path}{sep}flash={n}")
    } else {
        format!("{path}{sep}flash={n}#{fragment}")
    }
}
/// A page whose selected key is missing.
pub(crate) fn no_key(why: &str) -> String {
    let e = explain(why);
    let mut out = html::error_box("Opening the key ring", &e);
    if why.contains(&crate::chain::Locked.to_string()) {
        out.push_str(
            "<p><a href=\"/unlock\" id=\"unlock-link\">Unlock the key ring</a> to sign.</p>",
        );
    }
    out
}
/// Parses a posted form, checking its token.
pub(crate) fn form<T: serde::de::DeserializeOwned>(
    state: &AppState,
    body: &[u8],
) -> Result<T, (StatusCode, String)> {
    #[derive(Deserialize)]
    struct TokenOnly {
        token: String,
    }
    let t: TokenOnly = serde_urlencoded::from_bytes(body).map_err(|_| {
        (
            StatusCode::FORBIDDEN,
            "the form carries no token".to_string(),
        )
    })?;
    if !state.guard.form_token_ok(&t.token) {
        return Err((
            StatusCode::FORBIDDEN,
            "the form's token is not this node's".to_string(),
        ));
    }
    serde_urlencoded::from_bytes(body)
        .map_err(|e| (StatusCode::BAD_REQUEST, format!("a malformed form: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_go_back_only_to_this_application() {
        assert_eq!(safe_back("/content/3"), "/content/3");
        assert_eq!(safe_back("//evil.example/x"), "/");
        assert_eq!(safe_back("/\\evil.example"), "/");
        assert_eq!(safe_back("https://evil.example"), "/");
        assert_eq!(with_flash("/u/alice", 4), "/u/alice?flash=4");
        assert_eq!(
            with_flash("/content/3?comments=ab#comments", 5),
            "/content/3?comments=ab&flash=5#comments"
        );
        assert_eq!(with_flash("//x", 1), "/?flash=1");
    }
}
