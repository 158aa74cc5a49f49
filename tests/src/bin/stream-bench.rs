//! The streaming gateway's benchmark (issue 16's targets): not a test, a program that
//! prints each figure beside a baseline measured in the same run.
//!
//! ```text
//! cargo build -p weaved -p weave-e2e --bins
//! target/debug/stream-bench            # WEAVE_BENCH_MIB=1024 by default
//! ```
//!
//! Three real nodes of one chain on loopback: A seeds, B is the viewer whose web
//! application streams, C runs `weaved content get` for the baselines.
//! 1. *Play → first frame* and *seek to an unfetched position → frame* in headless
//!    chromium on B's content page, with A serving at most `THROTTLE` slices a second
//!    (so that the seek target is not fetched yet when the seek happens). Baselines:
//!    C's in-order `content get` from the same throttled A — how long until its
//!    stream reaches the seek target, and the whole file (download, then play).
//! 2. *Throughput*, A unthrottled: the gateway on B serving a `WEAVE_BENCH_MIB` file
//!    (`GET /media/{id}`, first byte to last), against `weaved content get` of the
//!    same file on C, each from A alone.
#![allow(clippy::unwrap_used, clippy::disallowed_methods, missing_docs)]

use std::{
    io::{Read, Write},
    path::Path,
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use serde_json::json;
use weave_e2e::{browser::Browser, Node, TEST_FEES};

/// Slices per second A serves during the video part.
const THROTTLE: u32 = 12;

fn weaved(home: &Node, node: &Node, args: &[&str]) -> Command {
    let mut c = Command::new(weave_e2e::weaved_bin());
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

fn json_of(mut c: Command) -> serde_json::Value {
    let out = c.args(["--output", "json"]).output().unwrap();
    assert!(
        out.status.success(),
        "{c:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Sets A's sidecar rate limit (requests a second per peer, and the burst).
fn throttle(a: &Node, rate: u32, burst: u32) {
    let path = a.home_path().join("config/weaved.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let text: Vec<String> = text
        .lines()
        .map(|l| {
            if l.starts_with("requests_per_sec = ") {
                format!("requests_per_sec = {rate}")
            } else if l.starts_with("request_burst = ") {
                format!("request_burst = {burst}")
            } else {
                l.to_string()
            }
        })
        .collect();
    std::fs::write(&path, text.join("\n") + "\n").unwrap();
}

/// Publishes `file` from B's key ring (the creator's key) into A's sidecar.
fn publish(a: &Node, b: &Node, file: &Path, title: &str) -> (u64, String) {
    let t = Instant::now();
    let v = json_of(weaved(
        b,
        a,
        &[
            "content",
            "add",
            file.to_str().unwrap(),
            "--title",
            title,
            "--price",
            "1000",
            "--price-per-gib",
            "10",
            "--slice-size",
            "1048576",
            "--from",
            "creator",
            "--fees",
            TEST_FEES,
            "--gas",
            "400000",
            "--wait",
        ],
    ));
    eprintln!("published {title} in {:?}", t.elapsed());
    (
        v["content_id"].as_u64().unwrap(),
        v["root"].as_str().unwrap().to_string(),
    )
}

/// `weaved content get` on C, streaming to a pipe: (time until `mark` bytes have
/// arrived, time for all of them, bytes).
fn content_get(b: &Node, c: &Node, id: u64, key: &Path, mark: u64) -> (Duration, Duration, u64) {
    let start = Instant::now();
    let mut child = weaved(
        b,
        c,
        &[
            "content",
            "get",
            &id.to_string(),
            "--key-file",
            key.to_str().unwrap(),
            "--stream",
            "--quiet",
        ],
    )
    .stdout(Stdio::piped())
    .stderr(Stdio::inherit())
    .spawn()
    .unwrap();
    let mut out = child.stdout.take().unwrap();
    let mut buf = vec![0u8; 1 << 20];
    let (mut n, mut at_mark) = (0u64, None);
    loop {
        let r = out.read(&mut buf).unwrap();
        if r == 0 {
            break;
        }
        n += r as u64;
        if n >= mark && at_mark.is_none() {
            at_mark = Some(start.elapsed());
        }
    }
    assert!(child.wait().unwrap().success());
    (at_mark.unwrap_or_default(), start.elapsed(), n)
}

/// Waits until `node` has the content: it may trail A by a few blocks, or more after a
/// restart.
fn wait_until_node_has(b: &Node, node: &Node, id: u64, timeout: Duration) {
    let t = Instant::now();
    while !weaved(b, node, &["query", "content", "get", &id.to_string()])
        .output()
        .unwrap()
        .status
        .success()
    {
        assert!(
            t.elapsed() < timeout,
            "the node on gRPC port {} never saw content {id}",
            node.ports.grpc
        );
        std::thread::sleep(Duration::from_millis(300));
    }
}

/// `GET /media/{id}` from B's gateway, read to the end: (first byte, all, bytes).
fn gateway_get(b: &Node, id: u64, cookie: &str) -> (Duration, Duration, u64) {
    let port = b.ports.web;
    let start = Instant::now();
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(
        s,
        "GET /media/{id} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n{cookie}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut buf = vec![0u8; 1 << 20];
    let (mut n, mut first) = (0u64, None);
    loop {
        let r = s.read(&mut buf).unwrap();
        if r == 0 {
            break;
        }
        if first.is_none() {
            first = Some(start.elapsed());
            let head = String::from_utf8_lossy(&buf[..r.min(400)]).to_string();
            assert!(
                head.starts_with("HTTP/1.1 200"),
                "the gateway answered {head}"
            );
        }
        n += r as u64;
    }
    (first.unwrap_or_default(), start.elapsed(), n)
}

fn mib_s(bytes: u64, d: Duration) -> f64 {
    bytes as f64 / (1 << 20) as f64 / d.as_secs_f64()
}

fn main() {
    if std::env::var_os("WEAVED_BIN").is_none() {
        let exe = std::env::current_exe().unwrap();
        std::env::set_var("WEAVED_BIN", exe.parent().unwrap().join("weaved"));
    }
    let mib: u64 = std::env::var("WEAVE_BENCH_MIB")
        .ok()
        .and_then(|m| m.parse().ok())
        .unwrap_or(1024);
    let files = tempfile::tempdir().unwrap();

    eprintln!("starting nodes A (seeder, throttled), B (gateway), C (baseline)");
    let mut a = Node::init("bench-stream").unwrap();
    throttle(&a, THROTTLE, 2);
    a.start().unwrap();
    let mut b = Node::join(&a).unwrap();
    b.start().unwrap();
    let mut c = Node::join(&a).unwrap();
    c.start().unwrap();
    let creator = b.add_key("creator");
    a.tx(&["bank", "send", "validator", &creator, "100000000uweave"]);
    while b.balance(&creator) == 0 {
        std::thread::sleep(Duration::from_millis(300));
    }

    // A 30-second 640x360 video at 6 Mbit/s, in 1 MiB slices.
    eprintln!("making the video");
    let video = files.path().join("bench.mp4");
    let ok = Command::new(weave_e2e::browser::require_ffmpeg())
        .args(["-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi"])
        .args(["-i", "testsrc2=duration=30:size=640x360:rate=24"])
        .args(["-vf", "noise=alls=60:allf=t"])
        .args([
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-pix_fmt",
            "yuv420p",
        ])
        .args(["-b:v", "6M", "-maxrate", "6M", "-bufsize", "2M"])
        .args(["-g", "24", "-movflags", "+faststart"])
        .arg(&video)
        .status()
        .unwrap()
        .success();
    assert!(ok, "ffmpeg failed");
    let video_len = std::fs::metadata(&video).unwrap().len();
    let (vid, vroot) = publish(&a, &b, &video, "Bench video");
    let vkey = b.home_path().join(format!("content-keys/{vroot}.key"));

    // 1. In the browser, on B.
    let browser = Browser::start();
    let port = b.ports.web;
    let token = std::fs::read_to_string(b.home_path().join("web-token"))
        .unwrap()
        .trim()
        .to_string();
    let base = format!("http://127.0.0.1:{port}");
    browser.goto(&format!("{base}/?token={token}"));
    browser.navigating(|br| {
        br.js(
            "const s = document.getElementById('account'); s.value = 'creator'; \
             document.getElementById('account-form').submit()",
            json!([]),
        );
    });
    // B may be a block or two behind A.
    let t = Instant::now();
    loop {
        browser.goto(&format!("{base}/content/{vid}"));
        if browser.exists("#player") {
            break;
        }
        assert!(t.elapsed() < Duration::from_secs(60), "no player on B");
        std::thread::sleep(Duration::from_millis(500));
    }
    let m = browser.js_async(
        "const done = arguments[arguments.length - 1];\
         const v = document.getElementById('player'); v.muted = true;\
         const frame = (cb) => v.requestVideoFrameCallback(() => cb());\
         const t0 = performance.now();\
         v.play().catch(e => done({err: String(e)}));\
         frame(() => { const play = performance.now() - t0;\
           fetch(document.getElementById('live').dataset.status).then(r => r.json()).then(s => {\
             const target = v.duration * 0.9; const t1 = performance.now();\
             v.addEventListener('seeked', () => frame(() => done({play, seek: performance.now() - t1,\
               ready: s.slices_ready, total: s.slices_total, target, duration: v.duration})), {once: true});\
             v.currentTime = target; }); });",
        json!([]),
    );
    assert!(m.get("err").is_none(), "{m}");
    let play_ms = m["play"].as_f64().unwrap();
    let seek_ms = m["seek"].as_f64().unwrap();
    let target = m["target"].as_f64().unwrap() / m["duration"].as_f64().unwrap();
    let seek_offset = (video_len as f64 * target) as u64;
    eprintln!("video: {m}");
    drop(browser);
    b.stop();

    // Baseline on C, from the same throttled A only.
    eprintln!("baseline: content get of the video on C");
    wait_until_node_has(&b, &c, vid, Duration::from_secs(60));
    let (to_seek, whole, n) = content_get(&b, &c, vid, &vkey, seek_offset);
    assert_eq!(n, video_len);
    eprintln!("baseline: {to_seek:?} to the seek target, {whole:?} in all");

    // 2. Throughput, A unthrottled.
    eprintln!("making and publishing a {mib} MiB file");
    let big = files.path().join("big.bin");
    {
        let mut f = std::io::BufWriter::new(std::fs::File::create(&big).unwrap());
        let mut block = vec![0u8; 1 << 20];
        for i in 0..mib {
            for (j, x) in block.iter_mut().enumerate() {
                *x =
                    ((i as u32).wrapping_mul(2_654_435_761) ^ (j as u32).wrapping_mul(40503)) as u8;
            }
            f.write_all(&block).unwrap();
        }
    }
    a.stop();
    throttle(&a, 2000, 256);
    a.start().unwrap();
    let (bid, broot) = publish(&a, &b, &big, "Bench file");
    let bkey = b.home_path().join(format!("content-keys/{broot}.key"));
    std::fs::remove_file(&big).unwrap();
    wait_until_node_has(&b, &c, bid, Duration::from_secs(60));
    eprintln!("content get of the file on C");
    let (_, get_time, get_n) = content_get(&b, &c, bid, &bkey, 0);
    eprintln!(
        "content get: {get_n} bytes in {get_time:?} ({:.1} MiB/s)",
        mib_s(get_n, get_time)
    );
    c.stop();
    b.start().unwrap();
    let cookie = format!(
        "Cookie: weave_web_{port}={token}; weave_key_{port}={}",
        "creator"
            .bytes()
            .map(|x| format!("{x:02x}"))
            .collect::<String>()
    );
    // B catches up with the chain after its restart (with a large file the content
    // get above outlasts many blocks), and its sidecar finds A again.
    wait_until_node_has(&b, &b, bid, Duration::from_secs(180));
    std::thread::sleep(Duration::from_secs(3));
    eprintln!("the gateway on B");
    let (_, gw_time, gw_n) = gateway_get(&b, bid, &cookie);
    let head = 1 << 20; // the HTTP head is a few hundred bytes; compare plaintext
    assert!(gw_n >= mib * (1 << 20) && gw_n < mib * (1 << 20) + head);

    let (gw, get) = (mib_s(gw_n, gw_time), mib_s(get_n, get_time));
    println!("stream-bench: video {:.1} MiB in 1 MiB slices, seeder throttled to {THROTTLE} slices/s; file {mib} MiB", video_len as f64 / 1048576.0);
    println!(
        "{:<44} {:>14} {:>34}",
        "figure", "gateway", "baseline (same run)"
    );
    println!(
        "{:<44} {:>11.0} ms {:>31.0} ms",
        "press play -> first frame (target < 300 ms)",
        play_ms,
        whole.as_secs_f64() * 1000.0
    );
    println!(
        "{:<44} {:>14} {:>34}",
        "", "", "(content get: whole video, then play)"
    );
    println!(
        "{:<44} {:>11.0} ms {:>31.0} ms",
        "seek to 90 % -> frame (target < 500 ms)",
        seek_ms,
        to_seek.as_secs_f64() * 1000.0
    );
    println!(
        "{:<44} {:>14} {:>34}",
        "",
        format!("{}/{} slices there", m["ready"], m["total"]),
        "(in-order fetch reaching 90 %)"
    );
    println!(
        "{:<44} {:>9.1} MiB/s {:>28.1} MiB/s",
        format!("serving {mib} MiB (target >= 80 %)"),
        gw,
        get
    );
    println!(
        "{:<44} {:>13.0} % {:>34}",
        "",
        gw / get * 100.0,
        "(weaved content get)"
    );
    b.stop();
    a.stop();
}
