//! Throughput figures for the slice sidecar, printed in MiB/s (a `harness = false`
//! bench: it runs each measurement once, at full size).
//!
//! ```text
//! cargo bench -p weave-sidecar --bench transfer
//! WEAVE_BENCH_BYTES=268435456 cargo bench -p weave-sidecar --bench transfer
//! WEAVE_BENCH_FSYNC=0 WEAVE_BENCH_TRANSPORTS=tcp WEAVE_BENCH_REPEAT=4 cargo bench ...
//! ```
//!
//! - `crypto`: the single-core ceiling the issue defines: `decrypt_slice` (the AEAD
//!   open) plus `leaf_hash` and proof verification (the BLAKE3 check a downloader
//!   does), one after the other on one core over 1 MiB slices, best of three runs.
//!   Transfers are reported as a percentage of it.
//! - `tcp echo`: a tokio TCP echo of the transfer size over loopback.
//! - `seeder import`: the seeder's store verifies and writes every slice.
//! - `download`: a fresh sidecar downloads the whole content from the seeder over
//!   `/weave/slice/1`, through real libp2p connections, on QUIC (TLS 1.3) and on
//!   TCP + noise + yamux, verifying every slice against the root and storing it
//!   (fsync per slice unless `WEAVE_BENCH_FSYNC=0`).
//! - `streaming`: the same with plaintext streaming (every slice also decrypted and
//!   written out in order): the rate, and the time to the first plaintext byte.
//!
//! Every phase also prints the CPU it cost: the cores this process kept busy (and the
//! whole machine, to show when something else competed), and CPU milliseconds per
//! MiB moved. Both sidecars run in this one process on one tokio runtime, so on a
//! machine of N cores the seeder and the downloader share those N cores: each byte
//! is encrypted, sent, received, decrypted, hashed and written on the same cores.
//! Between real machines each side has its own.
//!
//! Knobs: `WEAVE_BENCH_BYTES` (transfer size, default 1 GiB; the sealed content is
//! held in memory, and every download writes it to disk under the system temporary
//! directory, deleted after each run), `WEAVE_BENCH_FSYNC` (0 turns fsync off),
//! `WEAVE_BENCH_TRANSPORTS` (`tcp`, `quic` or `quic,tcp`, the default),
//! `WEAVE_BENCH_STREAM` (0 skips the streaming downloads), `WEAVE_BENCH_REPEAT`
//! (downloads per transport; the first in a process is often the slowest) and
//! `WEAVE_BENCH_WORKERS` (tokio worker threads; default one per core).

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

/// Process CPU time (user + system, every thread), from `/proc/self/stat`; `None`
/// where that file does not exist.
fn cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the parenthesised command name; utime and stime are the 14th and
    // 15th fields of the line, in clock ticks of 1/100 s (USER_HZ on Linux).
    let rest = stat.rsplit_once(')')?.1;
    let mut fields = rest.split_whitespace().skip(11);
    let utime: u64 = fields.next()?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some(Duration::from_millis((utime + stime) * 10))
}

/// CPU time every process on the machine has used (user, system, interrupts), from
/// `/proc/stat`: to tell when something else was competing for the cores.
fn machine_cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let line = stat.lines().next()?.strip_prefix("cpu ")?;
    let f: Vec<u64> = line
        .split_whitespace()
        .map(|x| x.parse().ok())
        .collect::<Option<_>>()?;
    // user nice system idle iowait irq softirq steal ...
    let busy = f.first()? + f.get(1)? + f.get(2)? + f.get(5)? + f.get(6)?;
    Some(Duration::from_millis(busy * 10))
}

/// Wall and CPU time of one measured phase.
struct Timer {
    wall: Instant,
    cpu: Option<Duration>,
    machine: Option<Duration>,
}

/// What a phase cost: wall time, and the cores this process and the whole machine
/// kept busy meanwhile.
struct Cost {
    wall: Duration,
    cores: Option<f64>,
    machine_cores: Option<f64>,
}

impl Timer {
    fn start() -> Timer {
        Timer {
            cpu: cpu_time(),
            machine: machine_cpu_time(),
            wall: Instant::now(),
        }
    }

    fn stop(&self) -> Cost {
        let wall = self.wall.elapsed();
        let rate = |a: Option<Duration>, b: Option<Duration>| match (a, b) {
            (Some(a), Some(b)) => Some(b.saturating_sub(a).as_secs_f64() / wall.as_secs_f64()),
            _ => None,
        };
        Cost {
            wall,
            cores: rate(self.cpu, cpu_time()),
            machine_cores: rate(self.machine, machine_cpu_time()),
        }
    }
}

