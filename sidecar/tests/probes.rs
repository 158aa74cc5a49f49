//! Availability probes between sidecars: an honest seeder passes (a paid one too,
//! probed by a peer that never paid and whose `Get` it refuses), a stopped one, one
//! without the content or the slice, one serving corrupted slices and one signing
//! wrongly fail, and a seeder answers a peer's probes only up to its per-minute quota
//! and its request rate.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{anyhow, Result};
use futures::{future::BoxFuture, FutureExt};
use rand::{rngs::StdRng, RngCore, SeedableRng};
use weave_kernel::Address;
use weave_proto::weave::channels::v1::SignedVoucher;
use weave_sidecar::payment::{SeederPayments, VoucherCheck};
use weave_sidecar::protocol::{ErrorCode, Request, Response};
use weave_sidecar::{
    Fault, Limits, Multiaddr, ProbeOutcome, Sidecar, SidecarConfig, SidecarHandle,
};
use weave_slices::{seal, ContentKey, MerkleTree, MetaHash};
use weave_voucher::Voucher;

const SLICE: u32 = 64 * 1024;
const TIMEOUT: Duration = Duration::from_secs(5);

struct Content {
    slices: Vec<Vec<u8>>,
    tree: MerkleTree,
    meta: MetaHash,
}

fn content(seed: u64, len: usize) -> Content {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut plaintext = vec![0u8; len];
    rng.fill_bytes(&mut plaintext);
    let (slices, tree, meta) =
        seal(&ContentKey::from_bytes([5; 32]), &plaintext, SLICE).expect("seal");
    Content { slices, tree, meta }
}

/// Refuses every voucher: the probing peer never pays anyway.
struct NoVouchers;

impl VoucherCheck for NoVouchers {
    fn check(&self, _: Voucher, _: SignedVoucher) -> BoxFuture<'static, Result<(), String>> {
        async { Err("no".to_string()) }.boxed()
    }
}

async fn node(
    dir: &Path,
    fault: Option<Fault>,
    limits: Limits,
    paid: bool,
) -> Result<SidecarHandle> {
    let mut config = SidecarConfig::new(dir);
    config.fault = fault;
    config.limits = limits;
    if paid {
        config.payments = Some(SeederPayments {
            payee: Address::from_slice(&[7; 20]).map_err(|e| anyhow!("{e}"))?,
            // Not even one slice on credit.
            credit_window: 1,
            check: Arc::new(NoVouchers),
        });
    }
    Ok(Sidecar::start(config).await?)
}

async fn addrs(n: &SidecarHandle) -> Result<Vec<Multiaddr>> {
    Ok(n.listen_addrs().await?)
}

