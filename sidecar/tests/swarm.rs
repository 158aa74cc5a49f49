//! Sidecars talking to each other over loopback: seeding, parallel and chained
//! downloads, a cheating peer and the evidence against it, peers whose signatures are
//! garbage, resuming, refusals and rate limits.
//!
//! Nothing here sleeps and hopes: every wait is on an event or a condition (a
//! download's progress, a connection), bounded by a generous timeout.

use std::future::Future;
use std::path::Path;
use std::time::Duration;

use anyhow::{anyhow, Context, Result};
use rand::{rngs::StdRng, RngCore, SeedableRng};
use tokio::sync::watch;
use weave_sidecar::protocol::{ErrorCode, Request, Response};
use weave_sidecar::{
    decrypt_to, DownloadError, DownloadOptions, Fault, Limits, Multiaddr, PlaintextStream,
    Progress, Sidecar, SidecarConfig, SidecarError, SidecarHandle,
};
use weave_slices::{seal, ContentKey, MerkleTree, MetaHash};

/// Every test gives up after this long rather than hang.
const DEADLINE: Duration = Duration::from_secs(180);
const SLICE: u32 = 64 * 1024;

struct Content {
    key: ContentKey,
    plaintext: Vec<u8>,
    slices: Vec<Vec<u8>>,
    tree: MerkleTree,
    meta: MetaHash,
}

/// Random content of `len` bytes, sealed into 64 KiB slices.
fn content(seed: u64, len: usize) -> Content {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut plaintext = vec![0u8; len];
    rng.fill_bytes(&mut plaintext);
    let mut k = [0u8; 32];
    rng.fill_bytes(&mut k);
    let key = ContentKey::from_bytes(k);
    let (slices, tree, meta) = seal(&key, &plaintext, SLICE).expect("seal");
    Content {
        key,
        plaintext,
        slices,
        tree,
        meta,
    }
}

async fn start(dir: &Path, fault: Option<Fault>, limits: Limits) -> Result<SidecarHandle> {
    let mut config = SidecarConfig::new(dir);
    config.fault = fault;
    config.limits = limits;
    Ok(Sidecar::start(config).await?)
}

async fn start_default(dir: &Path) -> Result<SidecarHandle> {
    start(dir, None, Limits::default()).await
}

/// The node's first listen address, with its peer id.
async fn addr(node: &SidecarHandle) -> Result<Multiaddr> {
    let a = node
        .listen_addrs()
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| anyhow!("not listening"))?;
    a.with_p2p(node.peer_id()).map_err(|_| anyhow!("address"))
}

/// Connects `from` to `to` and checks the peer id.
async fn connect(from: &SidecarHandle, to: &SidecarHandle) -> Result<()> {
    let peer = from.dial(addr(to).await?).await?;
    anyhow::ensure!(peer == to.peer_id(), "dialed the wrong peer");
    Ok(())
}

async fn seeder(dir: &Path, c: &Content, fault: Option<Fault>) -> Result<SidecarHandle> {
    let node = start(dir, fault, Limits::default()).await?;
    node.store().import_sealed(&c.meta, &c.slices, &c.tree)?;
    node.seed(c.meta.root).await?;
    Ok(node)
}

fn decrypted(node: &SidecarHandle, c: &Content) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    decrypt_to(node.store(), &c.meta.root, &c.key, &mut out)?;
    Ok(out)
}

async fn within<T>(what: &str, f: impl Future<Output = Result<T>>) -> Result<T> {
    tokio::time::timeout(DEADLINE, f)
        .await
        .map_err(|_| anyhow!("{what}: timed out after {DEADLINE:?}"))?
}

