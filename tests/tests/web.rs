//! End-to-end: the web application in a real browser (headless Debian chromium over
//! WebDriver), against two real nodes under CometBFT.
//!
//! Node A (the creator's) publishes a short real video made here with ffmpeg (H.264 MP4
//! with its index at the front, or VP8 WebM if this chromium cannot play H.264) split
//! 70/30 with a collaborator. Node B joins A's chain; on B's web application the
//! viewer finds the video in Discover (the search, the tag and the creator listings
//! keep it or the other content apart), buys it from its page (the Buy button's total is the price and becomes
//! `max_total_price`), waits for A's node to deliver the key, plays it (`currentTime`
//! passes 2 s), seeks to the last third and plays on. The viewer's, creator's and
//! collaborator's balances change exactly; the gateway answers ranges with the exact
//! bytes, 416 beyond the end, and refuses requests without the token or from another
//! origin. The Wallet page shows the balance and sends tokens; a purchase by an
//! account without the funds is refused with a readable error and leaves nothing
//! behind. A screenshot of every page is saved under `target/web-screenshots/` (or
//! `$WEAVE_WEB_SCREENSHOTS`).
#![allow(clippy::unwrap_used, clippy::disallowed_methods, missing_docs)]

use std::{
    path::{Path, PathBuf},
    process::Command,
    time::{Duration, Instant},
};

use serde_json::json;
use weave_e2e::{
    browser::{header, require_ffmpeg, web_request, Browser},
    Node, TEST_FEES,
};

const PRICE: u128 = 100_000;

fn eventually(what: &str, timeout: Duration, mut check: impl FnMut() -> bool) {
    let start = Instant::now();
    while !check() {
        assert!(start.elapsed() < timeout, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(300));
    }
}

fn screenshots() -> PathBuf {
    std::env::var_os("WEAVE_WEB_SCREENSHOTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .parent()
                .unwrap()
                .join("target/web-screenshots")
        })
}

/// A 6-second test pattern: MP4 (H.264, faststart) or, if `webm`, VP8 WebM.
fn make_video(dir: &Path, webm: bool) -> PathBuf {
    let ffmpeg = require_ffmpeg();
    let out = dir.join(if webm { "pattern.webm" } else { "pattern.mp4" });
    let mut cmd = Command::new(ffmpeg);
    cmd.args(["-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi"])
        .args(["-i", "testsrc=duration=6:size=320x240:rate=24"]);
    if webm {
        cmd.args(["-c:v", "libvpx", "-b:v", "300k", "-g", "24"]);
    } else {
        cmd.args([
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-pix_fmt",
            "yuv420p",
        ])
        .args(["-g", "24", "-movflags", "+faststart"]);
    }
    let status = cmd.arg(&out).status().unwrap();
    assert!(status.success(), "ffmpeg could not make the test video");
    out
}

/// The cookies the web application of `port` wants: its token, and the selected key.
fn cookies(port: u16, token: &str, key: &str) -> String {
    format!(
        "Cookie: weave_web_{port}={token}; weave_key_{port}={}",
        hex_of(key)
    )
}

