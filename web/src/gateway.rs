//! The streaming gateway: `GET /media/{content_id}` with HTTP `Range`.
//!
//! The first request for a content opens its key as the selected account holds it and
//! has the node's sidecar fetch it in `any_order` mode: slices from many seeders at
//! once, each verified against the registered root, decrypted with the key and handed
//! over as soon as each one is present, the slices at and after the *focus* first.
//! Each slice's plaintext is written at its place in a private cache file
//! (`<home>/data/web-cache`, mode 0600, emptied when the node starts), and a range is
//! answered from that file slice by slice as soon as the slices it covers are there.
//!
//! The focus is the play position: the fetch starts at the slice the first range asks
//! for, and whenever a range waits for a slice that is not there yet (a seek to a part
//! not fetched) the gateway moves the fetch's focus to it (`Focus`), so the slices
//! that cover it come next from every seeder, and then the ones ahead of it
//! (prefetch), before anything behind. A seek never waits for the whole download.
//!
//! With a payment channel (`?channel=N`) seeders that want payment are paid per
//! verified slice with the account's voucher key, exactly as `weaved content get
//! --channel` pays them; the status (`/media/{id}/status`) reports slices verified,
//! peers, rate and what the vouchers have paid so far.
//!
//! Answers: `206` with the exact bytes and `Content-Range`, `200` without a `Range`,
//! `416` for a range outside the content or a malformed one; always
//! `Accept-Ranges: bytes`, `Content-Length` and the metadata's `Content-Type`.

use std::{
    collections::{BTreeMap, BTreeSet},
    os::unix::fs::{FileExt, OpenOptionsExt, PermissionsExt},
    path::PathBuf,
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc, Mutex,
    },
    time::Duration,
};

use axum::{
    body::Body,
    http::{header, StatusCode},
    response::{IntoResponse, Response},
};
use bytes::Bytes;
use tokio::sync::watch;
use weave_proto::weave::sidecar::v1::{fetch_event::Event, FetchRequest, FocusRequest};

/// The most a body chunk holds.
const CHUNK: u64 = 256 * 1024;

/// How long a range waits for the fetch to make progress before the answer is cut.
const STALL_TIMEOUT: Duration = Duration::from_secs(60);

/// What a fetch has done so far.
#[derive(Debug, Clone, Default)]
pub(crate) struct Progress {
    /// Plaintext bytes in the cache file (anywhere in it).
    pub(crate) written: u64,
    /// Slices whose plaintext is all in the cache file.
    pub(crate) slices_ready: u64,
    /// Slices verified, of all.
    pub(crate) slices_done: u64,
    pub(crate) slices_total: u64,
    /// Peers the sidecar fetches from now, and its rate.
    pub(crate) peers: u32,
    pub(crate) bytes_per_sec: u64,
    /// With a payment channel: plaintext bytes paid with vouchers, and what they promise.
    pub(crate) bytes_paid: u64,
    pub(crate) amount_promised: String,
    /// The fetch is complete.
    pub(crate) done: bool,
    /// The fetch failed, and why.
    pub(crate) failed: Option<String>,
}

/// Which slices of a stream are in the cache file.
#[derive(Debug)]
pub(crate) struct Slices {
    /// Plaintext bytes of each slice (the last may be shorter).
    slice_size: u64,
    len: u64,
    /// Bytes written of each slice.
    received: Vec<u64>,
}

impl Slices {
    pub(crate) fn new(len: u64, slice_size: u64) -> Self {
        let count = if slice_size == 0 {
            0
        } else {
            len.div_ceil(slice_size)
        };
        Self {
            slice_size: slice_size.max(1),
            len,
            received: vec![0; usize::try_from(count).unwrap_or(0)],
        }
    }

    /// The slice byte `pos` lies in.
    pub(crate) fn of(&self, pos: u64) -> u64 {
        pos / self.slice_size
    }

    fn expected(&self, index: u64) -> u64 {
        let start = index.saturating_mul(self.slice_size);
        self.len.saturating_sub(start).min(self.slice_size)
    }

    /// `n` more bytes of slice `index` written; whether that completed it.
    fn add(&mut self, index: u64, n: u64) -> bool {
        let expected = self.expected(index);
        match self.received.get_mut(index as usize) {
            Some(r) if *r < expected => {
                *r = (*r + n).min(expected);
                *r == expected
            }
            _ => false,
        }
    }

