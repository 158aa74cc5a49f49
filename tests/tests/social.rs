//! End-to-end: the social layer on a real chain.
//!
//! Three nodes of one chain: V, the validator (whose key ring holds every user's key);
//! A, the creator's node, which publishes a film and serves it for free; B, a paid
//! seeder's node (`--sidecar-payout`), which first replicates the film for free with
//! `weaved content seed` (no key, no access, no payment, as a free seeder does). Then
//! A goes away.
//!
//! Alice and Bob make profiles, follow, react and comment; the creator hides one of
//! Bob's comments. Alice buys the film and Bob streams it from B through a payment
//! channel, B's claim daemon claiming his vouchers: the film's verified views rise by
//! exactly one each, while B's free replication adds none.
#![allow(clippy::unwrap_used, clippy::disallowed_methods, missing_docs)]

use std::{
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use serde_json::Value;
use weave_e2e::{has_code, weaved_bin, Node, TEST_FEES, TEST_GAS};

const MIB: u64 = 1 << 20;
const SLICES: u64 = 2;
/// 2000 uweave per MiB.
const PRICE_PER_GIB: u128 = 2_048_000;

fn eventually(what: &str, timeout: Duration, mut check: impl FnMut() -> bool) {
    let start = Instant::now();
    while !check() {
        assert!(start.elapsed() < timeout, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(300));
    }
}

/// `weaved ARGS` with V's home (its key ring holds every key) against `node`.
fn cmd(home: &Node, node: &Node, args: &[&str]) -> Command {
    let mut c = Command::new(weaved_bin());
    c.args(args).arg("--home").arg(home.home_path()).args([
        "--keyring-backend",
        "test",
        "--grpc",
        &node.grpc_url(),
    ]);
    c.env(
        "WEAVE_SIDECAR_TOKEN_FILE",
        node.home_path().join("config/sidecar-token"),
    );
    c
}

fn run_json(mut c: Command, logs: &[&Node]) -> Value {
    let out = c.args(["--output", "json"]).output().unwrap();
    assert!(
        out.status.success(),
        "{c:?}: {}\n{}",
        String::from_utf8_lossy(&out.stderr),
        logs.iter()
            .map(|n| n.tail_logs())
            .collect::<Vec<_>>()
            .join("\n")
    );
    serde_json::from_slice(&out.stdout).unwrap_or(Value::Null)
}

struct Daemon(Child);

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// (views, paying viewers) of a content.
fn views(v: &Node, id: &str) -> (u64, u64) {
    let r = v.cli(&["query", "social", "views", id]);
    (
        r["views"]["views"].as_u64().unwrap(),
        r["views"]["paying_viewers"].as_u64().unwrap(),
    )
}

/// One account's view record, or null.
fn viewer(v: &Node, id: &str, who: &str) -> Value {
    v.cli(&["query", "social", "views", id, "--viewer", who])["views"]["viewer"].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paid_views_rise_by_one_per_paying_viewer_and_free_seeding_adds_none() {
    let mut v = Node::init("e2e-social-1").unwrap();
    v.start().unwrap();
    let names = ["creator", "alice", "bob", "seeder"];
    let addr: Vec<String> = names.iter().map(|n| v.add_key(n)).collect();
    let (creator, alice, bob, seeder) = (&addr[0], &addr[1], &addr[2], &addr[3]);
    for a in [creator, alice, bob, seeder] {
        v.tx(&["bank", "send", "validator", a, "50000000uweave"]);
    }

    // Profiles: unique, case-folded handles; queries by address and by handle.
    v.tx(&[
        "social",
        "set-profile",
        "Alice",
        "--display-name",
        "Alice A.",
        "--bio",
        "I watch films",
        "--link",
        "https://alice.example",
        "--from",
        "alice",
    ]);
    v.tx(&["social", "set-profile", "bob_b", "--from", "bob"]);
    v.tx(&["social", "set-profile", "the_creator", "--from", "creator"]);
    let err = v.tx_fails(&["social", "set-profile", "ALICE", "--from", "seeder"]);
    assert!(has_code(&err, "social", 3), "{err}");
    let p = v.cli(&["query", "social", "profile", "@alice"]);
    assert_eq!(p["profile"]["address"], alice.as_str(), "{p}");
    assert_eq!(p["profile"]["profile"]["display_name"], "Alice A.", "{p}");
    let p = v.cli(&["query", "social", "profile", bob]);
    assert_eq!(p["profile"]["profile"]["handle"], "bob_b", "{p}");

    // Follows, with counts.
    v.tx(&["social", "follow", "creator", "--from", "alice"]);
    v.tx(&["social", "follow", "creator", "--from", "bob"]);
    v.tx(&["social", "follow", "alice", "--from", "bob"]);
    let err = v.tx_fails(&["social", "follow", "creator", "--from", "bob"]);
    assert!(has_code(&err, "social", 7), "{err}");
    let p = v.cli(&["query", "social", "profile", "@the_creator"]);
    assert_eq!(p["profile"]["followers"], 2, "{p}");
    let f = v.cli(&["query", "social", "following", "bob"]);
    assert_eq!(f["follows"].as_array().unwrap().len(), 2, "{f}");
    v.tx(&["social", "unfollow", "alice", "--from", "bob"]);
    assert_eq!(
        v.cli(&["query", "social", "profile", "bob"])["profile"]["following"],
        1
    );

    // A: the creator's node publishes the film and serves it for free.
    let mut a = Node::join(&v).unwrap();
    a.start().unwrap();
    let files = tempfile::tempdir().unwrap();
    let file = files.path().join("film.bin");
    let plaintext: Vec<u8> = (0..SLICES * MIB)
        .map(|i| (i as u32).wrapping_mul(2_654_435_761).rotate_left(7) as u8)
        .collect();
    std::fs::write(&file, &plaintext).unwrap();
    let added = run_json(
        cmd(
            &v,
            &a,
            &[
                "content",
                "add",
                file.to_str().unwrap(),
                "--title",
                "Social film",
                "--price",
                "1000",
                "--price-per-gib",
                &PRICE_PER_GIB.to_string(),
                "--slice-size",
                &MIB.to_string(),
                "--from",
                "creator",
                "--fees",
                TEST_FEES,
                "--gas",
                TEST_GAS,
                "--wait",
            ],
        ),
        &[&a],
    );
    let id = added["content_id"].as_u64().unwrap().to_string();
    let root = added["root"].as_str().unwrap().to_string();
    let key_file = v.home_path().join(format!("content-keys/{root}.key"));
    let key_file = key_file.to_str().unwrap().to_string();

    // Reactions and comments; the creator hides a comment on the film.
    v.tx(&["social", "react", &id, "love", "--from", "alice"]);
    v.tx(&["social", "react", &id, "like", "--from", "bob"]);
    v.tx(&["social", "react", &id, "wow", "--from", "bob"]);
    let r = v.cli(&["query", "social", "reactions", &id, "--reactor", "bob"]);
    assert_eq!(r["reactions"]["reaction"], "wow", "{r}");
    let counts: Vec<(String, u64)> = r["reactions"]["counts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["kind"].as_str().unwrap().to_string(),
                c["count"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(counts, vec![("love".into(), 1), ("wow".into(), 1)]);
    let first = v.tx(&["social", "comment", &id, "Lovely film", "--from", "alice"]);
    let first = first["comment_id"].as_u64().unwrap().to_string();
    v.tx(&[
        "social",
        "comment",
        &id,
        "Agreed",
        "--reply-to",
        &first,
        "--from",
        "bob",
    ]);
    let spam = v.tx(&["social", "comment", &id, "buy my stuff", "--from", "bob"]);
    let spam = spam["comment_id"].as_u64().unwrap().to_string();
    let err = v.tx_fails(&["social", "hide-comment", &spam, "--from", "alice"]);
    assert!(has_code(&err, "social", 16), "{err}");
    v.tx(&["social", "hide-comment", &spam, "--from", "creator"]);
    let c = v.cli(&["query", "social", "comments", &id]);
    let listed = c["comments"].as_array().unwrap();
    assert_eq!(listed.len(), 2, "{c}");
    assert_eq!(listed[0]["id"].as_u64().unwrap().to_string(), spam);
    assert_eq!(listed[0]["hidden"], true);
    assert_eq!(listed[0]["text"], "");
    assert_eq!(listed[1]["text"], "Lovely film");
    assert_eq!(listed[1]["replies"], 1);
    assert_eq!(views(&v, &id), (0, 0));

    // B: a paid seeder's node replicates the film for free, with no key and no
    // payment. Nothing counts.
    let mut b = Node::join_with(&v, &["--sidecar-payout", seeder]).unwrap();
    b.start().unwrap();
    eventually("the content on B", Duration::from_secs(60), || {
        b.weaved(&["query", "content", "get", &id])
            .unwrap()
            .status
            .success()
    });
    let seeded = b.cli(&["content", "seed", &id]);
    assert_eq!(seeded["fetched"], true, "{seeded}");
    assert_eq!(b.stored().await, (SLICES, SLICES));
    a.stop();
    assert_eq!(views(&v, &id), (0, 0));
    assert!(viewer(&v, &id, &b.funded_address).is_null());

    // Alice buys: one view.
    v.tx(&[
        "content",
        "purchase",
        &id,
        "--quantity",
        "1",
        "--max-total-price",
        "1000",
        "--from",
        "alice",
    ]);
    assert_eq!(views(&v, &id), (1, 1));
    assert_eq!(viewer(&v, &id, alice)["purchased"], true);

    // Bob streams from B through a channel; B's claim daemon claims his vouchers.
    let opened = v.tx(&[
        "channels",
        "open",
        "--deposit",
        "10000000",
        "--expires-in",
        "100000",
        "--from",
        "bob",
    ]);
    let channel = opened["channel_id"].as_u64().unwrap().to_string();
    let out_file = v.home_path().join("film.out");
    let got = run_json(
        cmd(
            &v,
            &v,
            &[
                "content",
                "get",
                &id,
                "--key-file",
                &key_file,
                "--from",
                "bob",
                "--channel",
                &channel,
                "--out",
                out_file.to_str().unwrap(),
            ],
        ),
        &[&v, &b],
    );
    assert_eq!(std::fs::read(&out_file).unwrap(), plaintext);
    assert_eq!(got["bytes_paid"].as_u64(), Some(SLICES * MIB), "{got}");
    assert_eq!(views(&v, &id), (1, 1), "no view before the claim");
    let log = std::fs::File::create(v.home_path().join("claimd.log")).unwrap();
    let _daemon = Daemon(
        cmd(&v, &b, &["channels", "claim-daemon", "--from", "seeder"])
            .args(["--interval", "1", "--threshold", "1"])
            .args(["--fees", TEST_FEES, "--gas", TEST_GAS])
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap(),
    );
    eventually("bob's view", Duration::from_secs(90), || {
        views(&v, &id).0 == 2
    });
    // Exactly one each: more blocks and claims add nothing.
    v.wait_for_height(v.height().unwrap() + 3, Duration::from_secs(30))
        .unwrap();
    assert_eq!(views(&v, &id), (2, 2));
    let bob_view = viewer(&v, &id, bob);
    assert_eq!(bob_view["viewed"], true, "{bob_view}");
    assert_eq!(bob_view["purchased"], false, "{bob_view}");
    assert!(bob_view["paid_bytes"].as_u64().unwrap() >= SLICES * MIB / 10);
    assert!(viewer(&v, &id, &b.funded_address).is_null());
    assert!(viewer(&v, &id, seeder).is_null());
}
