//! The chaos suite's long run (issue 19, item 2): `localnet/chaos --minutes 10`.
//!
//! Starts a 4-validator localnet on free ports, sends signed transfers throughout,
//! and kills (`kill -9`), pauses (SIGSTOP) and partitions validators for the given
//! time, checking safety after every fault (see `weave_e2e::chaos`). Prints the
//! figures and exits non-zero if a check failed or a transaction was lost.
//!
//! ```text
//! cargo build -p weaved -p weave-e2e --bins
//! target/debug/chaos --minutes 10 [--no-partitions]
//! ```
#![allow(clippy::disallowed_methods, missing_docs)]

use anyhow::{bail, Context as _};
use weave_e2e::chaos::{run, Config};

fn main() -> anyhow::Result<()> {
    let mut minutes = 10u64;
    let mut partitions = true;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--minutes" => {
                minutes = args
                    .next()
                    .context("--minutes takes a number")?
                    .parse()
                    .context("--minutes takes a number")?;
            }
            "--no-partitions" => partitions = false,
            other => bail!("usage: chaos [--minutes N] [--no-partitions] (got {other:?})"),
        }
    }
    if std::env::var_os("WEAVED_BIN").is_none() {
        // target/<profile>/chaos -> target/<profile>/weaved
        let exe = std::env::current_exe()?;
        let dir = exe.parent().context("no directory")?;
        std::env::set_var("WEAVED_BIN", dir.join("weaved"));
    }
    let mut cfg = Config::long(minutes);
    cfg.partitions = partitions;
    let started = std::time::Instant::now();
    let report = run(&cfg, &mut |line| {
        eprintln!("[{:>6.1} s] {line}", started.elapsed().as_secs_f64());
    })?;
    println!("chaos: {minutes} minutes on 4 validators");
    println!("{}", report.figures());
    if report.lost > 0 {
        bail!("{} transactions lost", report.lost);
    }
    Ok(())
}
