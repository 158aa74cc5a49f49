//! Throughput figures for the slice sidecar, printed in MiB/s (a `harness = false`
//! bench: it runs each measurement once, at full size).
//!
//! ```text
//! cargo bench -p weave-sidecar --bench transfer
//! WEAVE_BENCH_BYTES=268435456 cargo bench -p weave-sidecar --bench transfer
//! WEAVE_BENCH_FSYNC=0 cargo bench -p weave-sidecar --bench transfer
//! ```
//!
//! - `crypto`: the single-core ceiling: `decrypt_slice`, and `leaf_hash` plus proof
//!   verification (what a downloader does per slice), over 1 MiB slices.
//! - `tcp`: a tokio TCP echo of the transfer size over loopback (the kernel's
//!   ceiling for a stream that is both sent and received on this machine).
//! - `sidecar`: one sidecar seeds, another downloads the whole content over
//!   `/weave/slice/1` (TCP + noise + yamux), verifying and storing every slice
//!   (fsync per slice unless `WEAVE_BENCH_FSYNC=0`).
//! - `stream`: a third sidecar downloads with plaintext streaming: time to the first
//!   plaintext byte, and the rate to the last.
//!
//! `WEAVE_BENCH_BYTES` sets the transfer size (default 1 GiB); the content lives in
//! memory while it is sealed, so allow about twice that in RAM, and the stores write
//! it to disk three times under the system temporary directory.

// A benchmark measures wall-clock time; the workspace ban on it is for the state machine.
#![allow(clippy::disallowed_methods)]

use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use std::{io, pin::Pin};

use anyhow::{anyhow, Result};
use rand::{rngs::StdRng, RngCore, SeedableRng};
use tokio::io::{AsyncReadExt, AsyncWrite, AsyncWriteExt};
use weave_sidecar::{
    DownloadOptions, PlaintextStream, Sidecar, SidecarConfig, SidecarHandle, StoreOptions,
};
use weave_slices::{decrypt_slice, leaf_hash, seal, ContentKey, DEFAULT_SLICE_SIZE};

const MIB: f64 = 1024.0 * 1024.0;

fn mib_per_sec(bytes: u64, elapsed: Duration) -> f64 {
    bytes as f64 / MIB / elapsed.as_secs_f64()
}

fn env_u64(name: &str, default: u64) -> Result<u64> {
    match std::env::var(name) {
        Ok(v) => v.parse().map_err(|e| anyhow!("{name}={v}: {e}")),
        Err(_) => Ok(default),
    }
}

fn main() -> Result<()> {
    // `cargo bench` passes `--bench`; `cargo test --benches` runs this too, without it:
    // then only a smoke run at a tiny size.
    let benching = std::env::args().any(|a| a == "--bench");
    let bytes = if benching {
        env_u64("WEAVE_BENCH_BYTES", 1 << 30)?
    } else {
        4 << 20
    };
    let fsync = env_u64("WEAVE_BENCH_FSYNC", 1)? != 0;
    println!(
        "weave-sidecar transfer bench: {:.0} MiB, {} KiB slices, fsync {}",
        bytes as f64 / MIB,
        DEFAULT_SLICE_SIZE / 1024,
        if fsync { "on" } else { "off" }
    );

    let mut rng = StdRng::seed_from_u64(7);
    let mut plaintext = vec![0u8; usize::try_from(bytes)?];
    rng.fill_bytes(&mut plaintext);
    let key = ContentKey::generate();
    let t = Instant::now();
    let (slices, tree, meta) = seal(&key, &plaintext, DEFAULT_SLICE_SIZE)?;
    println!(
        "seal (encrypt + tree, 1 core):    {:>8.1} MiB/s",
        mib_per_sec(bytes, t.elapsed())
    );

    crypto_ceiling(&key, &slices, &tree, &meta)?;

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        tcp_echo(bytes).await?;
        let tmp = tempfile::tempdir()?;
        let store_options = StoreOptions { fsync };
        let start = |name: &str| {
            let mut config = SidecarConfig::new(tmp.path().join(name));
            config.store_options = store_options;
            Sidecar::start(config)
        };
        let a = start("a").await?;
        let t = Instant::now();
        {
            let (a, slices) = (a.clone(), slices);
            tokio::task::spawn_blocking(move || a.store().import_sealed(&meta, &slices, &tree))
                .await??;
        }
        println!(
            "seeder import (verify + write):   {:>8.1} MiB/s",
            mib_per_sec(bytes, t.elapsed())
        );
        a.seed(meta.root).await?;
        let a_addr = addr(&a).await?;

        let b = start("b").await?;
        b.dial(a_addr.clone()).await?;
        let t = Instant::now();
        let report = b.download(meta, DownloadOptions::default()).await?;
        let elapsed = t.elapsed();
        anyhow::ensure!(report.slices_fetched == meta.slice_count, "incomplete");
        println!(
            "sidecar -> sidecar download:      {:>8.1} MiB/s  ({} slices in {:.2?})",
            mib_per_sec(report.bytes_fetched, elapsed),
            report.slices_fetched,
            elapsed
        );

        let c = start("c").await?;
        c.dial(a_addr).await?;
        let first = Arc::new(Mutex::new(None));
        let sink = TimedSink {
            first: first.clone(),
            written: 0,
        };
        let t = Instant::now();
        let report = c
            .download(
                meta,
                DownloadOptions {
                    stream: Some(PlaintextStream::new(key.clone(), sink)),
                    ..DownloadOptions::default()
                },
            )
            .await?;
        let elapsed = t.elapsed();
        anyhow::ensure!(report.plaintext_written == bytes, "short stream");
        let first = first
            .lock()
            .map_err(|_| anyhow!("lock"))?
            .ok_or_else(|| anyhow!("nothing streamed"))?;
        println!(
            "streaming download:               {:>8.1} MiB/s  (first plaintext byte after {:.2?})",
            mib_per_sec(bytes, elapsed),
            first.duration_since(t)
        );
        for n in [a, b, c] {
            n.shutdown().await?;
        }
        Ok::<_, anyhow::Error>(())
    })?;
    drop(plaintext);
    Ok(())
}