    /// Whether slice `index` is all there.
    pub(crate) fn ready(&self, index: u64) -> bool {
        self.received
            .get(index as usize)
            .is_some_and(|r| *r == self.expected(index))
    }

    /// How many bytes from `pos` on are there without a gap (up to the slice end
    /// of the contiguous ready run).
    fn available_from(&self, pos: u64) -> u64 {
        let mut index = self.of(pos);
        while self.ready(index) {
            index += 1;
        }
        index
            .saturating_mul(self.slice_size)
            .min(self.len)
            .saturating_sub(pos)
    }
}

/// One content being (or having been) fetched into the cache.
pub(crate) struct Stream {
    pub(crate) file: std::fs::File,
    pub(crate) len: u64,
    pub(crate) mime: String,
    pub(crate) progress: watch::Receiver<Progress>,
    pub(crate) slices: Arc<Mutex<Slices>>,
    /// The running fetch's id (0 until it has started), to move its focus.
    fetch_id: Arc<AtomicU64>,
    /// The slice the fetch was last told to bring first.
    focus: AtomicU64,
    sidecar: Option<weave_client::sidecar_auth::LocalSidecar>,
}

impl Stream {
    fn ready(&self, index: u64) -> bool {
        self.slices.lock().map(|s| s.ready(index)).unwrap_or(false)
    }

    fn available_from(&self, pos: u64) -> u64 {
        self.slices
            .lock()
            .map(|s| s.available_from(pos))
            .unwrap_or(0)
    }

    /// The slice byte `pos` lies in.
    fn slice_of(&self, pos: u64) -> u64 {
        self.slices.lock().map(|s| s.of(pos)).unwrap_or(0)
    }

    /// Has the fetch bring slice `index` (and what follows it) first, unless it is
    /// there already or the fetch was just told so.
    pub(crate) fn focus_on(&self, index: u64) {
        if self.ready(index) || self.focus.swap(index, Ordering::Relaxed) == index {
            return;
        }
        let fetch_id = self.fetch_id.load(Ordering::Relaxed);
        let Some(mut sidecar) = self.sidecar.clone() else {
            return;
        };
        if fetch_id == 0 {
            // Not started yet: it starts at the first range's slice.
            self.focus.store(u64::MAX, Ordering::Relaxed);
            return;
        }
        tokio::spawn(async move {
            let r = sidecar
                .focus(FocusRequest {
                    fetch_id,
                    slice_index: index,
                })
                .await;
            if let Err(e) = r {
                tracing::debug!(error = %e, "moving the fetch's focus");
            }
        });
    }
}

/// The gateway's streams and who may read them.
pub(crate) struct Gateway {
    dir: PathBuf,
    /// By (content, payment channel or 0).
    pub(crate) streams: tokio::sync::Mutex<BTreeMap<(u64, u64), Arc<Stream>>>,
    /// (content, account) pairs whose key was opened: they may read the stream.
    allowed: std::sync::Mutex<BTreeSet<(u64, String)>>,
}