fn failed_with(outcome: &ProbeOutcome, what: &str) -> bool {
    matches!(outcome, ProbeOutcome::Failed(why) if why.contains(what))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn probes_pass_on_honest_seeders_and_fail_on_the_others() -> Result<()> {
    let tmp = tempfile::tempdir()?;
    let c = content(3, 10 * SLICE as usize);
    let prober = node(&tmp.path().join("v"), None, Limits::default(), false).await?;

    // Honest, free and paid: both pass, and the paid one charged nothing.
    for (name, paid) in [("free", false), ("paid", true)] {
        let s = node(&tmp.path().join(name), None, Limits::default(), paid).await?;
        s.store().import_sealed(&c.meta, &c.slices, &c.tree)?;
        for index in [0, 9] {
            let outcome = prober
                .probe(s.peer_id(), addrs(&s).await?, c.meta.root, index, TIMEOUT)
                .await;
            assert_eq!(
                outcome,
                ProbeOutcome::Passed,
                "{name} seeder, slice {index}"
            );
        }
        s.shutdown().await?;
    }

    // A Get from the same peer to a paid seeder is refused: only the probe is free.
    {
        let s = node(&tmp.path().join("paid2"), None, Limits::default(), true).await?;
        s.store().import_sealed(&c.meta, &c.slices, &c.tree)?;
        prober.dial(addrs(&s).await?[0].clone()).await?;
        let get = Request::Get {
            root: c.meta.root,
            index: 0,
        };
        match prober.request(s.peer_id(), get).await? {
            Response::Error { code, .. } => assert_eq!(code, ErrorCode::PaymentRequired),
            other => panic!("a Get was served unpaid: {other:?}"),
        }
        let outcome = prober
            .probe(s.peer_id(), addrs(&s).await?, c.meta.root, 0, TIMEOUT)
            .await;
        assert_eq!(outcome, ProbeOutcome::Passed);
        s.shutdown().await?;
    }

    // Its own sidecar as the seeder: checked from its own store.
    prober.store().import_sealed(&c.meta, &c.slices, &c.tree)?;
    let own = prober
        .probe(
            prober.peer_id(),
            addrs(&prober).await?,
            c.meta.root,
            2,
            TIMEOUT,
        )
        .await;
    assert_eq!(own, ProbeOutcome::Passed);

    // Corrupting: the slice arrives signed but does not verify.
    let bad = node(
        &tmp.path().join("bad"),
        Some(Fault::CorruptSlices),
        Limits::default(),
        false,
    )
    .await?;
    bad.store().import_sealed(&c.meta, &c.slices, &c.tree)?;
    let outcome = prober
        .probe(bad.peer_id(), addrs(&bad).await?, c.meta.root, 3, TIMEOUT)
        .await;
    assert!(
        failed_with(&outcome, "proof does not verify"),
        "{outcome:?}"
    );

    // Signing wrongly: the slice is intact, the signature is not the seeder's.
    let unsigned = node(
        &tmp.path().join("unsigned"),
        Some(Fault::GarbageSignatures),
        Limits::default(),
        false,
    )
    .await?;
    unsigned
        .store()
        .import_sealed(&c.meta, &c.slices, &c.tree)?;
    let outcome = prober
        .probe(
            unsigned.peer_id(),
            addrs(&unsigned).await?,
            c.meta.root,
            3,
            TIMEOUT,
        )
        .await;
    assert!(failed_with(&outcome, "not signed"), "{outcome:?}");

    // Holding the content but not the slice asked for.
    let partial = node(&tmp.path().join("partial"), None, Limits::default(), false).await?;
    partial.store().create(&c.meta)?;
    for index in 0..5u64 {
        let proof = c.tree.proof(index).ok_or_else(|| anyhow!("no proof"))?;
        let slice = &c.slices[usize::try_from(index)?];
        partial
            .store()
            .put_slice(&c.meta.root, index, slice, &proof)?;
    }
    let (id, a) = (partial.peer_id(), addrs(&partial).await?);
    let outcome = prober.probe(id, a.clone(), c.meta.root, 4, TIMEOUT).await;
    assert_eq!(outcome, ProbeOutcome::Passed);
    let outcome = prober.probe(id, a.clone(), c.meta.root, 7, TIMEOUT).await;
    assert!(failed_with(&outcome, "slice missing"), "{outcome:?}");
    // Past the content's end.
    let outcome = prober.probe(id, a, c.meta.root, 10, TIMEOUT).await;
    assert!(failed_with(&outcome, "out of range"), "{outcome:?}");

    // Without the content.
    let empty = node(&tmp.path().join("empty"), None, Limits::default(), false).await?;
    let outcome = prober
        .probe(
            empty.peer_id(),
            addrs(&empty).await?,
            c.meta.root,
            3,
            TIMEOUT,
        )
        .await;
    assert!(failed_with(&outcome, "unknown content"), "{outcome:?}");

    // Stopped: unreachable, and the probe gives up within its timeout.
    let gone = node(&tmp.path().join("gone"), None, Limits::default(), false).await?;
    gone.store().import_sealed(&c.meta, &c.slices, &c.tree)?;
    let (gone_id, gone_addrs) = (gone.peer_id(), addrs(&gone).await?);
    gone.shutdown().await?;
    let started = tokio::time::Instant::now();
    let outcome = prober
        .probe(gone_id, gone_addrs, c.meta.root, 0, Duration::from_secs(2))
        .await;
    assert!(matches!(outcome, ProbeOutcome::Failed(_)), "{outcome:?}");
    assert!(started.elapsed() < Duration::from_secs(3));

    for n in [prober, bad, unsigned, partial, empty] {
        n.shutdown().await?;
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_seeder_answers_a_peers_probes_only_up_to_its_quota() -> Result<()> {
    let tmp = tempfile::tempdir()?;
    let c = content(4, 4 * SLICE as usize);
    let limits = Limits {
        probes_per_peer_per_minute: 2,
        ..Limits::default()
    };
    let s = node(&tmp.path().join("s"), None, limits, false).await?;
    s.store().import_sealed(&c.meta, &c.slices, &c.tree)?;
    let prober = node(&tmp.path().join("v"), None, Limits::default(), false).await?;
    let other = node(&tmp.path().join("w"), None, Limits::default(), false).await?;
    let a = addrs(&s).await?;
    for _ in 0..2 {
        let outcome = prober
            .probe(s.peer_id(), a.clone(), c.meta.root, 1, TIMEOUT)
            .await;
        assert_eq!(outcome, ProbeOutcome::Passed);
    }
    let outcome = prober
        .probe(s.peer_id(), a.clone(), c.meta.root, 1, TIMEOUT)
        .await;
    assert!(failed_with(&outcome, "busy"), "{outcome:?}");
    // Another peer has its own quota.
    let outcome = other.probe(s.peer_id(), a, c.meta.root, 1, TIMEOUT).await;
    assert_eq!(outcome, ProbeOutcome::Passed);

    // Probes also spend the peer's ordinary request budget: with two requests and no
    // refill, the third probe is refused for the rate though well within the quota.
    let limits = Limits {
        requests_per_sec: 0,
        request_burst: 2,
        ..Limits::default()
    };
    let r = node(&tmp.path().join("r"), None, limits, false).await?;
    r.store().import_sealed(&c.meta, &c.slices, &c.tree)?;
    let a = addrs(&r).await?;
    for _ in 0..2 {
        let outcome = prober
            .probe(r.peer_id(), a.clone(), c.meta.root, 2, TIMEOUT)
            .await;
        assert_eq!(outcome, ProbeOutcome::Passed);
    }
    let outcome = prober.probe(r.peer_id(), a, c.meta.root, 2, TIMEOUT).await;
    assert!(failed_with(&outcome, "request rate"), "{outcome:?}");
    for n in [s, prober, other, r] {
        n.shutdown().await?;
    }
    Ok(())
}
