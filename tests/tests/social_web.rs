//! End-to-end: the social pages of the web application in a real browser (headless
//! Debian chromium over WebDriver), against one real node under CometBFT.
//!
//! A creator publishes a content (from the command line: the Publish page has its own
//! test). In the browser, the creator and a fan make their profiles (a taken handle is
//! refused in words); the fan follows the creator from the creator's profile and finds
//! the content in the following feed; on the content's page the fan reacts, changes
//! and removes the reaction, and comments twice (each comment costs the comment fee on
//! top of the network fee, exactly). The creator replies to one comment and hides the
//! other, which the fan then sees hidden. Discover's search finds the content by a word
//! of its description (the node's search index) and the creator by handle. The fan
//! buys the content: its verified views and paying viewers rise to one, and it trends.
//! A screenshot of every page is saved under `target/web-screenshots/` (or
//! `$WEAVE_WEB_SCREENSHOTS`), named `social-*`.
#![allow(clippy::unwrap_used, clippy::disallowed_methods, missing_docs)]

use std::time::Duration;

use serde_json::json;
use weave_e2e::{
    browser::{screenshots_dir, select_account, Browser},
    localnet::eventually,
    Node, TEST_FEES,
};

const PRICE: u128 = 700;
/// The social module's default comment fee.
const COMMENT_FEE: u128 = 1_000;

/// Submits the form holding `button` (by clicking it) and waits for the next page.
fn press(browser: &Browser, button: &str) {
    browser.navigating(|br| br.click(button));
}

/// Reloads the page until `check` holds (the search index trails a block or two).
fn reload_until(browser: &Browser, what: &str, check: impl Fn(&Browser) -> bool) {
    eventually(what, Duration::from_secs(30), || {
        if check(browser) {
            return true;
        }
        browser.navigating(|br| {
            br.js("location.reload()", json!([]));
        });
        false
    });
}

