//! Who may use the application: the browser that opened the token URL, from the app's
//! own origin.
//!
//! - `Host` must be the app's own address (a DNS-rebinding page's host is refused).
//! - An `Origin` header, when present, must be the app's own origin, and a request the
//!   browser marks `Sec-Fetch-Site: cross-site` is refused.
//! - `GET /?token=T` with the right token sets the cookie `weave_web_<port>` (HttpOnly,
//!   SameSite=Strict) and redirects to `/`; every other request needs that cookie.
//! - State-changing requests (POST forms) carry the token in a hidden field too, which
//!   the handlers check ([`Guard::form_token_ok`]).

use std::{net::SocketAddr, sync::Arc};

use axum::{
    extract::{Request, State},
    http::{header, HeaderMap, Method, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};
use subtle::ConstantTimeEq;

/// The origin and cookie rules of one running application.
#[derive(Debug, Clone)]
pub(crate) struct Guard {
    /// `Host` values accepted.
    hosts: Vec<String>,
    /// The origin the token URL names.
    origin: String,
    /// The cookie's name (per port: cookies are shared by every port of a host).
    cookie: String,
    /// The token.
    token: String,
    /// The port.
    port: u16,
}

impl Guard {
    pub(crate) fn new(address: SocketAddr, token: &str) -> Self {
        let port = address.port();
        let mut hosts = Vec::new();
        let ip = address.ip();
        let shown = if ip.is_unspecified() || ip.is_loopback() {
            hosts.push(format!("127.0.0.1:{port}"));
            hosts.push(format!("localhost:{port}"));
            hosts.push(format!("[::1]:{port}"));
            format!("127.0.0.1:{port}")
        } else {
            hosts.push(address.to_string());
            address.to_string()
        };
        Self {
            hosts,
            origin: format!("http://{shown}"),
            cookie: format!("weave_web_{port}"),
            token: token.to_string(),
            port,
        }
    }

    /// `http://HOST:PORT`, as the token URL names it.
    pub(crate) fn origin(&self) -> &str {
        &self.origin
    }

    /// The port (names the per-port cookies).
    pub(crate) fn port(&self) -> u16 {
        self.port
    }

    fn token_ok(&self, given: &str) -> bool {
        bool::from(given.as_bytes().ct_eq(self.token.as_bytes()))
    }

    /// Whether a form's `token` field is the token.
    pub(crate) fn form_token_ok(&self, given: &str) -> bool {
        self.token_ok(given)
    }

    /// A cookie's value from the request headers.
    pub(crate) fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
        headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|kv| kv.trim().split_once('='))
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v)
    }

    /// Why a request is refused before any handler runs, or `None`.
    fn check(&self, method: &Method, headers: &HeaderMap) -> Option<(StatusCode, &'static str)> {
        let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
        let host_ok = host.is_some_and(|h| self.hosts.iter().any(|a| a == h));
        if !host_ok {
            return Some((
                StatusCode::FORBIDDEN,
                "This address is not the web application's own (Host refused).",
            ));
        }
        if let Some(origin) = headers.get(header::ORIGIN) {
            let own = origin.to_str().ok().zip(host).is_some_and(|(o, h)| {
                o.strip_prefix("http://") == Some(h) && self.hosts.iter().any(|a| a == h)
            });
            if !own {
                return Some((
                    StatusCode::FORBIDDEN,
                    "Requests from other origins are refused.",
                ));
            }
        } else if method != Method::GET && method != Method::HEAD {
            // Browsers send Origin with every POST; a POST without one is not from
            // this app's pages.
            return Some((
                StatusCode::FORBIDDEN,
                "A state-changing request must come from the app's own pages.",
            ));
        }
        if headers
            .get("sec-fetch-site")
            .is_some_and(|v| v.as_bytes() == b"cross-site")
        {
            return Some((
                StatusCode::FORBIDDEN,
                "Requests from other sites are refused.",
            ));
        }
        None
    }
}

/// The query parameter `name` of a query string.
pub(crate) fn query_param(query: Option<&str>, name: &str) -> Option<String> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query?).ok()?;
    pairs.into_iter().find(|(k, _)| k == name).map(|(_, v)| v)
}