impl Cost {
    /// "n cores busy (m machine-wide), x ms CPU per MiB" for `bytes` moved.
    fn describe(&self, bytes: u64) -> String {
        let Some(cores) = self.cores else {
            return String::new();
        };
        let machine = self
            .machine_cores
            .map_or_else(String::new, |m| format!(" ({m:.2} machine-wide)"));
        let per_mib = cores * self.wall.as_secs_f64() * 1000.0 / (bytes as f64 / MIB);
        format!(", {cores:.2} cores busy{machine}, {per_mib:.2} ms CPU/MiB")
    }
}

/// One transport the bench measures.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Transport {
    /// TCP + noise (ChaCha20-Poly1305) + yamux.
    Tcp,
    /// QUIC v1 (TLS 1.3 inside QUIC).
    Quic,
}

impl Transport {
    fn name(self) -> &'static str {
        match self {
            Transport::Tcp => "tcp+noise+yamux",
            Transport::Quic => "quic",
        }
    }

    fn matches(self, addr: &weave_sidecar::Multiaddr) -> bool {
        let quic = addr.to_string().contains("/quic-v1");
        quic == (self == Transport::Quic)
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
    let transports: Vec<Transport> = match std::env::var("WEAVE_BENCH_TRANSPORTS") {
        Err(_) => vec![Transport::Quic, Transport::Tcp],
        Ok(v) => v
            .split(',')
            .map(|t| match t.trim() {
                "tcp" => Ok(Transport::Tcp),
                "quic" => Ok(Transport::Quic),
                other => Err(anyhow!(
                    "WEAVE_BENCH_TRANSPORTS: unknown transport {other:?}"
                )),
            })
            .collect::<Result<_>>()?,
    };
    let streaming = env_u64("WEAVE_BENCH_STREAM", 1)? != 0;
    let repeat = env_u64("WEAVE_BENCH_REPEAT", 1)?.max(1);
    let workers = env_u64("WEAVE_BENCH_WORKERS", 0)?;
    println!(
        "weave-sidecar transfer bench: {:.0} MiB, {} KiB slices, fsync {}, {} cores",
        bytes as f64 / MIB,
        DEFAULT_SLICE_SIZE / 1024,
        if fsync { "on" } else { "off" },
        std::thread::available_parallelism().map_or(0, |n| n.get()),
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
    drop(plaintext);

    let ceiling = crypto_ceiling(&key, &slices, &tree, &meta)?;
    let of_ceiling = |rate: f64| format!("{:>3.0}% of ceiling", 100.0 * rate / ceiling);

    let mut runtime = tokio::runtime::Builder::new_multi_thread();
    if workers > 0 {
        runtime.worker_threads(usize::try_from(workers)?);
    }
    let runtime = runtime.enable_all().build()?;
    runtime.block_on(async {
        tcp_echo(bytes).await?;
        let tmp = tempfile::tempdir()?;
        let store_options = StoreOptions { fsync };
        let start = |name: &str| {
            let mut config = SidecarConfig::new(tmp.path().join(name));
            config.listen = vec![
                "/ip4/127.0.0.1/udp/0/quic-v1".parse().expect("a multiaddr"),
                weave_sidecar::loopback_tcp(),
            ];
            config.store_options = store_options;
            Sidecar::start(config)
        };
        let a = start("seeder").await?;
        let t = Timer::start();
        {
            let (a, slices) = (a.clone(), slices);
            tokio::task::spawn_blocking(move || a.store().import_sealed(&meta, &slices, &tree))
                .await??;
        }
        let cost = t.stop();
        let elapsed = cost.wall;
        println!(
            "seeder import (verify + write):   {:>8.1} MiB/s{}",
            mib_per_sec(bytes, elapsed),
            cost.describe(bytes)
        );
        a.seed(meta.root).await?;

        let runs = || (0..repeat).flat_map(|_| transports.iter().copied());
        for transport in runs() {
            let a_addr = addr(&a, transport).await?;
            let b = start(&format!("plain-{}", transport.name())).await?;
            b.dial(a_addr).await?;
            let t = Timer::start();
            let report = b.download(meta, DownloadOptions::default()).await?;
            let cost = t.stop();
            let elapsed = cost.wall;
            anyhow::ensure!(report.slices_fetched == meta.slice_count, "incomplete");
            let rate = mib_per_sec(report.bytes_fetched, elapsed);
            println!(
                "download, {:<16}       {rate:>8.1} MiB/s  {}  ({} slices in {:.2?}{})",
                transport.name(),
                of_ceiling(rate),
                report.slices_fetched,
                elapsed,
                cost.describe(report.bytes_fetched)
            );
            b.shutdown().await?;
            // Free the disk space (the kernel's page cache with it) for the next run.
            std::fs::remove_dir_all(b.store().dir())?;
        }

        for transport in runs().filter(|_| streaming) {
            let a_addr = addr(&a, transport).await?;
            let c = start(&format!("stream-{}", transport.name())).await?;
            c.dial(a_addr).await?;
            let first = Arc::new(Mutex::new(None));
            let sink = TimedSink {
                first: first.clone(),
                written: 0,
            };
            let t = Timer::start();
            let report = c
                .download(
                    meta,
                    DownloadOptions {
                        stream: Some(PlaintextStream::new(key.clone(), sink)),
                        ..DownloadOptions::default()
                    },
                )
                .await?;
            let cost = t.stop();
            let elapsed = cost.wall;
            anyhow::ensure!(
                report.plaintext_written == meta.plaintext_len,
                "short stream"
            );
            let first = first
                .lock()
                .map_err(|_| anyhow!("lock"))?
                .ok_or_else(|| anyhow!("nothing streamed"))?;
            let rate = mib_per_sec(report.bytes_fetched, elapsed);
            println!(
                "streaming, {:<16}      {rate:>8.1} MiB/s  {}  (first byte after {:.2?}{})",
                transport.name(),
                of_ceiling(rate),
                first.duration_since(t.wall),
                cost.describe(report.bytes_fetched)
            );
            c.shutdown().await?;
            std::fs::remove_dir_all(c.store().dir())?;
        }
        a.shutdown().await?;
        Ok::<_, anyhow::Error>(())
    })?;
    Ok(())
}

/// The node's listen address on `transport`, with its peer id.
async fn addr(node: &SidecarHandle, transport: Transport) -> Result<weave_sidecar::Multiaddr> {
    let a = node
        .listen_addrs()
        .await?
        .into_iter()
        .find(|a| transport.matches(a))
        .ok_or_else(|| anyhow!("not listening on {}", transport.name()))?;
    a.with_p2p(node.peer_id()).map_err(|_| anyhow!("address"))
}

fn crypto_ceiling(
    key: &ContentKey,
    slices: &[Vec<u8>],
    tree: &weave_slices::MerkleTree,
    meta: &weave_slices::MetaHash,
) -> Result<f64> {
    // At most 256 MiB of slices, best of three runs: the ceiling is what one core can
    // do, so the least disturbed run is the right figure (and the hardest to beat).
    let n = slices.len().min(256);
    let bytes: u64 = slices[..n].iter().map(|s| s.len() as u64).sum();
    let proofs: Vec<_> = (0..n as u64).filter_map(|i| tree.proof(i)).collect();
    let (mut decrypt, mut verify) = (Duration::MAX, Duration::MAX);
    for _ in 0..3 {
        let t = Instant::now();
        for (i, s) in slices[..n].iter().enumerate() {
            std::hint::black_box(decrypt_slice(key, i as u64, s)?);
        }
        decrypt = decrypt.min(t.elapsed());
        let t = Instant::now();
        for (i, s) in slices[..n].iter().enumerate() {
            anyhow::ensure!(proofs[i].verify(&meta.root, &leaf_hash(s)), "proof");
        }
        verify = verify.min(t.elapsed());
    }
    println!(
        "crypto, 1 core: decrypt_slice     {:>8.1} MiB/s",
        mib_per_sec(bytes, decrypt)
    );
    println!(
        "crypto, 1 core: leaf_hash+verify  {:>8.1} MiB/s",
        mib_per_sec(bytes, verify)
    );
    let ceiling = mib_per_sec(bytes, decrypt + verify);
    println!("crypto, 1 core: both (ceiling)    {ceiling:>8.1} MiB/s");
    Ok(ceiling)
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
    let t = Timer::start();
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
    let cost = t.stop();
    let elapsed = cost.wall;
    writer.await??;
    server.await??;
    anyhow::ensure!(got == bytes, "echo returned {got} of {bytes} bytes");
    println!(
        "raw TCP loopback echo:            {:>8.1} MiB/s{}",
        mib_per_sec(bytes, elapsed),
        cost.describe(bytes)
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
