//! A real browser for the web application's tests: Debian's `chromium`, headless,
//! driven over the W3C WebDriver protocol through `chromedriver` (Debian's
//! `chromium-driver`). The protocol is JSON over HTTP/1.1 on loopback, so this client
//! is a few requests over a `TcpStream` and no browser-automation dependency.
//!
//! The tests never skip: without chromium or chromedriver they fail and say how to
//! install them (`bash scripts/setup.sh`).

use std::{
    io::{Read, Write},
    net::TcpStream,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use anyhow::{bail, Context};
use serde_json::{json, Value};

use crate::free_port;

/// The key of an element reference in WebDriver answers.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// How to get the browser.
const INSTALL_HINT: &str = "the web application's browser test needs Debian's chromium, \
     chromium-driver and ffmpeg: run `bash scripts/setup.sh` (or `apt-get install chromium \
     chromium-driver ffmpeg`); WEAVE_CHROMIUM and WEAVE_CHROMEDRIVER name other binaries";

/// The first of `candidates` (an environment variable, then paths) that is a file.
fn find_binary(env: &str, names: &[&str]) -> Option<PathBuf> {
    if let Some(p) = std::env::var_os(env) {
        return Some(PathBuf::from(p)).filter(|p| p.is_file());
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain([
            PathBuf::from("/usr/bin"),
            PathBuf::from("/usr/lib/chromium"),
        ])
        .flat_map(|d| names.iter().map(move |n| d.join(n)))
        .find(|p| p.is_file())
}

/// Fails with the install hint when `ffmpeg` is missing; its path otherwise.
pub fn require_ffmpeg() -> PathBuf {
    find_binary("WEAVE_FFMPEG", &["ffmpeg"])
        .unwrap_or_else(|| panic!("ffmpeg not found: {INSTALL_HINT}"))
}

/// A headless chromium session; the session and chromedriver end on drop.
pub struct Browser {
    driver: Child,
    port: u16,
    session: String,
}

impl Drop for Browser {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let _ = self.call("DELETE", &format!("/session/{}", self.session), None);
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// Reads one HTTP/1.1 answer: its head and body (by `Content-Length`, chunked, or to the
/// end), without waiting for the server to close the connection.
fn read_answer(s: &mut TcpStream) -> anyhow::Result<(String, Vec<u8>)> {
    let mut raw = Vec::new();
    let mut buf = [0u8; 65536];
    let split = loop {
        if let Some(p) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
            break p;
        }
        let n = s.read(&mut buf)?;
        if n == 0 {
            bail!("the connection closed before the HTTP head ended");
        }
        raw.extend_from_slice(&buf[..n]);
    };
    let head = String::from_utf8_lossy(&raw[..split]).to_string();
    let mut body = raw[split + 4..].to_vec();
    let chunked = header(&head, "transfer-encoding").is_some_and(|v| v.contains("chunked"));
    match header(&head, "content-length").and_then(|v| v.parse::<usize>().ok()) {
        Some(len) if !chunked => {
            while body.len() < len {
                let n = s.read(&mut buf)?;
                if n == 0 {
                    bail!("the connection closed {} bytes short", len - body.len());
                }
                body.extend_from_slice(&buf[..n]);
            }
            body.truncate(len);
        }
        _ if chunked => {
            while !body.ends_with(b"0\r\n\r\n") {
                let n = s.read(&mut buf)?;
                if n == 0 {
                    break;
                }
                body.extend_from_slice(&buf[..n]);
            }
            body = dechunk(&body)?;
        }
        _ => {
            s.read_to_end(&mut body)?;
        }
    }
    Ok((head, body))
}

/// One HTTP/1.1 exchange with chromedriver: the status and the JSON body.
fn http(port: u16, method: &str, path: &str, body: Option<&Value>) -> anyhow::Result<(u16, Value)> {
    let mut s = TcpStream::connect(("127.0.0.1", port))?;
    s.set_read_timeout(Some(Duration::from_secs(120)))?;
    let body = body.map(Value::to_string).unwrap_or_default();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )?;
    let (head, payload) = read_answer(&mut s)?;
    let status: u16 = head
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .context("no HTTP status")?;
    let value = if payload.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&payload)
            .with_context(|| format!("{method} {path}: {}", String::from_utf8_lossy(&payload)))?
    };
    Ok((status, value))
}