impl Gateway {
    /// The gateway over `<home>/data/web-cache`, emptied.
    pub(crate) fn new(home: &std::path::Path) -> std::io::Result<Self> {
        let dir = home.join("data").join("web-cache");
        if dir.exists() {
            std::fs::remove_dir_all(&dir)?;
        }
        std::fs::create_dir_all(&dir)?;
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700))?;
        Ok(Self {
            dir,
            streams: tokio::sync::Mutex::new(BTreeMap::new()),
            allowed: std::sync::Mutex::new(BTreeSet::new()),
        })
    }

    fn is_allowed(&self, id: u64, who: &str) -> bool {
        self.allowed
            .lock()
            .map(|a| a.contains(&(id, who.to_string())))
            .unwrap_or(false)
    }

    /// The stream of content `id` for the account `key`, started if need be with its
    /// focus on plaintext byte `from` (the first range's start).
    pub(crate) async fn open(
        &self,
        node: &crate::chain::Node,
        id: u64,
        channel: u64,
        key: &weave_client::keys::SigningKey,
        from: u64,
    ) -> Result<Arc<Stream>, (StatusCode, String)> {
        let who = key.address().to_string();
        let mut streams = self.streams.lock().await;
        if let Some(s) = streams.get(&(id, channel)) {
            let failed = s.progress.borrow().failed.is_some();
            if !failed && self.is_allowed(id, &who) {
                return Ok(s.clone());
            }
        }
        let bad = |e: anyhow::Error| {
            let x = crate::words::explain(&format!("{e:#}"));
            (
                StatusCode::BAD_GATEWAY,
                format!("{}: {}", x.words, x.detail),
            )
        };
        let content = node.content(id).await.map_err(|e| {
            let x = crate::words::explain(&format!("{e:#}"));
            (StatusCode::NOT_FOUND, format!("{}: {}", x.words, x.detail))
        })?;
        let content_key = node
            .content_key(&content, key)
            .await
            .map_err(bad)?
            .ok_or_else(|| {
                (
                    StatusCode::FORBIDDEN,
                    format!("no key has been delivered to {who} for content {id} yet"),
                )
            })?;
        if let Ok(mut a) = self.allowed.lock() {
            a.insert((id, who));
        }
        if let Some(s) = streams.get(&(id, channel)) {
            if s.progress.borrow().failed.is_none() {
                return Ok(s.clone());
            }
        }
        let meta = content
            .meta_hash
            .clone()
            .ok_or_else(|| (StatusCode::BAD_GATEWAY, "content without meta-hash".into()))?;
        let mime = content
            .metadata
            .as_ref()
            .map(|m| m.mime_type.clone())
            .filter(|m| !m.is_empty())
            .unwrap_or_else(|| "application/octet-stream".to_string());
        let path = self
            .dir
            .join(format!("{id}-{channel}-{}.plain", hex::encode(&meta.root)));
        let io = |e: std::io::Error| (StatusCode::INTERNAL_SERVER_ERROR, e.to_string());
        let writer = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&path)
            .map_err(io)?;
        let reader = std::fs::File::open(&path).map_err(io)?;
        let slices = Arc::new(Mutex::new(Slices::new(
            meta.plaintext_len,
            u64::from(meta.slice_size),
        )));
        let focus_slice = from / u64::from(meta.slice_size).max(1);
        let (tx, rx) = watch::channel(Progress::default());
        let sidecar = node.sidecar();
        let request = FetchRequest {
            content_id: id,
            key: content_key.as_bytes().to_vec(),
            channel_id: channel,
            // Seeders that want payment are paid per verified slice, as `weaved content
            // get --channel` pays them, with the account's voucher key.
            voucher_key: if channel == 0 {
                Vec::new()
            } else {
                weave_client::channels::voucher::voucher_key(key)
                    .as_bytes()
                    .to_vec()
            },
            any_order: true,
            focus_slice,
        };
        let fetch_id = Arc::new(AtomicU64::new(0));
        tokio::spawn(run_fetch(
            sidecar.clone(),
            request,
            writer,
            slices.clone(),
            fetch_id.clone(),
            tx,
        ));
        let stream = Arc::new(Stream {
            file: reader,
            len: meta.plaintext_len,
            mime,
            progress: rx,
            slices,
            fetch_id,
            focus: AtomicU64::new(focus_slice),
            sidecar: Some(sidecar),
        });
        streams.insert((id, channel), stream.clone());
        Ok(stream)
    }
}

