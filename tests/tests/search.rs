//! End-to-end: the search index of each node, on a real two-node chain.
//!
//! A creator registers a content on node A. Once the block commits, node B (a full
//! node that only follows the chain) finds it by a word of its description with
//! `weaved search`, its filters select or drop it as they should, and after B's index
//! is deleted B rebuilds it from the chain on restart and finds the content again.
#![allow(clippy::unwrap_used, clippy::disallowed_methods, missing_docs)]

use std::time::Duration;

use weave_e2e::{localnet::eventually, Node};

/// The ids of the contents a `weaved search --output json` answer lists.
fn found(answer: &serde_json::Value) -> Vec<String> {
    answer["search"]["contents"]
        .as_array()
        .unwrap_or_else(|| panic!("no contents in {answer}"))
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_node_finds_a_content_by_a_word_of_its_description() {
    let mut a = Node::init("e2e-search-1").unwrap();
    a.start().unwrap();
    let mut b = Node::join(&a).unwrap();
    b.start().unwrap();
    b.wait_for_height(a.height().unwrap(), Duration::from_secs(60))
        .unwrap();

    // Nothing matches before the content exists.
    assert!(found(&b.cli(&["search", "zebrafinch"])).is_empty());

    let file = a.home_path().join("birds.bin");
    std::fs::write(&file, vec![7u8; 10_000]).unwrap();
    let registered = a.tx(&[
        "content",
        "register",
        "--from",
        "validator",
        "--file",
        file.to_str().unwrap(),
        "--title",
        "Spring on the marsh",
        "--description",
        "Forty minutes following a zebrafinch colony through the reeds",
        "--tag",
        "birds",
        "--price",
        "1000",
        "--price-per-gib",
        "10",
    ]);
    let id = registered["content_id"].as_u64().unwrap().to_string();

    // Node B indexes the committed block and finds it by a word of the description.
    eventually(
        "node B's index to find the content",
        Duration::from_secs(60),
        || found(&b.cli(&["search", "zebrafinch"])) == vec![id.clone()],
    );
    let answer = b.cli(&["search", "zebrafinch"]);
    let hit = &answer["search"]["contents"][0];
    assert_eq!(hit["title"], "Spring on the marsh");
    assert_eq!(hit["creator"].as_str(), Some(a.funded_address.as_str()));
    assert_eq!(hit["tags"][0], "birds");
    assert_eq!(hit["access_price"], "1000");
    // The filters select it or not.
    assert_eq!(
        found(&b.cli(&[
            "search",
            "zebrafinch",
            "--tag",
            "birds",
            "--min-price",
            "1000",
            "--max-price",
            "1000"
        ])),
        vec![id.clone()]
    );
    assert!(found(&b.cli(&["search", "zebrafinch", "--tag", "cats"])).is_empty());
    assert!(found(&b.cli(&["search", "zebrafinch", "--free"])).is_empty());
    assert!(found(&b.cli(&["search", "zebrafinch", "--max-price", "999"])).is_empty());
    let creator = a.funded_address.clone();
    assert_eq!(
        found(&b.cli(&["search", "--creator", &creator])),
        vec![id.clone()]
    );
    // Node A's own index says the same.
    eventually("node A's index", Duration::from_secs(30), || {
        found(&a.cli(&["search", "reeds", "colony"])) == vec![id.clone()]
    });

    // B's index is deleted while B is down: B rebuilds it from the chain.
    b.stop();
    std::fs::remove_dir_all(b.home_path().join("data/search")).unwrap();
    b.start().unwrap();
    eventually(
        "node B's rebuilt index to find the content",
        Duration::from_secs(60),
        || {
            b.weaved(&["search", "zebrafinch", "--output", "json"])
                .ok()
                .filter(|o| o.status.success())
                .and_then(|o| serde_json::from_slice::<serde_json::Value>(&o.stdout).ok())
                .is_some_and(|v| found(&v) == vec![id.clone()])
        },
    );
}