async fn addr(node: &SidecarHandle) -> Result<weave_sidecar::Multiaddr> {
    let a = node
        .listen_addrs()
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| anyhow!("not listening"))?;
    a.with_p2p(node.peer_id()).map_err(|_| anyhow!("address"))
}

fn crypto_ceiling(
    key: &ContentKey,
    slices: &[Vec<u8>],
    tree: &weave_slices::MerkleTree,
    meta: &weave_slices::MetaHash,
) -> Result<()> {
    // At most 256 MiB of slices: enough for a stable figure.
    let n = slices.len().min(256);
    let bytes: u64 = slices[..n].iter().map(|s| s.len() as u64).sum();
    let t = Instant::now();
    for (i, s) in slices[..n].iter().enumerate() {
        std::hint::black_box(decrypt_slice(key, i as u64, s)?);
    }
    let decrypt = t.elapsed();
    let proofs: Vec<_> = (0..n as u64).filter_map(|i| tree.proof(i)).collect();
    let t = Instant::now();
    for (i, s) in slices[..n].iter().enumerate() {
        anyhow::ensure!(proofs[i].verify(&meta.root, &leaf_hash(s)), "proof");
    }
    let verify = t.elapsed();
    println!(
        "crypto, 1 core: decrypt_slice     {:>8.1} MiB/s",
        mib_per_sec(bytes, decrypt)
    );
    println!(
        "crypto, 1 core: leaf_hash+verify  {:>8.1} MiB/s",
        mib_per_sec(bytes, verify)
    );
    println!(
        "crypto, 1 core: both (ceiling)    {:>8.1} MiB/s",
        mib_per_sec(bytes, decrypt + verify)
    );
    Ok(())
}

async fn tcp_echo(bytes: u64) -> Result<()> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let at = listener.local_addr()?;
    let server = tokio::spawn(async move {
        let (mut s, _) = listener.accept().await?;
        let (mut r, mut w) = s.split();
        tokio::io::copy(&mut r, &mut w).await?;
        Ok::<_, io::Error>(())
    });
    let stream = tokio::net::TcpStream::connect(at).await?;
    stream.set_nodelay(true)?;
    let (mut r, mut w) = stream.into_split();
    let t = Instant::now();
    let writer = tokio::spawn(async move {
        let chunk = vec![0x5au8; 1 << 20];
        let mut left = bytes;
        while left > 0 {
            let n = left.min(chunk.len() as u64) as usize;
            w.write_all(&chunk[..n]).await?;
            left -= n as u64;
        }
        w.shutdown().await?;
        Ok::<_, io::Error>(())
    });
    let mut buf = vec![0u8; 1 << 20];
    let mut got = 0u64;
    while got < bytes {
        let n = r.read(&mut buf).await?;
        if n == 0 {
            break;
        }
        got += n as u64;
    }
    let elapsed = t.elapsed();
    writer.await??;
    server.await??;
    anyhow::ensure!(got == bytes, "echo returned {got} of {bytes} bytes");
    println!(
        "raw TCP loopback echo:            {:>8.1} MiB/s",
        mib_per_sec(bytes, elapsed)
    );
    Ok(())
}

/// An `AsyncWrite` that discards plaintext and records when the first byte came.
struct TimedSink {
    first: Arc<Mutex<Option<Instant>>>,
    written: u64,
}

impl AsyncWrite for TimedSink {
    fn poll_write(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        if self.written == 0 && !buf.is_empty() {
            if let Ok(mut f) = self.first.lock() {
                f.get_or_insert_with(Instant::now);
            }
        }
        self.written += buf.len() as u64;
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}
