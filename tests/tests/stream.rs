//! End-to-end: a video streamed in a real browser (headless Debian chromium over
//! WebDriver) and paid through a payment channel, slice by slice, against two real
//! nodes under CometBFT.
//!
//! Node A is the creator's node and a paid seeder (`[sidecar] payout_address` is the
//! `seeder` key's account): it publishes a short real video made here with ffmpeg,
//! split 80/20 between the creator and a collaborator, and serves it only for
//! vouchers. Node B is the viewer's. On B's web application the viewer buys access,
//! the creator's node delivers the key, and the viewer picks one of the account's
//! payment channels on the content page: the gateway fetches the video around the
//! play position and pays A per verified slice. The video plays (`currentTime` passes
//! 2 s), seeks to the last third and plays on; the live panel shows the slices
//! verified and what the vouchers paid, which is exactly what A's node holds. A's
//! seeder claims that voucher on chain, and the seeder, the creator and the
//! collaborator each gain exactly what the split says, to the unit.
#![allow(clippy::unwrap_used, clippy::disallowed_methods, missing_docs)]

use std::time::Duration;

use base64::{engine::general_purpose::STANDARD as BASE64, Engine};
use prost::Message;
use serde_json::json;
use weave_e2e::{
    browser::{make_test_video, screenshots_dir, select_account, web_request, Browser},
    localnet::eventually,
    seeder_net_of_claim, split_80_20_of_claims, Node, TEST_FEE, TEST_FEES,
};
use weave_proto::weave::{channels::v1::Voucher, sidecar::v1::VouchersRequest};