/// A waits on progress until `done` slices are present.
async fn wait_for_slices(rx: &mut watch::Receiver<Progress>, done: u64) -> Result<()> {
    rx.wait_for(|p| p.slices_done >= done)
        .await
        .map_err(|_| anyhow!("download ended before {done} slices"))?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parallel_and_chained_downloads_catch_a_cheat_and_match_byte_for_byte() -> Result<()> {
    within("swarm", async {
        let tmp = tempfile::tempdir()?;
        // 8 MiB in 64 KiB slices: 128 slices, the last one short.
        let c = content(1, 8 * 1024 * 1024 - 1000);
        assert_eq!(c.meta.slice_count, 128);

        let a = seeder(&tmp.path().join("a"), &c, None).await?;
        let b = start_default(&tmp.path().join("b")).await?;
        let cc = start_default(&tmp.path().join("c")).await?;
        // D holds the content too, but corrupts every slice it serves.
        let d = start(
            &tmp.path().join("d"),
            Some(Fault::CorruptSlices),
            Limits::default(),
        )
        .await?;
        d.store().import_sealed(&c.meta, &c.slices, &c.tree)?;

        connect(&b, &a).await?;
        connect(&cc, &a).await?;
        connect(&cc, &b).await?;
        connect(&cc, &d).await?;

        // B starts first; C starts once B holds a quarter, so B has slices to serve C
        // while B itself is still downloading from A.
        let (b_tx, mut b_rx) = watch::channel(Progress::default());
        let b_task = tokio::spawn({
            let (b, meta) = (b.clone(), c.meta);
            async move {
                b.download(
                    meta,
                    DownloadOptions {
                        progress: Some(b_tx),
                        ..DownloadOptions::default()
                    },
                )
                .await
            }
        });
        wait_for_slices(&mut b_rx, 32).await?;

        let c_out = tmp.path().join("c.out");
        let writer = tokio::fs::File::create(&c_out).await?;
        let c_report = cc
            .download(
                c.meta,
                DownloadOptions {
                    stream: Some(PlaintextStream::new(c.key.clone(), writer)),
                    ..DownloadOptions::default()
                },
            )
            .await?;
        let b_report = b_task.await??;

        // Byte-identical output: B decrypting from its store, C from its stream and
        // from its store.
        assert_eq!(decrypted(&b, &c)?, c.plaintext);
        assert_eq!(tokio::fs::read(&c_out).await?, c.plaintext);
        assert_eq!(decrypted(&cc, &c)?, c.plaintext);
        assert_eq!(c_report.plaintext_written, c.plaintext.len() as u64);
        assert_eq!(b_report.slices_fetched, 128);
        assert_eq!(c_report.slices_fetched, 128);

        // D was caught: struck, banned, and nothing it sent was stored.
        let d_seen = c_report.peer(&d.peer_id()).context("C never asked D")?;
        assert!(d_seen.banned, "D not banned: {d_seen:?}");
        assert!(d_seen.strikes >= DownloadOptions::default().max_strikes);
        assert_eq!(d_seen.slices, 0);
        assert!(c_report.slices_rejected >= 1);
        assert_eq!(c_report.banned(), vec![d.peer_id()]);
        // D signed what it sent: C holds evidence against it, which is what the
        // chain checks — D's signature over the header, and a proof that does not
        // verify the ciphertext's leaf against the root.
        assert!(!c_report.bad_slices.is_empty());
        for e in &c_report.bad_slices {
            assert_eq!(e.seeder, d.peer_id());
            assert_eq!(e.content_root, c.meta.root);
            assert!(weave_sidecar::header_signed_by(
                &e.seeder,
                &e.content_root,
                e.slice_index,
                &e.ciphertext_hash,
                &e.proof,
                &e.signature
            ));
            let proof = weave_slices::MerkleProof::from_bytes(&e.proof)?;
            assert!(!proof.verify(&c.meta.root, &e.ciphertext_hash));
            // It is about what D corrupted, not the slice as sealed.
            let sealed = &c.slices[usize::try_from(e.slice_index)?];
            assert_ne!(e.ciphertext_hash, weave_slices::leaf_hash(sealed));
        }
        assert!(c_report.bad_slices.len() as u64 <= c_report.slices_rejected);
        assert_eq!(cc.bad_slice_evidence(), c_report.bad_slices);
        // The node's metrics count the same: every stored slice verified, every refused
        // one failed.
        let c_stats = cc.stats().snapshot();
        assert_eq!(c_stats.slices_verified, 128);
        assert_eq!(c_stats.slices_failed, c_report.slices_rejected);
        assert!(c_stats.bytes_fetched >= c.meta.plaintext_len, "{c_stats:?}");
        assert!(d.stats().snapshot().slices_served >= 1);

        // C fetched from B (which was itself downloading) as well as from A.
        let from_b = c_report.peer(&b.peer_id()).map_or(0, |p| p.slices);
        let from_a = c_report.peer(&a.peer_id()).map_or(0, |p| p.slices);
        assert!(from_b > 0, "C got nothing from B: {c_report:#?}");
        assert_eq!(from_a + from_b, 128);
        // Every stored slice is accounted to an honest peer, in both downloads (B may
        // have met D through the DHT as well).
        for report in [&b_report, &c_report] {
            assert_eq!(report.peers.iter().map(|p| p.slices).sum::<u64>(), 128);
            assert_eq!(report.peer(&d.peer_id()).map_or(0, |p| p.slices), 0);
        }

        // Both downloaders now seed: the DHT lists them as providers.
        let providers = a
            .find_providers(c.meta.root, Duration::from_secs(10))
            .await?;
        assert!(
            providers.contains(&b.peer_id()) || providers.contains(&cc.peer_id()),
            "no downloader in the provider records: {providers:?}"
        );

        for n in [a, b, cc, d] {
            n.shutdown().await?;
        }
        Ok(())
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interrupted_download_resumes_after_a_restart() -> Result<()> {
    within("resume", async {
        let tmp = tempfile::tempdir()?;
        let c = content(2, 8 * 1024 * 1024);
        let a = seeder(&tmp.path().join("a"), &c, None).await?;
        let b_dir = tmp.path().join("b");

        let b = start_default(&b_dir).await?;
        connect(&b, &a).await?;
        let (tx, mut rx) = watch::channel(Progress::default());
        {
            let download = b.download(
                c.meta,
                DownloadOptions {
                    progress: Some(tx),
                    // One request at a time, so the interruption lands early.
                    initial_window: 1,
                    max_window: 1,
                    ..DownloadOptions::default()
                },
            );
            tokio::pin!(download);
            tokio::select! {
                biased;
                r = wait_for_slices(&mut rx, 20) => r?,
                r = &mut download => return Err(anyhow!("finished before the interruption: {r:?}")),
            }
            // Dropping the download future here cancels it.
        }
        b.shutdown().await?;

        // A new process on the same store: it finds what was stored and resumes.
        let b = start_default(&b_dir).await?;
        let present = b.store().bitfield(&c.meta.root)?.count_ones();
        assert!(present >= 20, "only {present} slices survived");
        assert!(present < c.meta.slice_count, "nothing left to resume");
        connect(&b, &a).await?;
        let report = b.download(c.meta, DownloadOptions::default()).await?;
        assert_eq!(report.already_present, present);
        assert_eq!(report.slices_fetched, c.meta.slice_count - present);
        assert_eq!(decrypted(&b, &c)?, c.plaintext);

        a.shutdown().await?;
        b.shutdown().await?;
        Ok(())
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_content_gets_a_clear_error() -> Result<()> {
    within("unknown content", async {
        let tmp = tempfile::tempdir()?;
        let c = content(3, 300 * 1024);
        let a = seeder(&tmp.path().join("a"), &c, None).await?;
        let b = start_default(&tmp.path().join("b")).await?;
        connect(&b, &a).await?;

        let other = content(4, 200 * 1024);
        match b.have(a.peer_id(), other.meta.root).await {
            Err(SidecarError::Remote {
                code: ErrorCode::UnknownContent,
                message,
            }) => assert!(message.contains(&hex::encode(other.meta.root))),
            r => return Err(anyhow!("expected unknown content, got {r:?}")),
        }
        let r = b
            .request(
                a.peer_id(),
                Request::Get {
                    root: other.meta.root,
                    index: 0,
                },
            )
            .await?;
        assert!(matches!(
            r,
            Response::Error {
                code: ErrorCode::UnknownContent,
                ..
            }
        ));
        // Known content, an index past its end.
        let r = b
            .request(
                a.peer_id(),
                Request::Get {
                    root: c.meta.root,
                    index: c.meta.slice_count,
                },
            )
            .await?;
        assert!(matches!(
            r,
            Response::Error {
                code: ErrorCode::OutOfRange,
                ..
            }
        ));

        // A download nobody can serve fails with the refusal, after the stall
        // timeout, instead of hanging.
        let err = b
            .download(
                other.meta,
                DownloadOptions {
                    stall_timeout: Duration::from_secs(3),
                    ..DownloadOptions::default()
                },
            )
            .await
            .expect_err("nobody has it");
        assert!(
            matches!(
                err,
                DownloadError::Stalled {
                    missing: 4,
                    last_refusal: Some(ErrorCode::UnknownContent),
                    ..
                }
            ),
            "{err:?}"
        );

        a.shutdown().await?;
        b.shutdown().await?;
        Ok(())
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_peer_serving_only_truncated_slices_is_banned_and_nothing_is_stored() -> Result<()> {
    within("truncating seeder", async {
        let tmp = tempfile::tempdir()?;
        let c = content(5, 1024 * 1024);
        let bad = seeder(&tmp.path().join("bad"), &c, Some(Fault::TruncateSlices)).await?;
        let b = start_default(&tmp.path().join("b")).await?;
        connect(&b, &bad).await?;
        let (tx, mut rx) = watch::channel(Progress::default());
        let download = b.download(
            c.meta,
            DownloadOptions {
                progress: Some(tx),
                stall_timeout: Duration::from_secs(3),
                ..DownloadOptions::default()
            },
        );
        let err = download.await.expect_err("only bad slices on offer");
        assert!(
            matches!(err, DownloadError::Stalled { missing: 16, .. }),
            "{err:?}"
        );
        let p = rx.borrow_and_update().clone();
        assert_eq!(p.peers_banned, 1);
        assert!(p.slices_rejected >= 1);
        assert_eq!(b.store().bitfield(&c.meta.root)?.count_ones(), 0);
        bad.shutdown().await?;
        b.shutdown().await?;
        Ok(())
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seeders_with_garbage_signatures_are_banned_and_leave_no_evidence() -> Result<()> {
    within("garbage signatures", async {
        let tmp = tempfile::tempdir()?;
        let c = content(6, 1024 * 1024);
        // G serves every slice intact but signs it wrongly; X corrupts every slice and
        // signs it wrongly.
        let g = seeder(&tmp.path().join("g"), &c, Some(Fault::GarbageSignatures)).await?;
        let x = seeder(
            &tmp.path().join("x"),
            &c,
            Some(Fault::CorruptSlicesGarbageSignatures),
        )
        .await?;
        let l = start_default(&tmp.path().join("l")).await?;
        connect(&l, &g).await?;
        connect(&l, &x).await?;

        // With only G and X on offer nothing is stored, not even G's intact slices
        // (the signature is checked first), and both are banned.
        let (tx, mut rx) = watch::channel(Progress::default());
        let err = l
            .download(
                c.meta,
                DownloadOptions {
                    progress: Some(tx),
                    stall_timeout: Duration::from_secs(3),
                    ..DownloadOptions::default()
                },
            )
            .await
            .expect_err("only badly signed slices on offer");
        assert!(
            matches!(err, DownloadError::Stalled { missing: 16, .. }),
            "{err:?}"
        );
        let p = rx.borrow_and_update().clone();
        assert_eq!(p.peers_banned, 2, "{p:?}");
        assert!(p.slices_rejected >= 2 * u64::from(DownloadOptions::default().max_strikes));
        assert_eq!(l.store().bitfield(&c.meta.root)?.count_ones(), 0);
        // No signature of theirs, so no evidence against them.
        assert!(l.bad_slice_evidence().is_empty());

        // An honest seeder joins: the download completes from it alone, byte for byte,
        // still without evidence.
        let a = seeder(&tmp.path().join("a"), &c, None).await?;
        connect(&l, &a).await?;
        let report = l.download(c.meta, DownloadOptions::default()).await?;
        assert_eq!(decrypted(&l, &c)?, c.plaintext);
        assert_eq!(report.peer(&a.peer_id()).map_or(0, |p| p.slices), 16);
        for bad in [&g, &x] {
            assert_eq!(report.peer(&bad.peer_id()).map_or(0, |p| p.slices), 0);
        }
        assert!(report.bad_slices.is_empty(), "{:?}", report.bad_slices);
        assert!(l.bad_slice_evidence().is_empty());

        for n in [g, x, l, a] {
            n.shutdown().await?;
        }
        Ok(())
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_over_eager_peer_is_told_busy_and_the_download_still_completes() -> Result<()> {
    within("rate limit", async {
        let tmp = tempfile::tempdir()?;
        let c = content(6, 2 * 1024 * 1024);
        let limits = Limits {
            requests_per_sec: 40,
            request_burst: 4,
            ..Limits::default()
        };
        let a = start(&tmp.path().join("a"), None, limits).await?;
        a.store().import_sealed(&c.meta, &c.slices, &c.tree)?;
        let b = start_default(&tmp.path().join("b")).await?;
        connect(&b, &a).await?;

        // Twenty requests at once against a burst of four.
        let asks = (0..20).map(|_| b.have(a.peer_id(), c.meta.root));
        let answers = futures::future::join_all(asks).await;
        let busy = answers
            .iter()
            .filter(|r| {
                matches!(
                    r,
                    Err(SidecarError::Remote {
                        code: ErrorCode::Busy,
                        ..
                    })
                )
            })
            .count();
        let ok = answers.iter().filter(|r| r.is_ok()).count();
        assert!(busy >= 10, "{busy} busy answers");
        assert_eq!(busy + ok, 20);

        // A downloader backs off on Busy and still gets everything.
        let report = b.download(c.meta, DownloadOptions::default()).await?;
        assert_eq!(report.slices_fetched, c.meta.slice_count);
        assert_eq!(decrypted(&b, &c)?, c.plaintext);
        a.shutdown().await?;
        b.shutdown().await?;
        Ok(())
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_download_over_quic() -> Result<()> {
    within("quic", async {
        let tmp = tempfile::tempdir()?;
        let c = content(7, 1024 * 1024 + 5);
        let quic: Multiaddr = "/ip4/127.0.0.1/udp/0/quic-v1".parse()?;
        let mut config = SidecarConfig::new(tmp.path().join("a"));
        config.listen = vec![quic.clone()];
        let a = Sidecar::start(config).await?;
        a.store().import_sealed(&c.meta, &c.slices, &c.tree)?;
        let mut config = SidecarConfig::new(tmp.path().join("b"));
        config.listen = vec![quic];
        let b = Sidecar::start(config).await?;
        let a_addr = addr(&a).await?;
        assert!(a_addr.to_string().contains("/quic-v1"), "{a_addr}");
        connect(&b, &a).await?;
        let report = b.download(c.meta, DownloadOptions::default()).await?;
        assert_eq!(report.slices_fetched, c.meta.slice_count);
        assert_eq!(decrypted(&b, &c)?, c.plaintext);
        a.shutdown().await?;
        b.shutdown().await?;
        Ok(())
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streaming_fails_loudly_on_a_wrong_key_and_replays_a_complete_store() -> Result<()> {
    within("streaming", async {
        let tmp = tempfile::tempdir()?;
        let c = content(8, 640 * 1024);
        let a = seeder(&tmp.path().join("a"), &c, None).await?;
        let b = start_default(&tmp.path().join("b")).await?;
        connect(&b, &a).await?;

        let wrong = ContentKey::from_bytes([0x42; 32]);
        let err = b
            .download(
                c.meta,
                DownloadOptions {
                    stream: Some(PlaintextStream::new(wrong, tokio::io::sink())),
                    ..DownloadOptions::default()
                },
            )
            .await
            .expect_err("wrong key");
        assert!(matches!(err, DownloadError::Decrypt(_)), "{err:?}");

        // Finish the download, then stream again: nothing is fetched, everything is
        // replayed from the store in order.
        b.download(c.meta, DownloadOptions::default()).await?;
        let out = tmp.path().join("replay");
        let report = b
            .download(
                c.meta,
                DownloadOptions {
                    stream: Some(PlaintextStream::new(
                        c.key.clone(),
                        tokio::fs::File::create(&out).await?,
                    )),
                    ..DownloadOptions::default()
                },
            )
            .await?;
        assert_eq!(report.slices_fetched, 0);
        assert_eq!(report.already_present, c.meta.slice_count);
        assert_eq!(tokio::fs::read(&out).await?, c.plaintext);
        a.shutdown().await?;
        b.shutdown().await?;
        Ok(())
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_focused_download_fetches_from_the_focus_first_and_reports_every_slice() -> Result<()> {
    within("focus", async {
        let tmp = tempfile::tempdir()?;
        // 40 slices; B already holds none. One seeder, a window of one request and one
        // slice stored at a time: the order slices are stored in is exactly the order
        // they were asked for, however slow the disk (with the default, a loaded
        // machine's writes finished out of order and the test failed).
        let c = content(9, 40 * SLICE as usize);
        let a = seeder(&tmp.path().join("a"), &c, None).await?;
        let b = start_default(&tmp.path().join("b")).await?;
        connect(&b, &a).await?;
        let (focus_tx, focus) = watch::channel(30u64);
        let (present_tx, mut present) = tokio::sync::mpsc::unbounded_channel();
        let download = b.download(
            c.meta,
            DownloadOptions {
                initial_window: 1,
                max_window: 1,
                max_storing_bytes: 0,
                focus: Some(focus),
                present: Some(present_tx),
                ..DownloadOptions::default()
            },
        );
        let order = async {
            let mut order = Vec::new();
            while let Some(i) = present.recv().await {
                order.push(i);
                // Once the first focus is served, the reader seeks back to slice 5.
                if i == 33 {
                    focus_tx.send_replace(5);
                }
            }
            Ok::<_, anyhow::Error>(order)
        };
        let (report, order) = tokio::join!(download, order);
        report?;
        let order = order?;
        // Every slice exactly once.
        let mut sorted = order.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..40).collect::<Vec<_>>());
        // From the focus first; then, once it moved, from its new place onwards.
        assert_eq!(&order[..4], &[30, 31, 32, 33], "{order:?}");
        let at5 = order.iter().position(|&i| i == 5).unwrap_or(usize::MAX);
        assert!(at5 <= 6, "the moved focus is served next: {order:?}");
        assert!(
            order[at5..].windows(2).take(10).all(|w| w[1] == w[0] + 1),
            "{order:?}"
        );
        assert_eq!(decrypted(&b, &c)?, c.plaintext);
        a.shutdown().await?;
        b.shutdown().await?;
        Ok(())
    })
    .await
}