/// Runs one `any_order` fetch into the cache file, slice by slice.
async fn run_fetch(
    mut sidecar: weave_client::sidecar_auth::LocalSidecar,
    request: FetchRequest,
    file: std::fs::File,
    slices: Arc<Mutex<Slices>>,
    fetch_id: Arc<AtomicU64>,
    tx: watch::Sender<Progress>,
) {
    let id = request.content_id;
    let result: anyhow::Result<()> = async {
        let mut events = sidecar
            .fetch(request)
            .await
            .map_err(weave_client::chain::status_error)?
            .into_inner();
        loop {
            let event = events
                .message()
                .await
                .map_err(weave_client::chain::status_error)?
                .ok_or_else(|| anyhow::anyhow!("the node ended the fetch early"))?;
            match event.event {
                Some(Event::Started(s)) => fetch_id.store(s.fetch_id, Ordering::Relaxed),
                Some(Event::Slice(s)) => {
                    // The page cache takes a quarter MiB at a time without blocking
                    // for long.
                    file.write_all_at(&s.plaintext, s.offset)?;
                    let n = s.plaintext.len() as u64;
                    let completed = slices
                        .lock()
                        .map(|mut sl| sl.add(s.slice_index, n))
                        .unwrap_or(false);
                    tx.send_modify(|p| {
                        p.written = p.written.saturating_add(n);
                        if completed {
                            p.slices_ready += 1;
                        }
                    });
                }
                Some(Event::Plaintext(_)) => {
                    anyhow::bail!("the node streamed in-order plaintext to an any-order fetch")
                }
                Some(Event::Progress(p)) => tx.send_modify(|q| {
                    q.slices_done = p.slices_done;
                    q.slices_total = p.slices_total;
                    q.peers = p.peers_active;
                    q.bytes_per_sec = p.bytes_per_sec;
                    q.bytes_paid = p.bytes_paid;
                    q.amount_promised = p.amount_promised;
                }),
                Some(Event::Done(p)) => {
                    tx.send_modify(|q| {
                        q.slices_done = p.slices_done;
                        q.slices_total = p.slices_total;
                        q.bytes_paid = p.bytes_paid;
                        q.amount_promised = p.amount_promised.clone();
                        q.done = true;
                    });
                    return Ok(());
                }
                None => {}
            }
        }
    }
    .await;
    if let Err(e) = result {
        tracing::warn!(content = id, error = %format!("{e:#}"), "web gateway fetch failed");
        tx.send_modify(|p| p.failed = Some(format!("{e:#}")));
    }
}

/// A `Range` header against a content of `len` bytes: `Ok(None)` to answer the whole
/// content (no header, another unit, or several ranges), `Ok(Some((first, last)))`
/// (inclusive), or `Err(())` for a malformed or unsatisfiable range (416).
pub(crate) fn parse_range(header: Option<&str>, len: u64) -> Result<Option<(u64, u64)>, ()> {
    let Some(h) = header else { return Ok(None) };
    let Some(spec) = h.trim().strip_prefix("bytes=") else {
        return Ok(None);
    };
    if spec.contains(',') {
        return Ok(None);
    }
    let (a, b) = spec.trim().split_once('-').ok_or(())?;
    let num = |s: &str| -> Result<u64, ()> {
        if s.is_empty() || !s.bytes().all(|c| c.is_ascii_digit()) {
            return Err(());
        }
        s.parse().map_err(|_| ())
    };
    let (first, last) = if a.is_empty() {
        // The last `n` bytes.
        let n = num(b)?;
        if n == 0 || len == 0 {
            return Err(());
        }
        (len.saturating_sub(n), len - 1)
    } else {
        let first = num(a)?;
        let last = if b.is_empty() { u64::MAX } else { num(b)? };
        if last < first {
            return Err(());
        }
        (first, last.min(len.saturating_sub(1)))
    };
    if first >= len {
        return Err(());
    }
    Ok(Some((first, last)))
}

/// The bytes `first..=last` of a stream, each chunk sent once its slice is there;
/// a slice that is not there yet becomes the fetch's focus.
pub(crate) fn body(stream: Arc<Stream>, first: u64, last: u64) -> Body {
    let end = last.saturating_add(1);
    let chunks = futures::stream::unfold((stream, first), move |(s, pos)| async move {
        if pos >= end {
            return None;
        }
        let mut available = s.available_from(pos);
        if available == 0 {
            s.focus_on(s.slice_of(pos));
            let mut rx = s.progress.clone();
            let waited = tokio::time::timeout(
                STALL_TIMEOUT,
                rx.wait_for(|p| s.available_from(pos) > 0 || p.failed.is_some() || p.done),
            )
            .await;
            available = s.available_from(pos);
            if available == 0 {
                let why = match waited {
                    Ok(Ok(p)) => p
                        .failed
                        .clone()
                        .unwrap_or_else(|| "the content ended early".into()),
                    _ => "the fetch made no progress".into(),
                };
                return Some((Err(std::io::Error::other(why)), (s, end)));
            }
        }
        let n = available.min(end - pos).min(CHUNK);
        let mut buf = vec![0u8; n as usize];
        let read = s.file.read_exact_at(&mut buf, pos);
        match read {
            Ok(()) => Some((Ok(Bytes::from(buf)), (s, pos + n))),
            Err(e) => Some((Err(e), (s, end))),
        }
    });
    Body::from_stream(chunks)
}

