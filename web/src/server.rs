//! Binding, routing and serving.

use std::{net::SocketAddr, sync::Arc};

use axum::{
    routing::{get, post},
    Router,
};

use crate::{
    chain, earnings,
    flash::Flashes,
    gateway::Gateway,
    governance, library, media, pages, publish, security,
    settings::{load_or_create_token, WebContext, WebError},
    social,
    state::{AppState, Inner},
    support, unlock, wallet,
};

/// The running web application.
#[derive(Debug)]
pub struct Web {
    /// The ready-to-open URL, token included.
    pub url: String,
    /// The address it listens on.
    pub address: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl Web {
    /// Stops serving.
    pub fn stop(&self) {
        self.task.abort();
    }
}

/// The router, for [`start`] and the tests.
pub(crate) fn router(state: AppState) -> Router {
    // Every signing action goes to the Unlock page first while the `file` key ring's
    // passphrase is not given.
    let lock = axum::middleware::from_fn_with_state(state.clone(), unlock::needs_passphrase);
    let signs = |m: axum::routing::MethodRouter<AppState>| m.route_layer(lock.clone());
    Router::new()
        .route("/", get(pages::discover))
        .route("/content/{id}", get(pages::content))
        .route("/content/{id}/buy", signs(post(pages::buy)))
        .route("/wallet", get(pages::wallet))
        .route("/wallet/send", signs(post(pages::send)))
        .route("/library", get(library::page))
        .route("/gov", get(governance::page))
        .route("/gov/{id}/vote", signs(post(governance::vote)))
        .route("/gov/{id}/deposit", signs(post(governance::deposit)))
        .route("/gov/propose", signs(post(governance::propose)))
        .route("/content/{id}/tip", signs(post(support::tip)))
        .route("/content/{id}/subscribe", signs(post(support::subscribe)))
        .route("/library/{id}/transfer", signs(post(library::transfer)))
        .route(
            "/publish",
            get(publish::page).merge(signs(post(publish::publish))),
        )
        .route("/publish/upload", post(publish::upload))
        .route("/publish/job/{n}", get(publish::job))
        .route("/earnings", get(earnings::page))
        .route("/earnings/claim", signs(post(earnings::claim)))
        .route("/earnings/bond", signs(post(earnings::bond)))
        .route("/earnings/unbond", signs(post(earnings::unbond)))
        .route("/wallet/channels/open", signs(post(wallet::open)))
        .route("/wallet/channels/{id}/top-up", signs(post(wallet::top_up)))
        .route("/wallet/channels/{id}/close", signs(post(wallet::close)))
        .route("/tx/{hash}", get(wallet::tx))
        .route("/account", post(pages::account_select))
        .route("/u/{who}", get(social::profile))
        .route("/u/{who}/follow", signs(post(social::follow)))
        .route(
            "/profile",
            get(social::my_profile).merge(signs(post(social::set_profile))),
        )
        .route("/following", get(social::following))
        .route("/content/{id}/react", signs(post(social::react)))
        .route("/content/{id}/comment", signs(post(social::comment)))
        .route(
            "/content/{id}/comments/{comment}/hide",
            signs(post(social::hide)),
        )
        .route("/unlock", get(unlock::page_get).post(unlock::unlock))
        .route("/lock", post(unlock::lock))
        .route("/media/{id}", get(media::serve))
        .route("/media/{id}/status", get(media::status))
        .layer(axum::middleware::from_fn_with_state(
            state.guard.clone(),
            security::guard,
        ))
        .with_state(state)
}

/// Binds `[web] address`, writes the token file and serves the application in the
/// background. The returned [`Web`] holds the URL to print.
pub async fn start(ctx: WebContext) -> Result<Web, WebError> {
    let backend = chain::keyring_backend(&ctx.home, &ctx.settings.keyring_backend)
        .map_err(WebError::Config)?;
    let token = load_or_create_token(&ctx.home)?;
    let listener = tokio::net::TcpListener::bind(ctx.settings.address)
        .await
        .map_err(|source| WebError::Bind {
            address: ctx.settings.address,
            source,
        })?;
    let address = listener.local_addr().map_err(|source| WebError::Bind {
        address: ctx.settings.address,
        source,
    })?;
    let node = chain::Node::new(
        &ctx.home,
        &ctx.grpc_url,
        &ctx.rpc_url,
        &ctx.chain_id,
        backend,
    )
    .map_err(|e| WebError::Config(format!("{e:#}")))?;
    let media = Gateway::new(&ctx.home).map_err(|source| WebError::Token {
        path: ctx.home.join("data"),
        source,
    })?;
    let guard = Arc::new(security::Guard::new(address, &token));
    let url = format!("{}/?token={token}", guard.origin());
    let state = Arc::new(Inner {
        node,
        token,
        guard,
        media,
        flashes: Flashes::default(),
        jobs: Default::default(),
    });
    let app = router(state);
    let task = tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            tracing::error!(error = %e, "the web application stopped");
        }
    });
    Ok(Web { url, address, task })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::settings::{WebSettings, DEFAULT_ADDRESS};
    use serde::Deserialize;

    /// One HTTP/1.1 request to the app on `port`: status, head and body.
    async fn request(port: u16, head_lines: &str, body: &str) -> (u16, String, String) {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .unwrap();
        let len = body.len();
        s.write_all(
            format!("{head_lines}Connection: close\r\nContent-Length: {len}\r\n\r\n{body}")
                .as_bytes(),
        )
        .await
        .unwrap();
        let mut raw = Vec::new();
        s.read_to_end(&mut raw).await.unwrap();
        let text = String::from_utf8_lossy(&raw).to_string();
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        let status = head.split_whitespace().nth(1).unwrap().parse().unwrap();
        (status, head.to_string(), body.to_string())
    }

    #[tokio::test]
    async fn the_app_needs_its_token_and_origin_and_never_answers_a_blank_page() {
        let home = tempfile::tempdir().unwrap();
        let web = start(WebContext {
            home: home.path().to_path_buf(),
            // Nothing answers there: every chain call fails.
            grpc_url: "http://127.0.0.1:9".into(),
            rpc_url: "http://127.0.0.1:9".into(),
            chain_id: "test-1".into(),
            settings: WebSettings {
                address: "127.0.0.1:0".parse().unwrap(),
                keyring_backend: "test".into(),
                ..WebSettings::default()
            },
        })
        .await
        .unwrap();
        let port = web.address.port();
        let token = load_or_create_token(home.path()).unwrap();
        assert_eq!(web.url, format!("http://127.0.0.1:{port}/?token={token}"));
        let host = format!("Host: 127.0.0.1:{port}\r\n");

        // No token, a wrong one, another host: refused with a page that says why.
        let (status, _, body) = request(port, &format!("GET / HTTP/1.1\r\n{host}"), "").await;
        assert_eq!(status, 401);
        assert!(body.contains("web token"), "{body}");
        let (status, _, _) =
            request(port, &format!("GET /?token=nope HTTP/1.1\r\n{host}"), "").await;
        assert_eq!(status, 401);
        let (status, _, _) = request(
            port,
            &format!("GET / HTTP/1.1\r\nHost: rebound.example:{port}\r\n"),
            "",
        )
        .await;
        assert_eq!(status, 403);

        // The token URL sets the cookie and leaves the token out of the address bar.
        let (status, head, _) =
            request(port, &format!("GET /?token={token} HTTP/1.1\r\n{host}"), "").await;
        assert_eq!(status, 303, "{head}");
        assert!(
            head.contains(&format!(
                "weave_web_{port}={token}; Path=/; HttpOnly; SameSite=Strict"
            )),
            "{head}"
        );
        let cookie = format!("Cookie: weave_web_{port}={token}\r\n");

        // With the cookie: the page, whose failing chain call is shown in words.
        let (status, _, body) =
            request(port, &format!("GET / HTTP/1.1\r\n{host}{cookie}"), "").await;
        assert_eq!(status, 200);
        assert!(body.contains("id=\"flash-err\""), "{body}");
        assert!(body.contains("Reading the feed failed"), "{body}");
        // From another origin, even with the cookie: refused.
        let (status, _, _) = request(
            port,
            &format!("GET / HTTP/1.1\r\n{host}{cookie}Origin: http://evil.example\r\n"),
            "",
        )
        .await;
        assert_eq!(status, 403);
        // A form without the token, or without an Origin: refused.
        let origin = format!("Origin: http://127.0.0.1:{port}\r\n");
        let ctype = "Content-Type: application/x-www-form-urlencoded\r\n";
        let post = format!("POST /wallet/send HTTP/1.1\r\n{host}{cookie}{ctype}");
        let (status, _, _) = request(port, &format!("{post}{origin}"), "to=x&amount=1").await;
        assert_eq!(status, 403);
        let form = format!("token={token}&to=x&amount=1");
        let (status, _, _) = request(port, &post, &form).await;
        assert_eq!(status, 403);
        // With both, the action runs and fails in words (no key ring here).
        let (status, head, _) = request(port, &format!("{post}{origin}"), &form).await;
        assert_eq!(status, 303, "{head}");
        assert!(head.contains("location: /wallet?flash=1"), "{head}");
        let (status, _, body) = request(
            port,
            &format!("GET /wallet?flash=1 HTTP/1.1\r\n{host}{cookie}"),
            "",
        )
        .await;
        assert_eq!(status, 200);
        assert!(body.contains("Sending failed"), "{body}");
        // The new pages render their failing reads in words, and a vote needs the
        // form's token like every other form.
        for (path, what) in [
            ("/gov", "Reading the proposals failed"),
            ("/library", "Opening the key ring failed"),
        ] {
            let (status, _, body) =
                request(port, &format!("GET {path} HTTP/1.1\r\n{host}{cookie}"), "").await;
            assert_eq!(status, 200, "{path}");
            assert!(body.contains(what), "{path}: {body}");
            assert!(body.contains("id=\"nav-governance\""), "{body}");
        }
        let vote = format!("POST /gov/1/vote HTTP/1.1\r\n{host}{cookie}{ctype}{origin}");
        let (status, _, _) = request(port, &vote, "option=yes").await;
        assert_eq!(status, 403);
        let (status, head, _) = request(port, &vote, &format!("token={token}&option=yes")).await;
        assert_eq!(status, 303, "{head}");
        assert!(head.contains("location: /gov?flash="), "{head}");
        // The new pages: their failing reads in words, their forms need the token,
        // and a bad publication is refused in words before any work.
        for (path, what) in [
            ("/earnings", "Opening the key ring failed"),
            ("/publish", "Opening the key ring failed"),
            ("/tx/zz", "is not a transaction hash"),
            ("/following", "Opening the key ring failed"),
            ("/profile", "Opening the key ring failed"),
            ("/u/alice", "Reading the profile failed"),
            ("/?q=film&free=1", "Searching failed"),
            ("/?max_price=lots", "the highest price"),
        ] {
            let (status, _, body) =
                request(port, &format!("GET {path} HTTP/1.1\r\n{host}{cookie}"), "").await;
            assert_eq!(status, 200, "{path}");
            assert!(body.contains(what), "{path}: {body}");
            assert!(body.contains("id=\"nav-publish\""), "{body}");
        }
        for path in [
            "/publish",
            "/content/1/tip",
            "/content/1/subscribe",
            "/library/1/transfer",
            "/wallet/channels/open",
            "/wallet/channels/1/close",
            "/earnings/claim",
            "/profile",
            "/u/weave1x/follow",
            "/content/1/react",
            "/content/1/comment",
            "/content/1/comments/1/hide",
            "/gov/1/deposit",
            "/gov/propose",
            "/unlock",
            "/lock",
        ] {
            let post = format!("POST {path} HTTP/1.1\r\n{host}{cookie}{ctype}{origin}");
            let (status, _, _) = request(port, &post, "amount=1").await;
            assert_eq!(status, 403, "{path} without the form's token");
        }
        let propose = format!("POST /gov/propose HTTP/1.1\r\n{host}{cookie}{ctype}{origin}");
        let (status, head, _) = request(
            port,
            &propose,
            &format!("token={token}&kind=params&module=bank&title=t&deposit=1&params=%7Bnope"),
        )
        .await;
        assert_eq!(status, 303, "{head}");
        let at = head.find("/gov?flash=").unwrap();
        let next = head[at..].lines().next().unwrap().trim().to_string();
        let (_, _, body) =
            request(port, &format!("GET {next} HTTP/1.1\r\n{host}{cookie}"), "").await;
        assert!(body.contains("Submitting the proposal failed"), "{body}");
        assert!(body.contains("not valid JSON"), "{body}");
        // The test key ring needs no passphrase: the Unlock page says so.
        let (status, _, body) =
            request(port, &format!("GET /unlock HTTP/1.1\r\n{host}{cookie}"), "").await;
        assert_eq!(status, 200);
        assert!(body.contains("id=\"unlock-not-needed\""), "{body}");
        let publish = format!("POST /publish HTTP/1.1\r\n{host}{cookie}{ctype}{origin}");
        let (status, head, _) = request(
            port,
            &publish,
            &format!("token={token}&title=x&price=1&price_per_gib=0&recipient=a&bps=10000"),
        )
        .await;
        assert_eq!(status, 303, "{head}");
        let at = head.find("/publish?flash=").unwrap();
        let next = head[at..].lines().next().unwrap().trim().to_string();
        let (_, _, body) =
            request(port, &format!("GET {next} HTTP/1.1\r\n{host}{cookie}"), "").await;
        assert!(body.contains("Publishing failed"), "{body}");
        let upload = format!(
            "POST /publish/upload HTTP/1.1\r\n{host}{cookie}{origin}Content-Type: application/octet-stream\r\n"
        );
        let (status, _, _) = request(port, &upload, "film").await;
        assert_eq!(status, 403, "an upload without X-Weave-Token");
        let (status, _, body) =
            request(port, &format!("{upload}X-Weave-Token: {token}\r\n"), "film").await;
        assert_eq!(status, 200, "{body}");
        assert!(body.contains("\"bytes\":4"), "{body}");
        // Paying through a channel spends: the address must carry the token too.
        let (status, _, body) = request(
            port,
            &format!("GET /media/1?channel=3 HTTP/1.1\r\n{host}{cookie}"),
            "",
        )
        .await;
        assert_eq!(status, 403);
        assert!(body.contains("needs the token"), "{body}");
        // The gateway without a key to open: a readable refusal, not a blank answer.
        let (status, _, body) = request(
            port,
            &format!("GET /media/1 HTTP/1.1\r\n{host}{cookie}"),
            "",
        )
        .await;
        assert_eq!(status, 403);
        assert!(body.contains("key ring"), "{body}");
        web.stop();
    }

    /// Every file under `dir`, read whole.
    fn all_files(dir: &std::path::Path, out: &mut Vec<(std::path::PathBuf, Vec<u8>)>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                all_files(&p, out);
            } else {
                let bytes = std::fs::read(&p).unwrap();
                out.push((p, bytes));
            }
        }
    }

    #[tokio::test]
    async fn a_file_key_ring_is_unlocked_once_in_the_page_and_kept_in_memory_only() {
        const PASSPHRASE: &str = "correct horse battery";
        let home = tempfile::tempdir().unwrap();
        weave_client::keys::Keyring::open_with_passphrase(
            home.path(),
            weave_client::keys::KeyringBackend::File,
            Some(PASSPHRASE.into()),
        )
        .unwrap()
        .add("alice", weave_client::keys::KeyAlgo::Secp256k1, None)
        .unwrap();
        let web = start(WebContext {
            home: home.path().to_path_buf(),
            grpc_url: "http://127.0.0.1:9".into(),
            rpc_url: "http://127.0.0.1:9".into(),
            chain_id: "test-1".into(),
            settings: WebSettings {
                address: "127.0.0.1:0".parse().unwrap(),
                keyring_backend: "file".into(),
                ..WebSettings::default()
            },
        })
        .await
        .unwrap();
        let port = web.address.port();
        let token = load_or_create_token(home.path()).unwrap();
        let host = format!("Host: 127.0.0.1:{port}\r\n");
        let cookie = format!("Cookie: weave_web_{port}={token}\r\n");
        let origin = format!("Origin: http://127.0.0.1:{port}\r\n");
        let ctype = "Content-Type: application/x-www-form-urlencoded\r\n";
        let get = |path: String| {
            let head = format!("GET {path} HTTP/1.1\r\n{host}{cookie}");
            async move { request(port, &head, "").await }
        };
        let post = |path: &str, extra: &str, body: String| {
            let head = format!("POST {path} HTTP/1.1\r\n{host}{cookie}{ctype}{origin}{extra}");
            async move { request(port, &head, &body).await }
        };
        let location = |head: &str| {
            head.lines()
                .find_map(|l| l.strip_prefix("location: "))
                .unwrap()
                .trim()
                .to_string()
        };
        let mut heads = String::new();

        // Locked (whatever the environment gave): pages say so and link to Unlock.
        let (status, head, _) = post("/lock", "", format!("token={token}")).await;
        assert_eq!(status, 303, "{head}");
        let (status, _, body) = get("/wallet".into()).await;
        assert_eq!(status, 200);
        assert!(body.contains("id=\"nav-unlock\""), "{body}");
        assert!(body.contains("key ring is locked"), "{body}");
        assert!(body.contains("id=\"unlock-link\""), "{body}");
        // A signing action goes to the Unlock page, which comes back to where it was.
        let referer = format!("Referer: http://127.0.0.1:{port}/wallet\r\n");
        let (status, head, _) = post(
            "/wallet/send",
            &referer,
            format!("token={token}&to=x&amount=1"),
        )
        .await;
        assert_eq!(status, 303, "{head}");
        assert_eq!(location(&head), "/unlock?back=%2Fwallet");
        for path in [
            "/gov/1/vote",
            "/content/1/buy",
            "/earnings/claim",
            "/publish",
        ] {
            let (status, head, _) = post(path, "", format!("token={token}&amount=1")).await;
            assert_eq!(status, 303, "{path}: {head}");
            assert_eq!(location(&head), "/unlock?back=%2F", "{path}");
        }
        let (status, _, body) = get("/unlock?back=%2Fwallet".into()).await;
        assert_eq!(status, 200);
        assert!(body.contains("type=password name=passphrase"), "{body}");
        assert!(body.contains("name=back value=\"/wallet\""), "{body}");
        // The form needs the token; a wrong passphrase is refused in words.
        let (status, _, _) = post("/unlock", "", format!("passphrase={PASSPHRASE}")).await;
        assert_eq!(status, 403);
        let (status, head, _) = post(
            "/unlock",
            "",
            format!("token={token}&back=%2Fwallet&passphrase=not+it+at+all"),
        )
        .await;
        assert_eq!(status, 303, "{head}");
        heads.push_str(&head);
        let next = location(&head);
        assert!(next.starts_with("/unlock?back=%2Fwallet&flash="), "{next}");
        let (_, _, body) = get(next).await;
        assert!(body.contains("Unlocking failed"), "{body}");
        assert!(body.contains("wrong passphrase"), "{body}");
        assert!(body.contains("id=\"passphrase\""), "still locked: {body}");
        // The right one: back to the page, unlocked; signing actions reach their handler.
        let (status, head, _) = post(
            "/unlock",
            "",
            format!(
                "token={token}&back=%2Fwallet&passphrase={}",
                PASSPHRASE.replace(' ', "+")
            ),
        )
        .await;
        assert_eq!(status, 303, "{head}");
        heads.push_str(&head);
        let next = location(&head);
        assert!(next.starts_with("/wallet?flash="), "{next}");
        let (_, _, body) = get(next).await;
        assert!(body.contains("The key ring is unlocked"), "{body}");
        assert!(!body.contains("nav-unlock"), "{body}");
        let (status, head, _) = post(
            "/wallet/send",
            &referer,
            format!("token={token}&to=x&amount=1"),
        )
        .await;
        assert_eq!(status, 303, "{head}");
        assert!(location(&head).starts_with("/wallet?flash="), "{head}");
        let (_, _, body) = get("/unlock".into()).await;
        assert!(body.contains("id=\"lock-button\""), "{body}");
        // The passphrase is in no answer's header and in no file of the home.
        assert!(!heads.contains("horse"), "{heads}");
        let mut files = Vec::new();
        all_files(home.path(), &mut files);
        assert!(files.len() >= 2, "{files:?}");
        for (path, bytes) in files {
            assert!(
                !bytes
                    .windows(PASSPHRASE.len())
                    .any(|w| w == PASSPHRASE.as_bytes()),
                "{path:?} holds the passphrase"
            );
        }
        // Locking forgets it.
        let (status, _, _) = post("/lock", "", format!("token={token}")).await;
        assert_eq!(status, 303);
        let (status, head, _) =
            post("/wallet/send", "", format!("token={token}&to=x&amount=1")).await;
        assert_eq!(status, 303);
        assert!(location(&head).starts_with("/unlock"), "{head}");
        web.stop();
    }

    #[test]
    fn settings_default_to_loopback_8080_and_parse_a_port() {
        #[derive(Deserialize)]
        struct File {
            web: WebSettings,
        }
        let s: File = toml::from_str("[web]\naddress = \"127.0.0.1:18080\"\n").unwrap();
        assert!(s.web.enabled);
        assert_eq!(s.web.address.port(), 18080);
        assert_eq!(WebSettings::default().address, DEFAULT_ADDRESS);
        let off: File = toml::from_str("[web]\nenabled = false\n").unwrap();
        assert!(!off.web.enabled);
        assert!(toml::from_str::<File>("[web]\nport = 1\n").is_err());
    }
}
