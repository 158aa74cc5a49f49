//! End-to-end: the chaos suite's short version (issue 19, item 2), on the
//! 4-validator localnet under a steady load of signed transfers:
//! - `kill -9` of a validator (its `weaved` and its CometBFT), then restarted;
//! - a validator paused with SIGSTOP, then SIGCONT;
//! - a 2 | 2 partition and an isolated node (through the test's loopback TCP proxy
//!   between the nodes' p2p ports), healed.
//!
//! After each fault and at the end (see `weave_e2e::chaos`): the same app hash and
//! block hash on every node at every height, every committed transaction found by
//! hash on every node, the supply equal to the sum of all balances, and the chain
//! making blocks again after each heal. `localnet/chaos` runs the long version.
#![allow(clippy::unwrap_used, clippy::disallowed_methods, missing_docs)]

use weave_e2e::chaos::{run, Config};

#[test]
fn the_localnet_survives_kills_pauses_and_partitions() {
    let started = std::time::Instant::now();
    let report = run(&Config::short(), &mut |line| {
        eprintln!("[{:>6.1} s] {line}", started.elapsed().as_secs_f64());
    })
    .unwrap_or_else(|e| panic!("{e:#}"));
    eprintln!("{}", report.figures());
    assert_eq!(report.lost, 0, "{}", report.figures());
    assert!(
        report.kills >= 2 && report.pauses >= 1,
        "{}",
        report.figures()
    );
    assert!(
        report.splits >= 1 && report.isolations >= 1,
        "{}",
        report.figures()
    );
    assert!(report.committed > 0, "no transaction committed");
    assert!(report.blocks > 20, "{}", report.figures());
}
