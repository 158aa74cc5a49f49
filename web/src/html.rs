//! The HTML every page shares: escaping, the layout with its navigation and account
//! selector, messages, and number formats.

use std::fmt::Write;

use crate::words::Explained;

/// Text escaped for HTML (content and attribute values).
pub(crate) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A byte count for people: `1.5 MiB`.
pub(crate) fn size(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut unit = 0;
    let mut whole = bytes;
    let mut tenths = 0;
    while whole >= 1024 && unit + 1 < UNITS.len() {
        tenths = (whole % 1024) * 10 / 1024;
        whole /= 1024;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{whole}.{tenths} {}", UNITS[unit])
    }
}

/// A message shown at the top of a page.
#[derive(Debug, Clone)]
pub(crate) enum Flash {
    /// It worked; the transaction's hash and fee when there was one.
    Ok(String, Option<(String, u128)>),
    /// It failed, explained.
    Err(String, Explained),
}

/// A message as HTML.
pub(crate) fn flash(f: &Flash) -> String {
    match f {
        Flash::Ok(text, tx) => {
            let data = tx
                .as_ref()
                .map(|(hash, fee)| format!(" data-tx=\"{}\" data-fee=\"{fee}\"", esc(hash)))
                .unwrap_or_default();
            format!(
                "<div class=\"flash ok\" id=\"flash-ok\"{data}>{}</div>",
                esc(text)
            )
        }
        Flash::Err(what, e) => error_box(what, e),
    }
}

/// An error as HTML: what failed, the meaning in words, the code, and the detail.
pub(crate) fn error_box(what: &str, e: &Explained) -> String {
    let code = e
        .code
        .as_ref()
        .map(|c| format!(" <code class=\"code\">{}</code>", esc(c)))
        .unwrap_or_default();
    format!(
        "<div class=\"flash err\" id=\"flash-err\"><strong>{} failed: {}</strong>{code}\
         <details><summary>details</summary><pre>{}</pre></details></div>",
        esc(what),
        esc(&e.words),
        esc(&e.detail)
    )
}

/// The account bar: the key that signs, chosen among the node's key ring.
pub(crate) struct AccountBar {
    /// `(name, address)` of every key.
    pub(crate) keys: Vec<(String, String)>,
    /// The selected key's name.
    pub(crate) selected: String,
    /// The token, for the form.
    pub(crate) token: String,
    /// Where to come back to.
    pub(crate) back: String,
    /// Whether the `file` key ring waits for its passphrase (the bar links to Unlock).
    pub(crate) locked: bool,
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:0;color:#1d1d1f;background:#fafafa}\
header{display:flex;gap:1.5em;align-items:center;padding:.7em 1.2em;background:#23233a;color:#fff}\
header a{color:#fff;text-decoration:none}header a.on{text-decoration:underline}\
header form{margin-left:auto}main{padding:1.2em;max-width:60em}\
table{border-collapse:collapse;width:100%}td,th{padding:.4em .6em;border-bottom:1px solid #ddd;text-align:left}\
.flash{padding:.7em 1em;margin-bottom:1em;border-radius:4px}.ok{background:#e3f6e3}.wait{background:#fff4d6}.err{background:#fde4e4}\
.bad{color:#b00020}.code{margin-left:.6em;background:#fff;padding:0 .3em}.muted{color:#666}\
button{padding:.4em 1em}video{max-width:100%;background:#000}.panel{font-family:monospace;color:#444}";

/// A whole page.
pub(crate) fn page(
    title: &str,
    active: &str,
    bar: &AccountBar,
    message: Option<&Flash>,
    body: &str,
) -> String {
    let mut nav = String::new();
    for (href, name) in [
        ("/", "Discover"),
        ("/following", "Following"),
        ("/library", "Library"),
        ("/publish", "Publish"),
        ("/earnings", "Earnings"),
        ("/wallet", "Wallet"),
        ("/gov", "Governance"),
        ("/profile", "Profile"),
    ] {
        let _ = write!(
            nav,
            "<a href=\"{href}\" id=\"nav-{}\"{}>{name}</a>",
            name.to_lowercase(),
            if name == active { " class=\"on\"" } else { "" }
        );
    }
    let mut options = String::new();
    for (name, address) in &bar.keys {
        let _ = write!(
            options,
            "<option value=\"{}\"{}>{} ({}…)</option>",
            esc(name),
            if *name == bar.selected {
                " selected"
            } else {
                ""
            },
            esc(name),
            esc(address.get(..14).unwrap_or(address))
        );
    }
    let message = message.map(flash).unwrap_or_default();
    if bar.locked {
        let _ = write!(
            nav,
            "<a href=\"{}\" id=\"nav-unlock\" title=\"the key ring waits for its passphrase\">\
             Unlock</a>",
            esc(&crate::unlock::unlock_url(&bar.back))
        );
    }
    format!(
        "<!doctype html><html lang=en><head><meta charset=utf-8>\
         <meta name=viewport content=\"width=device-width\"><title>{} · Weave</title>\
         <style>{STYLE}</style></head><body><header><strong>Weave</strong>{nav}\
         <form method=post action=\"/account\" id=\"account-form\">\
         <input type=hidden name=token value=\"{}\"><input type=hidden name=back value=\"{}\">\
         <label>account <select name=key id=\"account\" onchange=\"this.form.submit()\">{options}</select></label>\
         </form></header><main>{message}{body}</main></body></html>",
        esc(title),
        esc(&bar.token),
        esc(&bar.back),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_is_escaped_and_sizes_read_well() {
        assert_eq!(
            esc("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
        assert_eq!(size(0), "0 B");
        assert_eq!(size(1023), "1023 B");
        assert_eq!(size(1536), "1.5 KiB");
        assert_eq!(size(3 * 1024 * 1024), "3.0 MiB");
    }
}