pub(crate) fn text(status: StatusCode, message: String) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        message,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn ranges_parse_as_rfc_9110_says() {
        let r = |h: &str| parse_range(Some(h), 1000);
        assert_eq!(parse_range(None, 1000), Ok(None));
        assert_eq!(r("bytes=0-"), Ok(Some((0, 999))));
        assert_eq!(r("bytes=0-0"), Ok(Some((0, 0))));
        assert_eq!(r("bytes=100-199"), Ok(Some((100, 199))));
        assert_eq!(r("bytes=900-5000"), Ok(Some((900, 999))));
        assert_eq!(r("bytes=-100"), Ok(Some((900, 999))));
        assert_eq!(r("bytes=-5000"), Ok(Some((0, 999))));
        assert_eq!(r("bytes=1000-"), Err(()));
        assert_eq!(r("bytes=5-4"), Err(()));
        assert_eq!(r("bytes=-0"), Err(()));
        assert_eq!(r("bytes=abc"), Err(()));
        assert_eq!(r("bytes=1-x"), Err(()));
        assert_eq!(r("bytes=+1-2"), Err(()));
        assert_eq!(r("items=0-1"), Ok(None));
        assert_eq!(r("bytes=0-1,5-6"), Ok(None));
        assert_eq!(parse_range(Some("bytes=0-"), 0), Err(()));
    }

    #[tokio::test]
    async fn a_range_is_served_as_soon_as_the_slices_it_covers_arrive_in_any_order() {
        use futures::StreamExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        let writer = std::fs::File::create(&path).unwrap();
        let (tx, rx) = watch::channel(Progress::default());
        // Ten bytes in slices of four: 0-3, 4-7, 8-9.
        let slices = Arc::new(Mutex::new(Slices::new(10, 4)));
        let stream = Arc::new(Stream {
            file: std::fs::File::open(&path).unwrap(),
            len: 10,
            mime: "video/mp4".into(),
            progress: rx,
            slices: slices.clone(),
            fetch_id: Arc::new(AtomicU64::new(0)),
            focus: AtomicU64::new(0),
            sidecar: None,
        });
        let mut chunks = body(stream.clone(), 6, 9).into_data_stream();
        let plain = b"0123456789";
        let put = move |index: u64, from: usize, to: usize| {
            writer.write_all_at(&plain[from..to], from as u64).unwrap();
            slices.lock().unwrap().add(index, (to - from) as u64);
            tx.send_modify(|p| p.written += (to - from) as u64);
        };
        let feeder = tokio::spawn(async move {
            // The last slice first, then the middle one in two parts: the range
            // (6-9) waits for the middle slice, then gets it whole.
            tokio::time::sleep(Duration::from_millis(30)).await;
            put(2, 8, 10);
            tokio::time::sleep(Duration::from_millis(30)).await;
            put(1, 4, 6);
            tokio::time::sleep(Duration::from_millis(30)).await;
            put(1, 6, 8);
        });
        let mut got = Vec::new();
        while let Some(c) = chunks.next().await {
            got.extend_from_slice(&c.unwrap());
        }
        feeder.await.unwrap();
        assert_eq!(got, b"6789");
        assert!(stream.ready(1) && stream.ready(2) && !stream.ready(0));
    }

    #[test]
    fn slices_know_what_is_there_without_a_gap() {
        let mut s = Slices::new(10, 4);
        assert_eq!(s.available_from(0), 0);
        assert!(!s.add(0, 3));
        assert!(s.add(0, 1));
        assert_eq!(s.available_from(1), 3);
        assert!(s.add(2, 2));
        assert_eq!(s.available_from(4), 0);
        assert_eq!(s.available_from(8), 2);
        assert!(s.add(1, 4));
        assert_eq!(s.available_from(0), 10);
        // More bytes for a complete slice change nothing.
        assert!(!s.add(1, 4));
        assert_eq!(s.of(9), 2);
    }
}