fn refused(status: StatusCode, why: &str) -> Response {
    let body = format!(
        "<!doctype html><meta charset=utf-8><title>Weave</title><h1>Weave</h1><p id=refused>{why}</p>\
         <p>Open the address that <code>weaved start</code> printed (its token is in \
         <code>&lt;home&gt;/web-token</code>).</p>"
    );
    (
        status,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        body,
    )
        .into_response()
}

/// The middleware in front of every route.
pub(crate) async fn guard(State(g): State<Arc<Guard>>, req: Request, next: Next) -> Response {
    if let Some((status, why)) = g.check(req.method(), req.headers()) {
        return refused(status, why);
    }
    if req.uri().path() == "/" {
        if let Some(given) = query_param(req.uri().query(), "token") {
            if !g.token_ok(&given) {
                return refused(StatusCode::UNAUTHORIZED, "That token is not this node's.");
            }
            return (
                StatusCode::SEE_OTHER,
                [
                    (header::LOCATION, "/".to_string()),
                    (
                        header::SET_COOKIE,
                        format!(
                            "{}={}; Path=/; HttpOnly; SameSite=Strict",
                            g.cookie, g.token
                        ),
                    ),
                ],
            )
                .into_response();
        }
    }
    let cookie_ok = Guard::cookie(req.headers(), &g.cookie).is_some_and(|c| g.token_ok(c));
    if !cookie_ok {
        return refused(
            StatusCode::UNAUTHORIZED,
            "This page needs the node's web token.",
        );
    }
    let mut response = next.run(req).await;
    let h = response.headers_mut();
    h.insert(
        header::X_FRAME_OPTIONS,
        header::HeaderValue::from_static("DENY"),
    );
    h.insert(
        header::REFERRER_POLICY,
        header::HeaderValue::from_static("same-origin"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        header::HeaderValue::from_static(
            "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; media-src 'self'; img-src 'self' data:",
        ),
    );
    response
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, v.parse().unwrap());
        }
        h
    }

    #[test]
    fn only_the_apps_own_host_and_origin_pass() {
        let g = Guard::new("127.0.0.1:8080".parse().unwrap(), "t0ken");
        let get = Method::GET;
        let post = Method::POST;
        assert!(g
            .check(&get, &headers(&[("host", "127.0.0.1:8080")]))
            .is_none());
        assert!(g
            .check(&get, &headers(&[("host", "localhost:8080")]))
            .is_none());
        // DNS rebinding: another name for loopback.
        assert!(g
            .check(&get, &headers(&[("host", "evil.example:8080")]))
            .is_some());
        assert!(g.check(&get, &headers(&[])).is_some());
        // Another origin, even on loopback (another port).
        let other = headers(&[
            ("host", "127.0.0.1:8080"),
            ("origin", "http://127.0.0.1:9999"),
        ]);
        assert!(g.check(&post, &other).is_some());
        let evil = headers(&[
            ("host", "127.0.0.1:8080"),
            ("origin", "https://evil.example"),
        ]);
        assert!(g.check(&get, &evil).is_some());
        let own = headers(&[
            ("host", "127.0.0.1:8080"),
            ("origin", "http://127.0.0.1:8080"),
        ]);
        assert!(g.check(&post, &own).is_none());
        // A POST without an Origin is refused; a GET is not.
        assert!(g
            .check(&post, &headers(&[("host", "127.0.0.1:8080")]))
            .is_some());
        let cross = headers(&[("host", "127.0.0.1:8080"), ("sec-fetch-site", "cross-site")]);
        assert!(g.check(&get, &cross).is_some());
    }

    #[test]
    fn tokens_and_cookies_are_compared_exactly() {
        let g = Guard::new("127.0.0.1:8080".parse().unwrap(), "t0ken");
        assert!(g.form_token_ok("t0ken"));
        assert!(!g.form_token_ok("t0ke"));
        assert!(!g.form_token_ok(""));
        let h = headers(&[("cookie", "a=b; weave_web_8080=t0ken; c=d")]);
        assert_eq!(Guard::cookie(&h, "weave_web_8080"), Some("t0ken"));
        assert_eq!(Guard::cookie(&h, "weave_web_8081"), None);
        assert_eq!(
            query_param(Some("x=1&token=ab%20c"), "token").as_deref(),
            Some("ab c")
        );
    }
}