/// The body of a chunked HTTP/1.1 answer.
fn dechunk(mut b: &[u8]) -> anyhow::Result<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let line_end = b
            .windows(2)
            .position(|w| w == b"\r\n")
            .context("bad chunk")?;
        let size = usize::from_str_radix(
            String::from_utf8_lossy(&b[..line_end])
                .split(';')
                .next()
                .unwrap_or("")
                .trim(),
            16,
        )?;
        b = &b[line_end + 2..];
        if size == 0 {
            return Ok(out);
        }
        out.extend_from_slice(b.get(..size).context("short chunk")?);
        b = b.get(size + 2..).context("short chunk")?;
    }
}

impl Browser {
    /// Starts chromedriver and a headless chromium session (autoplay allowed, muted).
    /// Fails with the install hint when either is missing.
    pub fn start() -> Self {
        let chromium = find_binary("WEAVE_CHROMIUM", &["chromium", "chromium-browser"])
            .unwrap_or_else(|| panic!("chromium not found: {INSTALL_HINT}"));
        let driver_bin = find_binary("WEAVE_CHROMEDRIVER", &["chromedriver"])
            .unwrap_or_else(|| panic!("chromedriver not found: {INSTALL_HINT}"));
        let port = free_port();
        let driver = Command::new(&driver_bin)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("starting {}: {e}; {INSTALL_HINT}", driver_bin.display()));
        let mut browser = Browser {
            driver,
            port,
            session: String::new(),
        };
        let start = Instant::now();
        loop {
            if let Ok((200, v)) = http(browser.port, "GET", "/status", None) {
                if v["value"]["ready"] == true {
                    break;
                }
            }
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "chromedriver did not start: {INSTALL_HINT}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chromium.display().to_string(),
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu",
                         "--disable-dev-shm-usage", "--autoplay-policy=no-user-gesture-required",
                         "--mute-audio", "--window-size=1280,900", "--no-first-run"]
            }
        }}});
        let v = browser
            .call("POST", "/session", Some(caps))
            .unwrap_or_else(|e| panic!("opening a chromium session: {e:#}; {INSTALL_HINT}"));
        browser.session = v["sessionId"].as_str().expect("a session id").to_string();
        browser
            .call(
                "POST",
                &browser.path("/timeouts"),
                Some(json!({"script": 90_000, "pageLoad": 60_000})),
            )
            .expect("setting timeouts");
        browser
    }

    fn path(&self, rest: &str) -> String {
        format!("/session/{}{rest}", self.session)
    }

    fn call(&self, method: &str, path: &str, body: Option<Value>) -> anyhow::Result<Value> {
        let (status, v) = http(self.port, method, path, body.as_ref())?;
        if status != 200 {
            bail!("WebDriver {method} {path}: {status} {}", v["value"]);
        }
        Ok(v["value"].clone())
    }

    /// Opens `url` and waits for it to load.
    pub fn goto(&self, url: &str) {
        self.call("POST", &self.path("/url"), Some(json!({ "url": url })))
            .unwrap_or_else(|e| panic!("opening {url}: {e:#}"));
    }

    /// The page's URL.
    pub fn url(&self) -> String {
        self.call("GET", &self.path("/url"), None)
            .expect("the URL")
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// Runs `script` (a function body; `arguments` holds `args`) and returns its value.
    /// A script that fails while the page is being replaced (a reload) is run again.
    pub fn js(&self, script: &str, args: Value) -> Value {
        let body = json!({ "script": script, "args": args });
        let mut tries = 0;
        loop {
            match self.call("POST", &self.path("/execute/sync"), Some(body.clone())) {
                Ok(v) => return v,
                Err(e) if tries < 10 => {
                    tries += 1;
                    eprintln!("retrying a script ({e:#})");
                    std::thread::sleep(Duration::from_millis(300));
                }
                Err(e) => panic!("script failed: {e:#}\n{script}"),
            }
        }
    }

    /// Runs `script`, which ends by calling `arguments[arguments.length - 1](value)`.
    pub fn js_async(&self, script: &str, args: Value) -> Value {
        self.call(
            "POST",
            &self.path("/execute/async"),
            Some(json!({ "script": script, "args": args })),
        )
        .unwrap_or_else(|e| panic!("async script failed: {e:#}\n{script}"))
    }

    /// The element matching `css`, failing the test if there is none.
    fn element(&self, css: &str) -> String {
        let v = self
            .call(
                "POST",
                &self.path("/element"),
                Some(json!({"using": "css selector", "value": css})),
            )
            .unwrap_or_else(|e| panic!("no element {css:?}: {e:#}\npage: {}", self.text("body")));
        v[ELEMENT].as_str().expect("an element id").to_string()
    }

    /// Whether an element matches `css`.
    pub fn exists(&self, css: &str) -> bool {
        self.js(
            "return document.querySelector(arguments[0]) !== null",
            json!([css]),
        ) == true
    }

    /// Waits until an element matches `css`.
    pub fn wait_for(&self, css: &str, timeout: Duration) {
        let start = Instant::now();
        while !self.exists(css) {
            assert!(
                start.elapsed() < timeout,
                "timed out waiting for {css:?} at {}; page: {}",
                self.url(),
                self.text("body")
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// The text of the element matching `css` ("" if none).
    pub fn text(&self, css: &str) -> String {
        self.js(
            "const e = document.querySelector(arguments[0]); return e ? e.innerText : ''",
            json!([css]),
        )
        .as_str()
        .unwrap_or_default()
        .to_string()
    }

    /// An attribute of the element matching `css`.
    pub fn attr(&self, css: &str, name: &str) -> Option<String> {
        self.js(
            "const e = document.querySelector(arguments[0]); return e ? e.getAttribute(arguments[1]) : null",
            json!([css, name]),
        )
        .as_str()
        .map(str::to_string)
    }

    /// Types `text` into the field matching `css`, replacing what it held.
    pub fn fill(&self, css: &str, text: &str) {
        let id = self.element(css);
        self.call(
            "POST",
            &self.path(&format!("/element/{id}/clear")),
            Some(json!({})),
        )
        .expect("clearing a field");
        self.call(
            "POST",
            &self.path(&format!("/element/{id}/value")),
            Some(json!({ "text": text })),
        )
        .expect("typing");
    }

    /// Chooses `file` in the file input matching `css` (as a person picking it).
    pub fn choose_file(&self, css: &str, file: &Path) {
        let id = self.element(css);
        self.call(
            "POST",
            &self.path(&format!("/element/{id}/value")),
            Some(json!({ "text": file.display().to_string() })),
        )
        .unwrap_or_else(|e| panic!("choosing {} in {css:?}: {e:#}", file.display()));
    }

    /// Clicks the element matching `css`.
    pub fn click(&self, css: &str) {
        let id = self.element(css);
        self.call(
            "POST",
            &self.path(&format!("/element/{id}/click")),
            Some(json!({})),
        )
        .unwrap_or_else(|e| panic!("clicking {css:?}: {e:#}"));
    }

    /// Runs `action` (a click or a script that navigates) and waits until the next page
    /// has loaded.
    pub fn navigating(&self, action: impl FnOnce(&Self)) {
        self.js("window.__weaveOldPage = true", json!([]));
        action(self);
        let start = Instant::now();
        loop {
            let done = self.call(
                "POST",
                &self.path("/execute/sync"),
                Some(json!({"script": "return window.__weaveOldPage !== true && document.readyState === 'complete'", "args": []})),
            );
            if matches!(done, Ok(Value::Bool(true))) {
                return;
            }
            assert!(
                start.elapsed() < Duration::from_secs(90),
                "the page did not change after the action"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Saves a PNG of the window.
    pub fn screenshot(&self, file: &Path) {
        let v = self
            .call("GET", &self.path("/screenshot"), None)
            .expect("a screenshot");
        use base64::Engine;
        let png = base64::engine::general_purpose::STANDARD
            .decode(v.as_str().expect("base64 PNG"))
            .expect("base64 PNG");
        if let Some(dir) = file.parent() {
            std::fs::create_dir_all(dir).expect("the screenshot directory");
        }
        std::fs::write(file, png).expect("writing the screenshot");
    }
}

/// A raw HTTP/1.1 request to the web application (`extra` headers as lines), for what a
/// browser does not show: status, headers and exact bytes.
pub fn web_request(
    port: u16,
    path: &str,
    method: &str,
    extra: &[String],
) -> anyhow::Result<(u16, String, Vec<u8>)> {
    let mut s = TcpStream::connect(("127.0.0.1", port))?;
    s.set_read_timeout(Some(Duration::from_secs(60)))?;
    let mut req =
        format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n");
    for h in extra {
        req.push_str(h);
        req.push_str("\r\n");
    }
    req.push_str("Content-Length: 0\r\n\r\n");
    s.write_all(req.as_bytes())?;
    let (head, body) = read_answer(&mut s)?;
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .context("no HTTP status")?;
    Ok((status, head, body))
}

/// The value of header `name` in an HTTP head.
pub fn header(head: &str, name: &str) -> Option<String> {
    head.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.trim()
            .eq_ignore_ascii_case(name)
            .then(|| v.trim().to_string())
    })
}

/// Where the browser tests keep their screenshots: `$WEAVE_WEB_SCREENSHOTS`, else
/// `target/web-screenshots` in the workspace.
pub fn screenshots_dir() -> PathBuf {
    std::env::var_os("WEAVE_WEB_SCREENSHOTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .parent()
                .unwrap_or(Path::new("."))
                .join("target/web-screenshots")
        })
}

/// A `seconds`-long 320×240 test pattern at 24 fps made with ffmpeg, as
/// `dir/<stem>.mp4` (H.264 with its index at the front, `+faststart`) or, if `webm`,
/// `dir/<stem>.webm` (VP8 at `vp8_bitrate`).
pub fn make_test_video(
    dir: &Path,
    stem: &str,
    seconds: u32,
    webm: bool,
    vp8_bitrate: &str,
) -> PathBuf {
    let out = dir.join(format!("{stem}.{}", if webm { "webm" } else { "mp4" }));
    let mut cmd = Command::new(require_ffmpeg());
    cmd.args(["-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi"])
        .args([
            "-i",
            &format!("testsrc=duration={seconds}:size=320x240:rate=24"),
        ]);
    if webm {
        cmd.args(["-c:v", "libvpx", "-b:v", vp8_bitrate, "-g", "24"]);
    } else {
        cmd.args([
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-pix_fmt",
            "yuv420p",
        ])
        .args(["-g", "24", "-movflags", "+faststart"]);
    }
    let status = cmd.arg(&out).status();
    assert!(
        status.is_ok_and(|s| s.success()),
        "ffmpeg could not make the test video"
    );
    out
}

/// Selects the account `name` in the web application's account bar.
pub fn select_account(browser: &Browser, name: &str) {
    browser.navigating(|br| {
        br.js(
            "const s = document.getElementById('account'); s.value = arguments[0]; \
             document.getElementById('account-form').submit()",
            json!([name]),
        );
    });
}
