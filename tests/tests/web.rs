//! End-to-end: the web application in a real browser (headless Debian chromium over
//! WebDriver), against two real nodes under CometBFT.
//!
//! On node A's web application the creator publishes a short real video made here with
//! ffmpeg (H.264 MP4 with its index at the front, or VP8 WebM if this chromium cannot
//! play H.264) from the Publish page, split 70/30 with a collaborator (a split that
//! does not add up to 10000 is refused first, in words); A's node seeds it and
//! delivers its key to buyers. Node B joins A's chain; on B's web application the
//! viewer finds the video in Discover (the search, the tag and the creator listings
//! keep it or the other content apart), buys it from its page (the Buy button's total is the price and becomes
//! `max_total_price`), waits for A's node to deliver the key, plays it (`currentTime`
//! passes 2 s), seeks to the last third and plays on. The viewer's, creator's and
//! collaborator's balances change exactly; the gateway answers ranges with the exact
//! bytes, 416 beyond the end, and refuses requests without the token or from another
//! origin. The viewer tips from the content page (the split pays exactly). The Wallet
//! page shows the balance, sends tokens, lists the send in its history with a link to
//! the transaction's page, and opens, tops up and closes a payment channel; a purchase
//! by an account without the funds is refused with a readable error and leaves nothing
//! behind. The Library transfers the access token to a friend. On A, the Earnings page
//! shows the creator's revenue from the purchase and the tip, to the unit. A screenshot of every page is saved under `target/web-screenshots/` (or
//! `$WEAVE_WEB_SCREENSHOTS`).
#![allow(clippy::unwrap_used, clippy::disallowed_methods, missing_docs)]

use std::time::Duration;

use serde_json::json;
use weave_e2e::{
    browser::{header, make_test_video, screenshots_dir, select_account, web_request, Browser},
    localnet::eventually,
    Node, TEST_FEES,
};

