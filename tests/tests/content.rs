//! End-to-end: content with a three-way revenue split on a real CometBFT node.
//!
//! A creator registers a file with `weaved tx content register`, splitting revenue
//! 50/30/20 with two collaborators. Two buyers purchase access, one transfers a token
//! to a third account, every balance moves by exactly the split, the creator's
//! `weaved content serve-keys` delivers the content key sealed to each holder, each
//! holder opens it with `weaved content key`, and the feed and by-creator listings show
//! the content — over the CLI and over gRPC.
#![allow(clippy::unwrap_used, clippy::disallowed_methods, missing_docs)]

use weave_e2e::{bps_of, Node, TEST_FEE, TEST_FEES, TEST_GAS};
use weave_proto::weave::content::v1::{query_client::QueryClient, QueryContentByCreatorRequest};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn content_sale_pays_a_three_way_split_and_delivers_keys() {
    let mut node = Node::init("e2e-content-1").unwrap();
    node.start().unwrap();

    let names = [
        "creator", "collab-a", "collab-b", "buyer-1", "buyer-2", "third",
    ];
    let addr: Vec<String> = names.iter().map(|n| node.add_key(n)).collect();
    let (creator, collab_a, collab_b, buyer1, buyer2, third) =
        (&addr[0], &addr[1], &addr[2], &addr[3], &addr[4], &addr[5]);
    for a in [creator, buyer1, buyer2, third] {
        node.tx(&["bank", "send", "validator", a, "5000000uweave"]);
    }

    // The creator registers a file: 300 000 bytes in 64 KiB slices.
    let file = node.home_path().join("film.bin");
    let plaintext: Vec<u8> = (0..300_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    std::fs::write(&file, &plaintext).unwrap();
    let creator_split = format!("{creator}:5000");
    let a_split = format!("{collab_a}:3000");
    let b_split = format!("{collab_b}:2000");
    let registered = node.tx(&[
        "content",
        "register",
        "--from",
        "creator",
        "--file",
        file.to_str().unwrap(),
        "--title",
        "E2E film",
        "--tag",
        "e2e",
        "--mime-type",
        "video/mp4",
        "--price",
        "1000",
        "--price-per-gib",
        "25",
        "--recipient",
        &creator_split,
        "--recipient",
        &a_split,
        "--recipient",
        &b_split,
        "--tier",
        "personal:1",
        "--tier",
        "commercial:1000",
        "--slice-size",
        "65536",
    ]);
    let id = registered["content_id"]
        .as_u64()
        .expect("content_id in the register output");
    let id_s = id.to_string();
    let root = registered["root"].as_str().unwrap().to_string();
    let key_file = node
        .home_path()
        .join("content-keys")
        .join(format!("{root}.key"));
    let content_key = std::fs::read_to_string(&key_file)
        .unwrap()
        .trim()
        .to_string();
    assert_eq!(content_key.len(), 64);

    let got = node.cli(&["query", "content", "get", &id_s]);
    assert_eq!(got["content"]["meta_hash"]["slice_count"], 5);
    assert_eq!(got["content"]["meta_hash"]["plaintext_len"], 300_000);
    assert_eq!(got["content"]["creator"].as_str(), Some(creator.as_str()));

    // Buyers register their X25519 keys and buy: 2 tokens and 1 token.
    let before: Vec<u128> = addr.iter().map(|a| node.balance(a)).collect();
    let pool = node.cli(&["query", "bank", "module-account", "community_pool"]);
    let pool = pool["address"].as_str().unwrap().to_string();
    let pool_before = node.balance(&pool);
    for b in ["buyer-1", "buyer-2", "third"] {
        node.tx(&["content", "register-key", "--from", b]);
    }
    node.tx(&[
        "content",
        "purchase",
        &id_s,
        "--quantity",
        "2",
        "--from",
        "buyer-1",
    ]);
    node.tx(&[
        "content",
        "purchase",
        &id_s,
        "--quantity",
        "1",
        "--from",
        "buyer-2",
    ]);
    node.tx(&[
        "content",
        "transfer",
        &id_s,
        third,
        "--quantity",
        "1",
        "--from",
        "buyer-1",
    ]);

    // Every balance equals the split to the unit. Each purchase is divided on its own:
    // 2% protocol fee, then 50/30/20, the remainder to the lowest address.
    let mut expected_gain = [0u128; 3];
    let mut fees = 0u128;
    for paid in [2_000u128, 1_000] {
        let fee = bps_of(paid, 200);
        fees += fee;
        let net = paid - fee;
        let shares = [bps_of(net, 5000), bps_of(net, 3000), bps_of(net, 2000)];
        let remainder = net - shares.iter().sum::<u128>();
        // The chain orders recipients by raw address bytes, not by the bech32 text.
        let lowest = (0..3)
            .min_by_key(|i| addr[*i].parse::<cosmrs::AccountId>().unwrap().to_bytes())
            .unwrap();
        for i in 0..3 {
            expected_gain[i] += shares[i] + if i == lowest { remainder } else { 0 };
        }
    }
    assert_eq!(node.balance(creator), before[0] + expected_gain[0]);
    assert_eq!(node.balance(collab_a), before[1] + expected_gain[1]);
    assert_eq!(node.balance(collab_b), before[2] + expected_gain[2]);
    assert_eq!(node.balance(&pool), pool_before + fees);
    assert_eq!(node.balance(buyer1), before[3] - 2_000 - 3 * TEST_FEE);
    assert_eq!(node.balance(buyer2), before[4] - 1_000 - 2 * TEST_FEE);
    assert_eq!(node.balance(third), before[5] - TEST_FEE);

    let access =
        |who: &str| node.cli(&["query", "content", "access", &id_s, who])["access"].clone();
    assert_eq!(access(buyer1)["tokens"], 1);
    assert_eq!(access(third)["tokens"], 1);
    assert_eq!(access(third)["rights"], serde_json::json!(["personal"]));
    assert_eq!(access(collab_a)["has_access"], false);

    // The creator's daemon delivers the key to the three holders; each opens it.
    let pass = node.cli(&[
        "content",
        "serve-keys",
        "--from",
        "creator",
        "--once",
        "--fees",
        TEST_FEES,
        "--gas",
        TEST_GAS,
    ]);
    assert_eq!(pass["delivered"].as_array().unwrap().len(), 3, "{pass}");
    for holder in ["buyer-1", "buyer-2", "third"] {
        let opened = node.cli(&["content", "key", &id_s, "--from", holder]);
        assert_eq!(
            opened["key"].as_str(),
            Some(content_key.as_str()),
            "{holder}"
        );
    }
    // Nothing is left pending, and a second pass delivers nothing.
    let pass = node.cli(&["content", "serve-keys", "--from", "creator", "--once"]);
    assert!(pass["delivered"].as_array().unwrap().is_empty(), "{pass}");

    // A non-holder gets no key: the chain refuses delivery to it.
    let out = node
        .weaved(&[
            "tx",
            "content",
            "deliver-key",
            &id_s,
            collab_a,
            "--from",
            "creator",
            "--fees",
            TEST_FEES,
            "--gas",
            TEST_GAS,
        ])
        .unwrap();
    assert!(!out.status.success());

    // Feed and by-creator listings show it, over the CLI and over gRPC.
    let feed = node.cli(&["query", "content", "feed"]);
    assert_eq!(feed["contents"][0]["id"], id);
    let mine = node.cli(&["query", "content", "by-creator", creator]);
    assert_eq!(mine["contents"].as_array().unwrap().len(), 1);
    let mut grpc = QueryClient::connect(node.grpc_url()).await.unwrap();
    let r = grpc
        .content_by_creator(QueryContentByCreatorRequest {
            creator: creator.clone(),
            page: None,
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(r.contents.len(), 1);
    assert_eq!(r.contents[0].id, id);
    assert_eq!(r.contents[0].tokens_issued, 3);

    node.stop();
}