fn hex_of(s: &str) -> String {
    s.bytes().map(|b| format!("{b:02x}")).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_web_application_finds_buys_plays_seeks_and_sends_in_a_real_browser() {
    // The browser first: without it the test fails at once with how to install it.
    let browser = Browser::start();
    let shots = screenshots();
    let webm = browser.js(
        "return document.createElement('video').canPlayType('video/mp4; codecs=\"avc1.42E01E\"')",
        json!([]),
    ) == "";
    let files = tempfile::tempdir().unwrap();
    let video = make_video(files.path(), webm);
    let film = std::fs::read(&video).unwrap();

    // Node A: the creator publishes the video, 70/30 with a collaborator.
    let mut a = Node::init("e2e-web").unwrap();
    a.start().unwrap();
    // The creator is not the validator, whose balance moves with every block's rewards.
    let creator = a.add_key("creator");
    let collab = a.add_key("collab");
    let friend = a.add_key("friend");
    a.tx(&["bank", "send", "validator", &creator, "10000000uweave"]);
    let added = a.cli(&[
        "content",
        "add",
        video.to_str().unwrap(),
        "--title",
        "Test pattern",
        "--tag",
        "film",
        "--tag",
        "demo",
        "--description",
        "Six seconds of colour bars",
        "--price",
        &PRICE.to_string(),
        "--price-per-gib",
        "10",
        "--slice-size",
        "65536",
        "--recipient",
        &format!("{creator}:7000"),
        "--recipient",
        &format!("{collab}:3000"),
        "--from",
        "creator",
        "--fees",
        TEST_FEES,
        "--gas",
        "400000",
        "--wait",
    ]);
    let id = added["content_id"].as_u64().unwrap();
    // Another content, which the search must hide.
    let other = files.path().join("song.bin");
    std::fs::write(&other, vec![7u8; 5000]).unwrap();
    a.cli(&[
        "content",
        "add",
        other.to_str().unwrap(),
        "--title",
        "Morning song",
        "--tag",
        "music",
        "--price",
        "500",
        "--price-per-gib",
        "10",
        "--slice-size",
        "65536",
        "--from",
        "validator",
        "--fees",
        TEST_FEES,
        "--gas",
        "400000",
        "--wait",
    ]);

    // Node B: the viewer's node, with a funded viewer and a poor account.
    let mut b = Node::join(&a).unwrap();
    b.start().unwrap();
    let viewer = b.funded_address.clone();
    let poor = b.add_key("poor");
    a.tx(&["bank", "send", "validator", &viewer, "5000000uweave"]);
    a.tx(&["bank", "send", "validator", &poor, "50000uweave"]);
    eventually("B to see the funds", Duration::from_secs(60), || {
        b.balance(&viewer) == 5_000_000 && b.balance(&poor) == 50_000
    });

    let port = b.ports.web;
    let token = std::fs::read_to_string(b.home_path().join("web-token"))
        .unwrap()
        .trim()
        .to_string();
    let base = format!("http://127.0.0.1:{port}");

    // Without the token: refused, readably.
    browser.goto(&format!("{base}/wallet"));
    assert!(
        browser.text("#refused").contains("token"),
        "{}",
        browser.text("body")
    );

    // The token URL sets the cookie; the viewer is selected in the account bar.
    browser.goto(&format!("{base}/?token={token}"));
    browser.wait_for("#feed", Duration::from_secs(10));
    browser.navigating(|br| {
        br.js(
            "const s = document.getElementById('account'); s.value = 'viewer'; \
             document.getElementById('account-form').submit()",
            json!([]),
        );
    });

    // Discover: newest first, then the search keeps only the film.
    let feed = browser.text("#feed");
    let (song_at, film_at) = (feed.find("Morning song"), feed.find("Test pattern"));
    assert!(song_at.is_some() && film_at.is_some(), "{feed}");
    assert!(song_at < film_at, "the feed is newest first: {feed}");
    assert!(feed.contains(&PRICE.to_string()), "{feed}");
    browser.screenshot(&shots.join("1-discover.png"));
    browser.fill("#q", "PATTERN film");
    browser.navigating(|br| {
        br.js("document.getElementById('search').submit()", json!([]));
    });
    let found = browser.text("#feed");
    assert!(
        found.contains("Test pattern") && !found.contains("Morning song"),
        "{found}"
    );
    browser.screenshot(&shots.join("2-discover-search.png"));
    // By tag (the tags are links) and by creator.
    browser.goto(&format!("{base}/?tag=music"));
    let tagged = browser.text("#feed");
    assert!(
        tagged.contains("Morning song") && !tagged.contains("Test pattern"),
        "{tagged}"
    );
    browser.goto(&format!("{base}/?creator={creator}"));
    let theirs = browser.text("#feed");
    assert!(
        theirs.contains("Test pattern") && !theirs.contains("Morning song"),
        "{theirs}"
    );
    browser.goto(&format!("{base}/?q=pattern"));

    // The content page: the Buy button's total is the price.
    let viewer_before = b.balance(&viewer);
    let creator_before = b.balance(&creator);
    let collab_before = b.balance(&collab);
    browser.navigating(|br| br.click(&format!("#content-{id} a")));
    assert_eq!(browser.text("#title"), "Test pattern");
    assert_eq!(browser.text("#total"), PRICE.to_string());
    assert_eq!(
        browser.attr("#buy input[name=max_total_price]", "value"),
        Some(PRICE.to_string())
    );
    assert_eq!(browser.text("#tokens"), "0");
    browser.screenshot(&shots.join("3-content.png"));
    browser.navigating(|br| br.click("#buy-button"));
    let ok = browser.text("#flash-ok");
    assert!(
        ok.contains("Bought 1 access token"),
        "{}",
        browser.text("body")
    );
    let fee: u128 = browser
        .attr("#flash-ok", "data-fee")
        .unwrap()
        .parse()
        .unwrap();
    assert!(fee > 0);
    assert_eq!(browser.text("#tokens"), "1");
    // Until the creator's node delivers the key, the page says so plainly.
    assert!(browser.exists("#key-wait"), "{}", browser.text("body"));
    browser.screenshot(&shots.join("4-content-waiting-for-key.png"));

    // Balances, exactly: the split takes its 2 % protocol fee, then 70/30.
    let protocol_fee = PRICE * 200 / 10_000;
    let net = PRICE - protocol_fee;
    eventually(
        "the purchase to show in balances",
        Duration::from_secs(30),
        || b.balance(&viewer) == viewer_before - PRICE - fee,
    );
    assert_eq!(b.balance(&creator), creator_before + net * 7000 / 10_000);
    assert_eq!(b.balance(&collab), collab_before + net * 3000 / 10_000);

    // The creator's node delivers the key; the page turns into the player.
    eventually(
        "the key to reach the viewer",
        Duration::from_secs(90),
        || {
            a.cli(&["content", "serve-keys", "--from", "creator", "--once"]);
            browser.exists("#player")
        },
    );

    // Play: currentTime passes 2 s.
    let played = browser.js_async(
        "const done = arguments[arguments.length - 1];\
         const v = document.getElementById('player'); v.muted = true;\
         const t0 = Date.now();\
         v.play().then(() => { (function check() {\
           if (v.currentTime > 2) done({ok: true, t: v.currentTime, d: v.duration});\
           else if (Date.now() - t0 > 60000) done({ok: false, t: v.currentTime, rs: v.readyState, err: v.error && v.error.code});\
           else setTimeout(check, 100); })(); })\
         .catch(e => done({ok: false, err: String(e), rs: v.readyState}));",
        json!([]),
    );
    assert_eq!(played["ok"], true, "the video did not play: {played}");
    browser.screenshot(&shots.join("5-content-playing.png"));

    // Seek to the last third and play on.
    let seeked = browser.js_async(
        "const done = arguments[arguments.length - 1];\
         const v = document.getElementById('player'); const target = v.duration * 2 / 3;\
         const t0 = Date.now();\
         v.addEventListener('seeked', () => { v.play().then(() => { (function check() {\
             if (v.currentTime > target + 0.5) done({ok: true, target, t: v.currentTime});\
             else if (Date.now() - t0 > 60000) done({ok: false, target, t: v.currentTime, rs: v.readyState});\
             else setTimeout(check, 100); })(); }).catch(e => done({ok: false, err: String(e)})); }, {once: true});\
         v.currentTime = target;",
        json!([]),
    );
    assert_eq!(
        seeked["ok"], true,
        "the video did not play after seeking: {seeked}"
    );
    browser.screenshot(&shots.join("6-content-after-seek.png"));

    // The gateway: exact bytes for a range, 416 beyond the end, Content-Type from
    // the metadata.
    let len = film.len();
    let me = cookies(port, &token, "viewer");
    let (status, head, body) = web_request(
        port,
        &format!("/media/{id}"),
        "GET",
        &[me.clone(), "Range: bytes=100-1099".into()],
    )
    .unwrap();
    assert_eq!(status, 206, "{head}");
    assert_eq!(body, film[100..1100]);
    assert_eq!(
        header(&head, "content-range"),
        Some(format!("bytes 100-1099/{len}"))
    );
    assert_eq!(header(&head, "content-length"), Some("1000".into()));
    assert_eq!(header(&head, "accept-ranges"), Some("bytes".into()));
    let mime = if webm { "video/webm" } else { "video/mp4" };
    assert_eq!(header(&head, "content-type"), Some(mime.into()));
    let (status, _, body) = web_request(
        port,
        &format!("/media/{id}"),
        "GET",
        &[me.clone(), "Range: bytes=-10".into()],
    )
    .unwrap();
    assert_eq!((status, body.as_slice()), (206, &film[len - 10..]));
    let (status, head, _) = web_request(
        port,
        &format!("/media/{id}"),
        "GET",
        &[me.clone(), format!("Range: bytes={len}-")],
    )
    .unwrap();
    assert_eq!(status, 416);
    assert_eq!(
        header(&head, "content-range"),
        Some(format!("bytes */{len}"))
    );
    let (status, _, body) = web_request(
        port,
        &format!("/media/{id}"),
        "GET",
        std::slice::from_ref(&me),
    )
    .unwrap();
    assert_eq!((status, body == film), (200, true));
    // No token; another origin; a POST without the form's token.
    let (status, _, _) = web_request(port, &format!("/media/{id}"), "GET", &[]).unwrap();
    assert_eq!(status, 401);
    let (status, _, _) = web_request(
        port,
        &format!("/media/{id}"),
        "GET",
        &[me.clone(), "Origin: http://evil.example".into()],
    )
    .unwrap();
    assert_eq!(status, 403);
    let (status, _, _) = web_request(
        port,
        "/wallet/send",
        "POST",
        &[me.clone(), format!("Origin: {base}")],
    )
    .unwrap();
    assert_eq!(status, 403);

    // Wallet: the balance, then a send.
    browser.navigating(|br| br.click("#nav-wallet"));
    let shown: u128 = browser.text("#balance-uweave").parse().unwrap();
    assert_eq!(shown, b.balance(&viewer));
    assert_eq!(browser.text("#address"), viewer);
    browser.screenshot(&shots.join("7-wallet.png"));
    let viewer_before = b.balance(&viewer);
    browser.fill("#send-to", &friend);
    browser.fill("#send-amount", "12345");
    browser.navigating(|br| br.click("#send-button"));
    let sent = browser.text("#flash-ok");
    assert!(
        sent.contains("Sent 12345 uweave"),
        "{}",
        browser.text("body")
    );
    let fee: u128 = browser
        .attr("#flash-ok", "data-fee")
        .unwrap()
        .parse()
        .unwrap();
    eventually(
        "the send to show in balances",
        Duration::from_secs(30),
        || b.balance(&friend) == 12_345,
    );
    assert_eq!(b.balance(&viewer), viewer_before - 12_345 - fee);
    assert_eq!(
        browser.text("#balance-uweave").parse::<u128>().unwrap(),
        viewer_before - 12_345 - fee
    );
    browser.screenshot(&shots.join("8-wallet-sent.png"));

    // A purchase without the funds: refused in words, with its code, nothing done.
    browser.navigating(|br| {
        br.js(
            "const s = document.getElementById('account'); s.value = 'poor'; \
             document.getElementById('account-form').submit()",
            json!([]),
        );
    });
    browser.goto(&format!("{base}/content/{id}"));
    browser.navigating(|br| br.click("#buy-button"));
    let err = browser.text("#flash-err");
    assert!(
        err.to_lowercase().contains("insufficient funds"),
        "a readable refusal: {}",
        browser.text("body")
    );
    assert!(browser.exists("#flash-err .code"), "{err}");
    assert_eq!(browser.text("#tokens"), "0");
    assert_eq!(b.balance(&poor), 50_000);
    browser.screenshot(&shots.join("9-content-refused.png"));

    // Library: the viewer's bought content, linking to its page, which plays it.
    browser.navigating(|br| {
        br.js(
            "const s = document.getElementById('account'); s.value = 'viewer'; \
             document.getElementById('account-form').submit()",
            json!([]),
        );
    });
    browser.navigating(|br| br.click("#nav-library"));
    let held = browser.text(&format!("#held-{id}"));
    assert!(held.contains("Test pattern"), "{}", browser.text("body"));
    assert_eq!(browser.text(&format!("#held-{id} .tokens")), "1");
    assert!(!browser.text("#holdings").contains("Morning song"));
    browser.screenshot(&shots.join("10-library.png"));
    browser.navigating(|br| br.click(&format!("#held-{id} a")));
    browser.wait_for("#player", Duration::from_secs(10));

    // Governance: a proposal that re-states the bank params, submitted on A.
    let gov = weave_kernel::gov_authority().to_string();
    let proposal = files.path().join("proposal.json");
    std::fs::write(
        &proposal,
        serde_json::to_vec(&json!({
            "title": "Keep sends on",
            "summary": "Re-states the bank parameters.",
            "deposit": "10000000uweave",
            "messages": [{
                "@type": "/weave.bank.v1.MsgUpdateParams",
                "authority": gov,
                "params": {"send_enabled": true},
            }],
        }))
        .unwrap(),
    )
    .unwrap();
    let submitted = a.tx(&[
        "gov",
        "submit-proposal",
        proposal.to_str().unwrap(),
        "--from",
        "validator",
    ]);
    let pid = submitted["proposal_id"]
        .as_u64()
        .or_else(|| {
            submitted["proposal_id"]
                .as_str()
                .and_then(|s| s.parse().ok())
        })
        .unwrap_or_else(|| panic!("no proposal_id in {submitted}"));
    // The viewer sees it voting and every module's parameters, but has no stake to
    // vote with: refused in words.
    browser.navigating(|br| br.click("#nav-governance"));
    eventually("B to see the proposal", Duration::from_secs(30), || {
        browser.goto(&format!("{base}/gov"));
        browser.exists(&format!("#proposal-{pid}"))
    });
    let row = browser.text(&format!("#proposal-{pid}"));
    assert!(
        row.contains("Keep sends on") && row.contains("voting") && row.contains("10000000"),
        "{row}"
    );
    for module in ["auth", "bank", "content", "channels", "gov", "seeders"] {
        assert!(
            browser.exists(&format!("#params-{module}")),
            "{module}: {}",
            browser.text("body")
        );
    }
    browser.js(
        "document.querySelectorAll('details.params').forEach(d => d.open = true)",
        json!([]),
    );
    assert!(browser.text("#params-bank").contains("send_enabled"));
    assert!(!browser.exists("#flash-err"), "{}", browser.text("body"));
    browser.screenshot(&shots.join("11-gov.png"));
    browser.navigating(|br| br.click(&format!("#vote-button-{pid}")));
    let err = browser.text("#flash-err");
    assert!(err.contains("bonded stake"), "{}", browser.text("body"));
    assert!(browser.exists("#flash-err .code"), "{err}");

    // On A's own web application the validator votes no with veto; the chain has it.
    let a_token = std::fs::read_to_string(a.home_path().join("web-token"))
        .unwrap()
        .trim()
        .to_string();
    let a_base = format!("http://127.0.0.1:{}", a.ports.web);
    browser.goto(&format!("{a_base}/?token={a_token}"));
    browser.navigating(|br| {
        br.js(
            "const s = document.getElementById('account'); s.value = 'validator'; \
             document.getElementById('account-form').submit()",
            json!([]),
        );
    });
    browser.goto(&format!("{a_base}/gov"));
    browser.js(
        &format!("document.getElementById('vote-option-{pid}').value = 'veto'"),
        json!([]),
    );
    browser.navigating(|br| br.click(&format!("#vote-button-{pid}")));
    assert!(
        browser
            .text("#flash-ok")
            .contains(&format!("Voted veto on proposal {pid}")),
        "{}",
        browser.text("body")
    );
    assert_eq!(browser.text(&format!("#my-vote-{pid}")), "no with veto");
    let vote = a.cli(&[
        "query",
        "gov",
        "votes",
        &pid.to_string(),
        "--voter",
        &a.funded_address,
    ]);
    assert!(vote.to_string().contains("no-with-veto"), "{vote}");
    browser.screenshot(&shots.join("12-gov-voted.png"));
    eprintln!("screenshots in {}", shots.display());
}
