//! The streaming gateway: `GET /media/{content_id}` with HTTP `Range`.
//!
//! The first request for a content opens its key as the selected account holds it and
//! has the node's sidecar fetch it (`Fetch`, as `weaved content get` does: slices from
//! any seeders, each verified against the registered root, decrypted with the key,
//! streamed in order). The plaintext is written as it arrives to a private cache file
//! (`<home>/data/web-cache`, mode 0600, emptied when the node starts), and every range
//! is answered from that file as soon as the bytes it covers have arrived: a range at
//! the start plays before the whole content is fetched. A range past what has arrived
//! waits for the in-order fetch to reach it (fetching around the play position first
//! is not built yet). Answers: `206` with the exact bytes and `Content-Range`, `200`
//! without a `Range`, `416` for a range outside the content or a malformed one;
//! always `Accept-Ranges: bytes`, `Content-Length` and the metadata's `Content-Type`.

use std::{
    collections::{BTreeMap, BTreeSet},
    os::unix::fs::{FileExt, OpenOptionsExt, PermissionsExt},
    path::PathBuf,
    sync::Arc,
    time::Duration,
};

use axum::{
    body::Body,
    http::{header, StatusCode},
    response::{IntoResponse, Response},
};
use bytes::Bytes;
use tokio::{io::AsyncWriteExt, sync::watch};
use weave_proto::weave::sidecar::v1::{fetch_event::Event, FetchRequest};

/// The most a body chunk holds.
const CHUNK: u64 = 256 * 1024;

/// How long a range waits for the fetch to make progress before the answer is cut.
const STALL_TIMEOUT: Duration = Duration::from_secs(60);

/// What a fetch has done so far.
#[derive(Debug, Clone, Default)]
pub(crate) struct Progress {
    /// Plaintext bytes in the cache file, from the start.
    pub(crate) written: u64,
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

/// One content being (or having been) fetched into the cache.
pub(crate) struct Stream {
    pub(crate) file: std::fs::File,
    pub(crate) len: u64,
    pub(crate) mime: String,
    pub(crate) progress: watch::Receiver<Progress>,
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

    /// The stream of content `id` for the account `key`, started if need be.
    pub(crate) async fn open(
        &self,
        node: &crate::chain::Node,
        id: u64,
        channel: u64,
        key: &weave_client::keys::SigningKey,
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
        let (tx, rx) = watch::channel(Progress::default());
        let mut sidecar = node.sidecar();
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
        };
        tokio::spawn(async move {
            let mut file = tokio::fs::File::from_std(writer);
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
                        Some(Event::Plaintext(bytes)) => {
                            file.write_all(&bytes).await?;
                            file.flush().await?;
                            let n = bytes.len() as u64;
                            tx.send_modify(|p| p.written = p.written.saturating_add(n));
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
        });
        let stream = Arc::new(Stream {
            file: reader,
            len: meta.plaintext_len,
            mime,
            progress: rx,
        });
        streams.insert((id, channel), stream.clone());
        Ok(stream)
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

/// The bytes `first..=last` of a stream, each chunk sent once it has arrived.
pub(crate) fn body(stream: Arc<Stream>, first: u64, last: u64) -> Body {
    let end = last.saturating_add(1);
    let chunks = futures::stream::unfold((stream, first), move |(s, pos)| async move {
        if pos >= end {
            return None;
        }
        let mut rx = s.progress.clone();
        let waited = tokio::time::timeout(
            STALL_TIMEOUT,
            rx.wait_for(|p| p.written > pos || p.failed.is_some() || p.done),
        )
        .await;
        let available = match waited {
            Ok(Ok(p)) if p.written > pos => p.written,
            Ok(Ok(p)) => {
                let why = p
                    .failed
                    .clone()
                    .unwrap_or_else(|| "the content ended early".into());
                return Some((Err(std::io::Error::other(why)), (s, end)));
            }
            _ => {
                return Some((
                    Err(std::io::Error::other("the fetch made no progress")),
                    (s, end),
                ))
            }
        };
        let n = (available.min(end) - pos).min(CHUNK);
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
    async fn a_range_is_served_as_soon_as_its_bytes_arrive() {
        use futures::StreamExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, b"").unwrap();
        let (tx, rx) = watch::channel(Progress::default());
        let stream = Arc::new(Stream {
            file: std::fs::File::open(&path).unwrap(),
            len: 10,
            mime: "video/mp4".into(),
            progress: rx,
        });
        let mut chunks = body(stream, 2, 5).into_data_stream();
        let writer = tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(50)).await;
            std::fs::write(&path, b"0123").unwrap();
            tx.send_modify(|p| p.written = 4);
            tokio::time::sleep(Duration::from_millis(50)).await;
            std::fs::write(&path, b"0123456789").unwrap();
            tx.send_modify(|p| {
                p.written = 10;
                p.done = true;
            });
        });
        let mut got = Vec::new();
        while let Some(c) = chunks.next().await {
            got.extend_from_slice(&c.unwrap());
        }
        writer.await.unwrap();
        assert_eq!(got, b"2345");
    }
}