const PRICE: u128 = 100_000;
/// 2000 uweave per MiB.
const PRICE_PER_GIB: u128 = 2_048_000;
const DEPOSIT: u128 = 5_000_000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_video_streams_paid_through_a_channel_and_the_seeders_claim_pays_the_split() {
    let browser = Browser::start();
    let shots = screenshots_dir();
    let webm = browser.js(
        "return document.createElement('video').canPlayType('video/mp4; codecs=\"avc1.42E01E\"')",
        json!([]),
    ) == "";
    let files = tempfile::tempdir().unwrap();
    let video = make_test_video(files.path(), "stream", 8, webm, "400k");
    let film = std::fs::read(&video).unwrap();

    // Node A: the creator's node, serving only for vouchers paid to `seeder`.
    let mut a = Node::init("e2e-stream").unwrap();
    let seeder = a.add_key("seeder");
    let config = a.home_path().join("config/weaved.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    assert!(text.contains("payout_address = \"\""), "{text}");
    std::fs::write(
        &config,
        text.replace(
            "payout_address = \"\"",
            &format!("payout_address = \"{seeder}\""),
        ),
    )
    .unwrap();
    a.start().unwrap();
    let creator = a.add_key("creator");
    let collab = a.add_key("collab");
    a.tx(&["bank", "send", "validator", &creator, "10000000uweave"]);
    a.tx(&["bank", "send", "validator", &seeder, "1000000uweave"]);
    let added = a.cli(&[
        "content",
        "add",
        video.to_str().unwrap(),
        "--title",
        "Paid stream",
        "--tag",
        "film",
        "--price",
        &PRICE.to_string(),
        "--price-per-gib",
        &PRICE_PER_GIB.to_string(),
        "--slice-size",
        "65536",
        "--recipient",
        &format!("{creator}:8000"),
        "--recipient",
        &format!("{collab}:2000"),
        "--from",
        "creator",
        "--fees",
        TEST_FEES,
        "--gas",
        "400000",
        "--wait",
    ]);
    let id = added["content_id"].as_u64().unwrap();
    let root = added["root"].as_str().unwrap().to_string();

    // Node B: the viewer's, with a payment channel.
    let mut b = Node::join(&a).unwrap();
    b.start().unwrap();
    let viewer = b.funded_address.clone();
    a.tx(&["bank", "send", "validator", &viewer, "20000000uweave"]);
    eventually("B to see the funds", Duration::from_secs(60), || {
        b.balance(&viewer) == 20_000_000
    });
    let opened = b.tx(&[
        "channels",
        "open",
        "--deposit",
        &DEPOSIT.to_string(),
        "--expires-in",
        "100000",
        "--from",
        "viewer",
    ]);
    let channel = opened["channel_id"].as_u64().unwrap();

    let port = b.ports.web;
    let token = std::fs::read_to_string(b.home_path().join("web-token"))
        .unwrap()
        .trim()
        .to_string();
    let base = format!("http://127.0.0.1:{port}");
    browser.goto(&format!("{base}/?token={token}"));
    browser.wait_for("#feed", Duration::from_secs(10));
    select_account(&browser, "viewer");
    browser.goto(&format!("{base}/content/{id}"));
    browser.navigating(|br| br.click("#buy-button"));
    assert!(
        browser.text("#flash-ok").contains("Bought 1 access token"),
        "{}",
        browser.text("body")
    );
    eventually(
        "the key to reach the viewer",
        Duration::from_secs(90),
        || {
            a.cli(&["content", "serve-keys", "--from", "creator", "--once"]);
            browser.goto(&format!("{base}/content/{id}"));
            browser.exists("#player")
        },
    );

    // The content page offers the account's open channel; the viewer picks it.
    let offered = browser.text("#channel");
    assert!(offered.contains(&format!("channel {channel}")), "{offered}");
    browser.js(
        "document.getElementById('channel').value = arguments[0]",
        json!([channel.to_string()]),
    );
    browser.navigating(|br| br.click("#pay-button"));
    let src = browser.attr("#player", "src").unwrap();
    assert!(src.contains(&format!("channel={channel}")), "{src}");

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
    assert_eq!(seeked["ok"], true, "no play after the seek: {seeked}");

    // The whole video is fetched and paid for: the panel says so.
    let slices = (film.len() as u64).div_ceil(65536);
    eventually(
        "the panel to show the fetch complete",
        Duration::from_secs(60),
        || browser.text("#live-state").contains("complete"),
    );
    assert!(
        browser
            .text("#live-slices")
            .starts_with(&format!("{slices}/{slices} slices verified")),
        "{}",
        browser.text("#live")
    );
    browser.screenshot(&shots.join("stream-1-paid-playing.png"));

    // A's node holds one voucher for the whole video, naming the seeder.
    let mut sidecar = a.sidecar().await.unwrap();
    let held = sidecar
        .vouchers(VouchersRequest {})
        .await
        .unwrap()
        .into_inner();
    assert_eq!(held.payout_address, seeder);
    assert_eq!(held.vouchers.len(), 1, "one lane");
    let signed = held.vouchers[0].clone();
    let voucher = Voucher::decode(signed.voucher.as_slice()).unwrap();
    assert_eq!(voucher.seeder, seeder);
    assert_eq!(voucher.channel_id, channel);
    assert_eq!(voucher.cumulative_bytes, film.len() as u64);
    let amount: u128 = voucher.cumulative_amount.parse().unwrap();
    // Cumulative vouchers pay bytes × price / GiB, rounded up.
    assert_eq!(
        amount,
        (film.len() as u128 * PRICE_PER_GIB).div_ceil(1 << 30)
    );
    assert!(amount > 0);
    // The panel shows what the vouchers paid, to the unit.
    assert_eq!(browser.text("#live-paid"), amount.to_string());
    assert_eq!(browser.text("#live-paid-bytes"), film.len().to_string());
    // The status endpoint says the same.
    let cookie = format!(
        "Cookie: weave_web_{port}={token}; weave_key_{port}={}",
        "viewer"
            .bytes()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    );
    let (status, _, body) = web_request(
        port,
        &format!("/media/{id}/status?channel={channel}"),
        "GET",
        &[cookie],
    )
    .unwrap();
    assert_eq!(status, 200);
    let s: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(s["amount_promised"], amount.to_string(), "{s}");
    assert_eq!(s["slices_ready"], slices, "{s}");

    // The seeder claims the voucher: 70 % to it and the rest through the 80/20 split,
    // less the protocol fee, to the unit.
    let before = |who: &str| a.balance(who);
    let (seeder_before, creator_before, collab_before) =
        (before(&seeder), before(&creator), before(&collab));
    let file = files.path().join("voucher.json");
    std::fs::write(
        &file,
        json!({
            "voucher": BASE64.encode(&signed.voucher),
            "signature": BASE64.encode(&signed.signature),
        })
        .to_string(),
    )
    .unwrap();
    a.tx(&[
        "channels",
        "claim",
        "--voucher-file",
        file.to_str().unwrap(),
        "--from",
        "seeder",
    ]);
    let (creator_gain, collab_gain, _pool) = split_80_20_of_claims(&[amount], &creator, &collab);
    assert_eq!(
        a.balance(&seeder),
        seeder_before + seeder_net_of_claim(amount) - TEST_FEE
    );
    assert_eq!(a.balance(&creator), creator_before + creator_gain);
    assert_eq!(a.balance(&collab), collab_before + collab_gain);
    let lane = a.cli(&[
        "query",
        "channels",
        "lane",
        &channel.to_string(),
        &seeder,
        &root,
    ]);
    assert!(
        lane.to_string().contains(&format!("\"{amount}\"")),
        "{lane}"
    );
    browser.screenshot(&shots.join("stream-2-claimed.png"));
}