const PRICE: u128 = 100_000;

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
    let shots = screenshots_dir();
    let webm = browser.js(
        "return document.createElement('video').canPlayType('video/mp4; codecs=\"avc1.42E01E\"')",
        json!([]),
    ) == "";
    let files = tempfile::tempdir().unwrap();
    let video = make_test_video(files.path(), "pattern", 6, webm, "300k");
    let film = std::fs::read(&video).unwrap();

    // Node A: the creator publishes the video, 70/30 with a collaborator.
    let mut a = Node::init("e2e-web").unwrap();
    a.start().unwrap();
    // The creator is not the validator, whose balance moves with every block's rewards.
    let creator = a.add_key("creator");
    let collab = a.add_key("collab");
    let friend = a.add_key("friend");
    a.tx(&["bank", "send", "validator", &creator, "10000000uweave"]);
    // The creator publishes from the Publish page of A's web application.
    let a_token = std::fs::read_to_string(a.home_path().join("web-token"))
        .unwrap()
        .trim()
        .to_string();
    let a_base = format!("http://127.0.0.1:{}", a.ports.web);
    browser.goto(&format!("{a_base}/?token={a_token}"));
    select_account(&browser, "creator");
    browser.navigating(|br| br.click("#nav-publish"));
    assert_eq!(browser.text("#split-sum"), "10000");
    // First a split that does not add up: the page says so as it is typed, and the
    // node refuses it in words before doing anything.
    browser.choose_file("#file", &video);
    browser.fill("#pub-title", "Test pattern");
    browser.fill("#pub-price", &PRICE.to_string());
    browser.fill("#bps-0", "9000");
    assert_eq!(browser.text("#split-sum"), "9000");
    assert!(browser
        .text("#split-state")
        .contains("must add up to 10000"));
    browser.navigating(|br| br.click("#publish-button"));
    let err = browser.text("#flash-err");
    assert!(
        err.contains("add up to 9000, not 10000"),
        "{}",
        browser.text("body")
    );
    // A's uploads wait in its own fresh directory under the temporary directory.
    let uploads = std::fs::read_dir(std::env::temp_dir())
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .find(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with(&format!("weave-web-uploads-{}-", a.ports.web))
        })
        .expect("A's upload directory");
    assert_eq!(
        std::fs::read_dir(&uploads).unwrap().count(),
        0,
        "a refused publication leaves no upload behind"
    );
    browser.screenshot(&shots.join("13-publish-refused.png"));
    // Now the real one, 70/30 with the collaborator (named by its key).
    browser.choose_file("#file", &video);
    browser.fill("#pub-title", "Test pattern");
    browser.fill("#pub-description", "Six seconds of colour bars");
    browser.fill("#pub-tags", "film, demo");
    browser.fill("#pub-price", &PRICE.to_string());
    browser.fill("#pub-price-per-gib", "10");
    browser.fill("#pub-slice-size", "65536");
    browser.fill("#bps-0", "7000");
    browser.fill("#recipient-1", "collab");
    browser.fill("#bps-1", "3000");
    assert_eq!(browser.text("#split-sum"), "10000");
    assert_eq!(browser.text("#split-state"), "adds up");
    browser.screenshot(&shots.join("14-publish.png"));
    browser.navigating(|br| br.click("#publish-button"));
    browser.wait_for("#published", Duration::from_secs(120));
    assert_eq!(browser.text("#publish-stage"), {
        let id = browser.attr("#published", "data-content").unwrap();
        format!("published as content {id}")
    });
    let id: u64 = browser
        .attr("#published", "data-content")
        .unwrap()
        .parse()
        .unwrap();
    browser.screenshot(&shots.join("15-published.png"));
    assert_eq!(std::fs::read_dir(&uploads).unwrap().count(), 0);
    let shown = a.cli(&["query", "content", "get", &id.to_string()]);
    assert!(shown.to_string().contains("Test pattern"), "{shown}");
    assert!(shown.to_string().contains("video/"), "{shown}");
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
    select_account(&browser, "viewer");

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
    // The words go to B's search index, which may trail the chain by a block or two.
    let asked = std::time::Instant::now();
    while !browser.text("#feed").contains("Test pattern") {
        assert!(
            asked.elapsed() < Duration::from_secs(60),
            "B's search index did not find the film in 60 s (B at height {:?}); the page: {}\nB's search log lines:\n{}",
            b.height().ok(),
            browser.text("body"),
            std::fs::read_to_string(b.home_path().join("weaved.log"))
                .unwrap_or_default()
                .lines()
                .filter(|l| l.contains("search"))
                .collect::<Vec<_>>()
                .join("\n")
        );
        std::thread::sleep(Duration::from_millis(300));
        browser.navigating(|br| {
            br.js("location.reload()", json!([]));
        });
    }
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
    // Until the creator's node delivers the key, the page says so plainly. A's web
    // node delivers every 2 s, so the key may already be there: then the player is.
    if browser.exists("#key-wait") {
        browser.screenshot(&shots.join("4-content-waiting-for-key.png"));
    } else {
        assert!(browser.exists("#player"), "{}", browser.text("body"));
    }

    // Balances, exactly: the split takes its 2 % protocol fee, then 70/30.
    let protocol_fee = PRICE * 200 / 10_000;
    let net = PRICE - protocol_fee;
    eventually(
        "the purchase to show in balances",
        Duration::from_secs(30),
        || b.balance(&viewer) == viewer_before - PRICE - fee,
    );
    assert_eq!(b.balance(&collab), collab_before + net * 3000 / 10_000);
    // The creator's node signs key deliveries (and pays their fees) meanwhile, so the
    // creator's share is read across the purchase's own block: its balance there less
    // its balance in the block before (no delivery of this purchase can share its block).
    let hash = browser.attr("#flash-ok", "data-tx").unwrap();
    let height: u64 = b.rpc(&format!("/tx?hash=0x{hash}")).unwrap()["height"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let creator_at = |h: u64| -> u128 {
        // One denomination: a point query, answered at any kept height.
        let v = b.cli(&[
            "query",
            "bank",
            "balances",
            &creator,
            "--denom",
            "uweave",
            "--height",
            &h.to_string(),
        ]);
        v["balance"]["amount"].as_str().unwrap().parse().unwrap()
    };
    assert_eq!(
        creator_at(height) - creator_at(height - 1),
        net * 7000 / 10_000
    );

    // The creator's node (its web application, since it published there) delivers
    // the key; the page, which reloads while it waits, turns into the player.
    eventually(
        "the key to reach the viewer",
        Duration::from_secs(90),
        || browser.exists("#player"),
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

    // Tip from the content page: through the content's split, exactly.
    browser.goto(&format!("{base}/content/{id}"));
    let creator_before = b.balance(&creator);
    let collab_before = b.balance(&collab);
    let viewer_before = b.balance(&viewer);
    assert!(
        browser.exists("#no-subscription"),
        "{}",
        browser.text("body")
    );
    browser.fill("#tip-amount", "1000");
    browser.navigating(|br| br.click("#tip-button"));
    assert!(
        browser.text("#flash-ok").contains("Tipped 1000 uweave"),
        "{}",
        browser.text("body")
    );
    let tip_fee: u128 = browser
        .attr("#flash-ok", "data-fee")
        .unwrap()
        .parse()
        .unwrap();
    let tip_net = 1000 - 1000 * 200 / 10_000;
    eventually(
        "the tip to show in balances",
        Duration::from_secs(30),
        || b.balance(&collab) == collab_before + tip_net * 3000 / 10_000,
    );
    assert_eq!(
        b.balance(&creator),
        creator_before + tip_net * 7000 / 10_000
    );
    assert_eq!(b.balance(&viewer), viewer_before - 1000 - tip_fee);
    browser.screenshot(&shots.join("16-content-tipped.png"));

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
    // The send is in the history, linking to its transaction's page.
    let send_hash = browser.attr("#flash-ok", "data-tx").unwrap();
    let link = format!("#history a[href='/tx/{send_hash}' i]");
    eventually("the send in the history", Duration::from_secs(30), || {
        browser.goto(&format!("{base}/wallet"));
        browser.exists(&link)
    });
    browser.navigating(|br| br.click(&link));
    assert_eq!(
        browser.text("#tx-hash").to_uppercase(),
        send_hash.to_uppercase()
    );
    assert_eq!(browser.text("#tx-result"), "ok");
    assert!(
        browser.text("body").contains("Send"),
        "{}",
        browser.text("body")
    );
    browser.screenshot(&shots.join("17-transaction.png"));

    // A payment channel from the Wallet page: open, top up, close.
    browser.navigating(|br| br.click("#nav-wallet"));
    let viewer_before = b.balance(&viewer);
    browser.fill("#channel-deposit", "400000");
    browser.fill("#channel-blocks", "500");
    browser.navigating(|br| br.click("#open-channel-button"));
    let opened = browser.text("#flash-ok");
    let channel: u64 = opened
        .strip_prefix("Opened channel ")
        .and_then(|r| r.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{}", browser.text("body")));
    let fee: u128 = browser
        .attr("#flash-ok", "data-fee")
        .unwrap()
        .parse()
        .unwrap();
    eventually("the deposit to leave", Duration::from_secs(30), || {
        b.balance(&viewer) == viewer_before - 400_000 - fee
    });
    let row = format!("#channel-{channel}");
    browser.wait_for(&row, Duration::from_secs(10));
    assert_eq!(browser.text(&format!("{row} .deposit")), "400000");
    assert_eq!(browser.text(&format!("{row} .status")), "open");
    browser.fill(&format!("#top-up-amount-{channel}"), "1000");
    browser.navigating(|br| br.click(&format!("#top-up-button-{channel}")));
    assert!(
        browser
            .text("#flash-ok")
            .contains(&format!("Added 1000 uweave to channel {channel}")),
        "{}",
        browser.text("body")
    );
    assert_eq!(browser.text(&format!("{row} .deposit")), "401000");
    browser.screenshot(&shots.join("18-wallet-channel.png"));
    browser.navigating(|br| br.click(&format!("#close-button-{channel}")));
    assert!(
        browser
            .text("#flash-ok")
            .contains(&format!("Closing channel {channel}")),
        "{}",
        browser.text("body")
    );
    assert_eq!(browser.text(&format!("{row} .status")), "closing");

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
    // The access token goes to a friend from the Library.
    browser.navigating(|br| br.click("#nav-library"));
    browser.fill(&format!("#transfer-to-{id}"), &friend);
    browser.navigating(|br| br.click(&format!("#transfer-button-{id}")));
    assert!(
        browser
            .text("#flash-ok")
            .contains(&format!("Transferred 1 access token(s) of content {id}")),
        "{}",
        browser.text("body")
    );
    assert!(browser.exists("#no-tokens"), "{}", browser.text("body"));
    let friend_access = b.cli(&["query", "content", "access", &id.to_string(), &friend]);
    let tokens = &friend_access["access"]["tokens"];
    assert_eq!(
        tokens
            .as_u64()
            .or_else(|| tokens.as_str().and_then(|t| t.parse().ok())),
        Some(1),
        "{friend_access}"
    );
    browser.screenshot(&shots.join("19-library-transferred.png"));

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
    eventually("B to see the proposal", Duration::from_secs(90), || {
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
    browser.goto(&format!("{a_base}/?token={a_token}"));
    select_account(&browser, "validator");
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
    // A deposit while it votes (the gov module takes them), and a proposal submitted
    // from the page: the bank params as an edit of their current JSON.
    browser.fill(&format!("#deposit-amount-{pid}"), "1000");
    browser.navigating(|br| br.click(&format!("#deposit-button-{pid}")));
    assert!(
        browser
            .text("#flash-ok")
            .contains(&format!("Deposited 1000 uweave on proposal {pid}")),
        "{}",
        browser.text("body")
    );
    assert!(
        browser
            .text(&format!("#proposal-{pid}"))
            .contains("10001000 uweave"),
        "{}",
        browser.text(&format!("#proposal-{pid}"))
    );
    browser.js(
        "document.getElementById('params-bank').open = true",
        json!([]),
    );
    browser.fill("#propose-bank-title", "Sends stay on");
    browser.navigating(|br| br.click("#propose-button-bank"));
    let ok = browser.text("#flash-ok");
    assert!(
        ok.contains("Submitted proposal") && ok.contains("replacing the bank parameters"),
        "{}",
        browser.text("body")
    );
    let next = pid + 1;
    assert!(
        browser
            .text(&format!("#proposal-{next}"))
            .contains("Sends stay on"),
        "{}",
        browser.text("body")
    );
    browser.screenshot(&shots.join("12b-gov-proposed.png"));

    // Earnings on A: the creator's revenue from the purchase and the tip, to the unit,
    // drawn as a chart; no seeder bond; nothing to claim.
    select_account(&browser, "creator");
    browser.goto(&format!("{a_base}/earnings"));
    let from_purchase = net * 7000 / 10_000;
    let from_tip = tip_net * 7000 / 10_000;
    assert_eq!(
        browser.text("#revenue-total"),
        (from_purchase + from_tip).to_string(),
        "{}",
        browser.text("body")
    );
    assert_eq!(
        browser.text("#revenue-access .amount"),
        from_purchase.to_string()
    );
    assert_eq!(browser.text("#revenue-tip .amount"), from_tip.to_string());
    assert!(browser.exists("#revenue-chart polyline"));
    assert!(browser.text(".revenue-content").contains("Test pattern"));
    assert!(browser.exists("#not-seeder"), "{}", browser.text("body"));
    browser.screenshot(&shots.join("20-earnings.png"));
    browser.navigating(|br| br.click("#claim-button"));
    assert!(
        browser.text("#flash-ok").contains("Nothing to claim"),
        "{}",
        browser.text("body")
    );
    eprintln!("screenshots in {}", shots.display());
}