/// The fee of the transaction the page's success message names.
fn flash_fee(browser: &Browser) -> u128 {
    let ok = browser.text("#flash-ok");
    assert!(
        !ok.is_empty(),
        "no success message: {}",
        browser.text("body")
    );
    browser
        .attr("#flash-ok", "data-fee")
        .unwrap()
        .parse()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn profiles_follows_reactions_comments_and_search_work_in_a_real_browser() {
    let browser = Browser::start();
    let shots = screenshots_dir();

    let mut a = Node::init("e2e-social-web").unwrap();
    a.start().unwrap();
    let creator = a.add_key("creator");
    let fan = a.add_key("fan");
    a.tx(&["bank", "send", "validator", &creator, "10000000uweave"]);
    a.tx(&["bank", "send", "validator", &fan, "10000000uweave"]);
    let files = tempfile::tempdir().unwrap();
    let film = files.path().join("film.bin");
    std::fs::write(&film, vec![5u8; 3000]).unwrap();
    let added = a.cli(&[
        "content",
        "add",
        film.to_str().unwrap(),
        "--title",
        "Harbour at dusk",
        "--description",
        "Boats and a zebrafinch singing",
        "--tag",
        "sea",
        "--price",
        &PRICE.to_string(),
        "--price-per-gib",
        "10",
        "--slice-size",
        "65536",
        "--from",
        "creator",
        "--fees",
        TEST_FEES,
        "--gas",
        "400000",
        "--wait",
    ]);
    let id = added["content_id"].as_u64().expect("content_id");
    let content = format!("#content-{id}");

    let token = std::fs::read_to_string(a.home_path().join("web-token"))
        .unwrap()
        .trim()
        .to_string();
    let base = format!("http://127.0.0.1:{}", a.ports.web);
    browser.goto(&format!("{base}/?token={token}"));

    // The creator makes a profile from the Profile page.
    select_account(&browser, "creator");
    browser.navigating(|br| br.click("#nav-profile"));
    assert!(browser.url().ends_with(&format!("/u/{creator}")));
    assert!(browser.exists("#no-profile"), "{}", browser.text("body"));
    browser.fill("#p-handle", "The_Creator");
    browser.fill("#p-name", "The Creator");
    browser.fill("#p-bio", "Films of the sea");
    browser.fill("#p-links", "https://creator.example");
    press(&browser, "#profile-button");
    assert!(
        browser.text("#flash-ok").contains("@the_creator"),
        "{}",
        browser.text("body")
    );
    assert_eq!(browser.text("#handle"), "@the_creator");
    assert_eq!(browser.text("#profile-name"), "The Creator");
    assert_eq!(browser.text("#bio"), "Films of the sea");
    assert_eq!(
        browser.attr("#links a", "href").as_deref(),
        Some("https://creator.example")
    );
    assert!(browser.text("#feed").contains("Harbour at dusk"));

    // The fan: the creator's handle is taken (in words, with its code), another is not.
    select_account(&browser, "fan");
    browser.navigating(|br| br.click("#nav-profile"));
    browser.fill("#p-handle", "the_creator");
    press(&browser, "#profile-button");
    let err = browser.text("#flash-err");
    assert!(err.contains("that handle is taken"), "{err}");
    assert_eq!(browser.text("#flash-err .code"), "social:3");
    browser.screenshot(&shots.join("social-1-handle-taken.png"));
    browser.fill("#p-handle", "fan_1");
    browser.fill("#p-name", "A Fan");
    press(&browser, "#profile-button");
    assert_eq!(
        browser.text("#handle"),
        "@fan_1",
        "{}",
        browser.text("body")
    );

    // The fan follows the creator from the creator's profile, by handle.
    browser.goto(&format!("{base}/u/the_creator"));
    assert_eq!(browser.text("#followers"), "0");
    browser.screenshot(&shots.join("social-2-profile.png"));
    press(&browser, "#follow-button");
    assert!(
        browser.text("#flash-ok").contains("Following"),
        "{}",
        browser.text("body")
    );
    assert_eq!(browser.text("#followers"), "1");
    assert!(browser.exists("#unfollow-button"));

    // The following feed has the creator's content.
    browser.navigating(|br| br.click("#nav-following"));
    reload_until(&browser, "the following feed", |br| {
        br.text("#feed").contains("Harbour at dusk")
    });
    assert!(
        browser.text("#following-list").contains("@the_creator"),
        "{}",
        browser.text("body")
    );
    browser.screenshot(&shots.join("social-3-following.png"));

    // The content page: its creator (followed), no views yet; react, change, remove.
    browser.navigating(|br| br.click(&format!("{content} a")));
    assert!(browser.text("#by").contains("@the_creator"));
    assert!(browser.exists("#unfollow-button"));
    assert_eq!(browser.text("#views-count"), "0");
    assert_eq!(browser.text("#paying-viewers"), "0");
    press(&browser, "#react-like");
    assert_eq!(browser.text("#count-like"), "1", "{}", browser.text("body"));
    assert!(browser.text("#my-reaction").contains("you reacted like"));
    press(&browser, "#react-love");
    assert_eq!(
        (browser.text("#count-like"), browser.text("#count-love")),
        ("0".to_string(), "1".to_string())
    );
    press(&browser, "#react-remove");
    assert_eq!(browser.text("#count-love"), "0", "{}", browser.text("body"));
    assert!(!browser.exists("#react-remove"));
    press(&browser, "#react-wow");
    assert_eq!(browser.text("#count-wow"), "1");

    // Two comments, each costing the comment fee on top of the network fee.
    assert_eq!(
        browser.text("#comment-fee"),
        format!("{COMMENT_FEE} uweave")
    );
    let before = a.balance(&fan);
    browser.fill("#comment-text", "Lovely colours");
    press(&browser, "#comment-button");
    let fee = flash_fee(&browser);
    assert_eq!(a.balance(&fan), before - fee - COMMENT_FEE);
    browser.fill("#comment-text", "Buy cheap followers at spam.example");
    press(&browser, "#comment-button");
    assert_eq!(browser.text("#comments-total"), "2");
    let list = browser.text("#comment-list");
    let (spam_at, lovely_at) = (list.find("Buy cheap"), list.find("Lovely"));
    assert!(
        spam_at.is_some() && spam_at < lovely_at,
        "newest first: {list}"
    );
    assert!(list.contains("@fan_1"), "{list}");
    let ids: Vec<String> = browser
        .js(
            "return [...document.querySelectorAll('#comment-list > li.comment')].map(e => e.id)",
            json!([]),
        )
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            v.as_str()
                .unwrap()
                .trim_start_matches("comment-")
                .to_string()
        })
        .collect();
    let (spam, lovely) = (ids[0].clone(), ids[1].clone());
    // The fan cannot hide comments.
    assert!(!browser.exists(&format!("#hide-{spam}")));

    // The creator replies to one and hides the other.
    select_account(&browser, "creator");
    browser.js(
        "document.querySelector(arguments[0]).open = true",
        json!([format!("#comment-{lovely} details")]),
    );
    browser.fill(&format!("#reply-text-{lovely}"), "Thank you!");
    press(&browser, &format!("#reply-button-{lovely}"));
    assert!(
        browser
            .text(&format!("#comment-{lovely} .replies"))
            .contains("Thank you!"),
        "{}",
        browser.text("body")
    );
    press(&browser, &format!("#hide-{spam}"));
    assert!(browser.text("#flash-ok").contains("Hid comment"));
    assert_eq!(
        browser
            .attr(&format!("#comment-{spam}"), "data-hidden")
            .as_deref(),
        Some("true")
    );
    assert!(browser.exists(&format!("#hide-{spam}")));
    assert_eq!(browser.text(&format!("#hide-{spam}")), "Show");
    browser.screenshot(&shots.join("social-4-creator-hid-a-comment.png"));

    // The fan sees it hidden, without its text; and buys: one verified view.
    select_account(&browser, "fan");
    let spam_text = browser.text(&format!("#comment-{spam}"));
    assert!(
        spam_text.contains("hidden by the creator") && !spam_text.contains("Buy cheap"),
        "{spam_text}"
    );
    press(&browser, "#buy-button");
    assert!(browser.text("#flash-ok").contains("Bought 1 access token"));
    assert_eq!(
        browser.text("#views-count"),
        "1",
        "{}",
        browser.text("body")
    );
    assert_eq!(browser.text("#paying-viewers"), "1");
    browser.screenshot(&shots.join("social-5-content.png"));

    // Discover: the search index finds the content by a word of its description, and
    // the creator by handle; a price filter drops it; it trends after the purchase.
    browser.navigating(|br| br.click("#nav-discover"));
    browser.fill("#q", "zebrafinch");
    browser.navigating(|br| {
        br.js("document.getElementById('search').submit()", json!([]));
    });
    reload_until(&browser, "the search to find the content", |br| {
        br.exists(&content)
    });
    assert!(browser.text(&content).contains("@the_creator"));
    browser.screenshot(&shots.join("social-6-search.png"));
    browser.goto(&format!("{base}/?q=zebrafinch&max_price={}", PRICE - 1));
    assert!(browser.exists("#empty"), "{}", browser.text("body"));
    browser.goto(&format!("{base}/?q=the_creator"));
    assert!(
        browser.text("#people").contains("@the_creator"),
        "{}",
        browser.text("body")
    );
    browser.goto(&format!("{base}/"));
    reload_until(&browser, "the content to trend", |br| {
        br.exists(&format!("#trending-{id}"))
    });
    browser.screenshot(&shots.join("social-7-trending.png"));
}
