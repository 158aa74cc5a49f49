//! The `/weave/slice/1` wire protocol: one request and one response per stream, each a
//! length-prefixed frame.
//!
//! ```text
//! frame    = length (u32 BE, of the body) || body
//! request  = 0x01 root[32]                          Have
//!          | 0x02 root[32] index(u64 BE)            Get
//!          | 0x03 vlen(u16 BE) voucher sig[64]      Pay (voucher: weave.channels.v1.Voucher)
//!          | 0x04 root[32] index(u64 BE)            Probe (a validator's availability probe)
//! response = 0x81 root[32] count(u64 BE) payee bits Bitfield (bits: ceil(count/8) bytes)
//!          | 0x82 index(u64 BE) plen(u16 BE) proof sig[64] ciphertext
//!                                                   Slice (proof: MerkleProof::to_bytes;
//!                                                   sig: the seeder's signed header)
//!          | 0x83 code(u16 BE) mlen(u16 BE) message Error (message: UTF-8)
//!          | 0x84 paid_bytes(u64 BE)                Paid
//! payee    = 0x00                                   serves for free
//!          | 0x01 address[20] window(u64 BE)        wants vouchers naming this address,
//!                                                   and serves `window` bytes ahead of them
//! ```
//!
//! Every `Slice` carries the seeder's ed25519 signature, by its libp2p identity key,
//! over `weave_slices::header::sign_bytes(root, index, leaf_hash(ciphertext),
//! proof)`: a slice that does not verify against the root, with a signature that
//! does, is evidence the chain slashes the seeder for (`MsgReportBadSlice`).
//! `Probe` is answered like `Get` but free: never charged to a payment credit, and
//! limited instead by per-minute quotas ([`crate::Limits::probes_per_peer_per_minute`],
//! [`crate::Limits::probes_per_minute`]) on top of the request rate.
//!
//! `Pay` carries a signed cumulative voucher of a payment channel (see
//! [`crate::payment`]); the seeder answers `Paid` with the bytes that voucher covers,
//! or an error (`BadVoucher`).
//!
//! Every frame is bounded: a request body by [`MAX_REQUEST_LEN`], a response body by
//! [`MAX_RESPONSE_LEN`] (a 16 MiB slice with its tag, the longest proof and the header).
//! A frame announcing more is refused before anything is allocated for it, and for an
//! accepted frame at most [`UP_FRONT_LEN`] bytes (a default-size slice) are allocated
//! before its bytes arrive; beyond that its buffer grows only as bytes actually arrive.
//! A slice's ciphertext is read straight into the buffer that carries it on, with no
//! copy ([`read_response_frame`]). Decoding is strict: trailing bytes, unknown tags
//! and bitfields with stray bits are errors.

use std::io;

use futures::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
#[cfg(feature = "node")]
use libp2p::StreamProtocol;
use weave_slices::{
    store::MAX_SLICES, Bitfield, MerkleProof, DEFAULT_SLICE_SIZE, MAX_SLICE_SIZE, TAG_LEN,
};

/// The protocol name.
#[cfg(feature = "node")]
pub const PROTOCOL: StreamProtocol = StreamProtocol::new("/weave/slice/1");

/// The longest voucher a `Pay` carries.
pub const MAX_VOUCHER_LEN: usize = 512;
/// The length of an ed25519 signature: a voucher's, or a seeder's over a slice header.
pub const SIGNATURE_LEN: usize = 64;
/// The longest request body (a `Pay` with the longest voucher).
pub const MAX_REQUEST_LEN: usize = 1 + 2 + MAX_VOUCHER_LEN + SIGNATURE_LEN;
/// The longest error message, in bytes.
pub const MAX_ERROR_MESSAGE_LEN: usize = 1024;
/// The longest slice response body: tag, index, proof length, the longest proof, the
/// header signature, and a slice of the largest size with its tag.
pub const MAX_SLICE_RESPONSE_LEN: usize =
    1 + 8 + 2 + MerkleProof::MAX_ENCODED_LEN + SIGNATURE_LEN + MAX_SLICE_SIZE as usize + TAG_LEN;
/// The longest bitfield response body (a content of [`MAX_SLICES`] slices).
pub const MAX_BITFIELD_RESPONSE_LEN: usize = 1 + 32 + 8 + PAYEE_LEN + (MAX_SLICES / 8) as usize;
/// The longest payee field.
const PAYEE_LEN: usize = 1 + 20 + 8;
/// The longest response body.
pub const MAX_RESPONSE_LEN: usize = if MAX_SLICE_RESPONSE_LEN > MAX_BITFIELD_RESPONSE_LEN {
    MAX_SLICE_RESPONSE_LEN
} else {
    MAX_BITFIELD_RESPONSE_LEN
};

const TAG_HAVE: u8 = 0x01;
const TAG_GET: u8 = 0x02;
const TAG_PAY: u8 = 0x03;
const TAG_PROBE: u8 = 0x04;
const TAG_BITFIELD: u8 = 0x81;
const TAG_SLICE: u8 = 0x82;
const TAG_ERROR: u8 = 0x83;
const TAG_PAID: u8 = 0x84;

/// A request to a seeder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    /// Which slices of this content do you hold?
    Have {
        /// The content root.
        root: [u8; 32],
    },
    /// Send me this slice with its proof.
    Get {
        /// The content root.
        root: [u8; 32],
        /// The slice index.
        index: u64,
    },
    /// Send me this slice with its proof, free: a validator's availability probe.
    Probe {
        /// The content root.
        root: [u8; 32],
        /// The slice index.
        index: u64,
    },
    /// Here is a signed cumulative voucher for what you served me.
    Pay {
        /// The encoded `weave.channels.v1.Voucher`.
        voucher: Vec<u8>,
        /// Its ed25519 signature by the channel's voucher key.
        signature: [u8; SIGNATURE_LEN],
    },
}

impl Request {
    /// The content the request is about, for `Have` and `Get`.
    pub fn root(&self) -> Option<&[u8; 32]> {
        match self {
            Request::Have { root } | Request::Get { root, .. } | Request::Probe { root, .. } => {
                Some(root)
            }
            Request::Pay { .. } => None,
        }
    }
}

/// Where a seeder wants to be paid, announced with its bitfield.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Payee {
    /// The account that vouchers must name as the seeder.
    pub address: [u8; 20],
    /// How many bytes the seeder serves a peer beyond what its vouchers cover.
    pub credit_window: u64,
}

/// Why a seeder did not answer with what was asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ErrorCode {
    /// The seeder does not know this content at all.
    UnknownContent,
    /// The seeder knows the content but does not hold this slice (yet).
    SliceMissing,
    /// The index is beyond the content's last slice.
    OutOfRange,
    /// The peer is over its request-rate or bytes-in-flight budget: back off and retry.
    Busy,
    /// The seeder failed to read its own store.
    Internal,
    /// The peer is past its credit window: it must pay (send a voucher) to be served.
    PaymentRequired,
    /// A voucher was refused (bad signature, wrong seeder or chain, stale, underpriced).
    BadVoucher,
    /// A code this version does not know.
    Other(u16),
}

impl ErrorCode {
    /// The code on the wire.
    pub fn code(self) -> u16 {
        match self {
            ErrorCode::UnknownContent => 1,
            ErrorCode::SliceMissing => 2,
            ErrorCode::OutOfRange => 3,
            ErrorCode::Busy => 4,
            ErrorCode::Internal => 5,
            ErrorCode::PaymentRequired => 6,
            ErrorCode::BadVoucher => 7,
            ErrorCode::Other(c) => c,
        }
    }

    /// The code from the wire.
    pub fn from_code(code: u16) -> ErrorCode {
        match code {
            1 => ErrorCode::UnknownContent,
            2 => ErrorCode::SliceMissing,
            3 => ErrorCode::OutOfRange,
            4 => ErrorCode::Busy,
            5 => ErrorCode::Internal,
            6 => ErrorCode::PaymentRequired,
            7 => ErrorCode::BadVoucher,
            c => ErrorCode::Other(c),
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ErrorCode::UnknownContent => f.write_str("unknown content"),
            ErrorCode::SliceMissing => f.write_str("slice missing"),
            ErrorCode::OutOfRange => f.write_str("index out of range"),
            ErrorCode::Busy => f.write_str("busy"),
            ErrorCode::Internal => f.write_str("internal error"),
            ErrorCode::PaymentRequired => f.write_str("payment required"),
            ErrorCode::BadVoucher => f.write_str("voucher refused"),
            ErrorCode::Other(c) => write!(f, "error code {c}"),
        }
    }
}

/// A seeder's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Response {
    /// The slices held, answering `Have`.
    Bitfield {
        /// The content root.
        root: [u8; 32],
        /// Where the seeder wants to be paid; `None` if it serves for free.
        payee: Option<Payee>,
        /// One bit per slice.
        bits: Bitfield,
    },
    /// A slice, answering `Get`.
    Slice {
        /// The slice index.
        index: u64,
        /// The ciphertext.
        ciphertext: Vec<u8>,
        /// Its proof against the content root.
        proof: MerkleProof,
        /// The seeder's signature over the slice's header
        /// (`weave_slices::header::sign_bytes`).
        signature: [u8; SIGNATURE_LEN],
    },
    /// A voucher was accepted, answering `Pay`.
    Paid {
        /// The bytes of the voucher's content the peer has now paid for.
        paid_bytes: u64,
    },
    /// A refusal.
    Error {
        /// Why.
        code: ErrorCode,
        /// A human-readable explanation (at most [`MAX_ERROR_MESSAGE_LEN`] bytes).
        message: String,
    },
}

impl Response {
    /// An error response, its message cut to [`MAX_ERROR_MESSAGE_LEN`] bytes on a
    /// character boundary.
    pub fn error(code: ErrorCode, message: impl Into<String>) -> Response {
        let mut message = message.into();
        if message.len() > MAX_ERROR_MESSAGE_LEN {
            let mut cut = MAX_ERROR_MESSAGE_LEN;
            while !message.is_char_boundary(cut) {
                cut -= 1;
            }
            message.truncate(cut);
        }
        Response::Error { code, message }
    }
}

/// A frame that does not decode.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed /weave/slice/1 message: {0}")]
pub struct WireError(pub String);

fn wire(reason: impl Into<String>) -> WireError {
    WireError(reason.into())
}

/// A cursor over a frame body that refuses to read past the end.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], WireError> {
        if self.0.len() < n {
            return Err(wire(format!(
                "truncated: needed {n} bytes, {} left",
                self.0.len()
            )));
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }

    fn u8(&mut self) -> Result<u8, WireError> {
        Ok(self.take(1)?[0])
    }

    fn u16(&mut self) -> Result<u16, WireError> {
        let b = self.take(2)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }

    fn u64(&mut self) -> Result<u64, WireError> {
        let mut w = [0u8; 8];
        w.copy_from_slice(self.take(8)?);
        Ok(u64::from_be_bytes(w))
    }

    fn root(&mut self) -> Result<[u8; 32], WireError> {
        let mut r = [0u8; 32];
        r.copy_from_slice(self.take(32)?);
        Ok(r)
    }

    fn finish(self) -> Result<(), WireError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(wire(format!("{} trailing bytes", self.0.len())))
        }
    }
}

/// Encodes a request body.
pub fn encode_request(req: &Request) -> Vec<u8> {
    let mut b = Vec::with_capacity(MAX_REQUEST_LEN);
    match req {
        Request::Have { root } => {
            b.push(TAG_HAVE);
            b.extend_from_slice(root);
        }
        Request::Get { root, index } => {
            b.push(TAG_GET);
            b.extend_from_slice(root);
            b.extend_from_slice(&index.to_be_bytes());
        }
        Request::Probe { root, index } => {
            b.push(TAG_PROBE);
            b.extend_from_slice(root);
            b.extend_from_slice(&index.to_be_bytes());
        }
        Request::Pay { voucher, signature } => {
            // Callers keep vouchers within MAX_VOUCHER_LEN; a longer one is refused
            // by the peer's decoder.
            b.push(TAG_PAY);
            b.extend_from_slice(&(voucher.len().min(usize::from(u16::MAX)) as u16).to_be_bytes());
            b.extend_from_slice(voucher);
            b.extend_from_slice(signature);
        }
    }
    b
}

/// Decodes a request body.
pub fn decode_request(body: &[u8]) -> Result<Request, WireError> {
    let mut r = Reader(body);
    let req = match r.u8()? {
        TAG_HAVE => Request::Have { root: r.root()? },
        TAG_GET => Request::Get {
            root: r.root()?,
            index: r.u64()?,
        },
        TAG_PROBE => Request::Probe {
            root: r.root()?,
            index: r.u64()?,
        },
        TAG_PAY => {
            let vlen = usize::from(r.u16()?);
            if vlen > MAX_VOUCHER_LEN {
                return Err(wire(format!("voucher of {vlen} bytes")));
            }
            let voucher = r.take(vlen)?.to_vec();
            let mut signature = [0u8; SIGNATURE_LEN];
            signature.copy_from_slice(r.take(SIGNATURE_LEN)?);
            Request::Pay { voucher, signature }
        }
        t => return Err(wire(format!("unknown request tag {t:#04x}"))),
    };
    r.finish()?;
    Ok(req)
}

/// Encodes a response body as a header and a payload (the ciphertext of a slice, so
/// that it is written without another copy; empty otherwise).
pub fn encode_response(res: &Response) -> (Vec<u8>, &[u8]) {
    let mut b = Vec::new();
    match res {
        Response::Bitfield { root, payee, bits } => {
            b.reserve(41 + PAYEE_LEN + bits.as_bytes().len());
            b.push(TAG_BITFIELD);
            b.extend_from_slice(root);
            b.extend_from_slice(&bits.len().to_be_bytes());
            match payee {
                None => b.push(0),
                Some(p) => {
                    b.push(1);
                    b.extend_from_slice(&p.address);
                    b.extend_from_slice(&p.credit_window.to_be_bytes());
                }
            }
            b.extend_from_slice(bits.as_bytes());
            (b, &[])
        }
        Response::Paid { paid_bytes } => {
            b.push(TAG_PAID);
            b.extend_from_slice(&paid_bytes.to_be_bytes());
            (b, &[])
        }
        Response::Slice {
            index,
            ciphertext,
            proof,
            signature,
        } => {
            let p = proof.to_bytes();
            b.push(TAG_SLICE);
            b.extend_from_slice(&index.to_be_bytes());
            // A proof is at most MerkleProof::MAX_ENCODED_LEN (2065) bytes.
            b.extend_from_slice(&(p.len().min(usize::from(u16::MAX)) as u16).to_be_bytes());
            b.extend_from_slice(&p);
            b.extend_from_slice(signature);
            (b, ciphertext.as_slice())
        }
        Response::Error { code, message } => {
            let m = &message.as_bytes()[..message.len().min(MAX_ERROR_MESSAGE_LEN)];
            b.push(TAG_ERROR);
            b.extend_from_slice(&code.code().to_be_bytes());
            b.extend_from_slice(&(m.len() as u16).to_be_bytes());
            b.extend_from_slice(m);
            (b, &[])
        }
    }
}

/// Decodes a response body.
pub fn decode_response(body: &[u8]) -> Result<Response, WireError> {
    let mut r = Reader(body);
    match r.u8()? {
        TAG_BITFIELD => {
            let root = r.root()?;
            let count = r.u64()?;
            if count > MAX_SLICES {
                return Err(wire(format!("bitfield of {count} slices")));
            }
            let payee = match r.u8()? {
                0 => None,
                1 => {
                    let mut address = [0u8; 20];
                    address.copy_from_slice(r.take(20)?);
                    Some(Payee {
                        address,
                        credit_window: r.u64()?,
                    })
                }
                t => return Err(wire(format!("unknown payee tag {t:#04x}"))),
            };
            let bits = Bitfield::from_bytes(count, r.0).map_err(|e| wire(e.to_string()))?;
            Ok(Response::Bitfield { root, payee, bits })
        }
        TAG_PAID => {
            let paid_bytes = r.u64()?;
            r.finish()?;
            Ok(Response::Paid { paid_bytes })
        }
        TAG_SLICE => {
            let index = r.u64()?;
            let plen = usize::from(r.u16()?);
            if plen > MerkleProof::MAX_ENCODED_LEN {
                return Err(wire(format!("proof of {plen} bytes")));
            }
            let proof = MerkleProof::from_bytes(r.take(plen)?).map_err(|e| wire(e.to_string()))?;
            let mut signature = [0u8; SIGNATURE_LEN];
            signature.copy_from_slice(r.take(SIGNATURE_LEN)?);
            if r.0.len() > MAX_SLICE_SIZE as usize + TAG_LEN {
                return Err(wire(format!("slice of {} bytes", r.0.len())));
            }
            Ok(Response::Slice {
                index,
                ciphertext: r.0.to_vec(),
                proof,
                signature,
            })
        }
        TAG_ERROR => {
            let code = ErrorCode::from_code(r.u16()?);
            let mlen = usize::from(r.u16()?);
            if mlen > MAX_ERROR_MESSAGE_LEN {
                return Err(wire(format!("error message of {mlen} bytes")));
            }
            let message = std::str::from_utf8(r.take(mlen)?)
                .map_err(|_| wire("error message is not UTF-8"))?
                .to_owned();
            r.finish()?;
            Ok(Response::Error { code, message })
        }
        t => Err(wire(format!("unknown response tag {t:#04x}"))),
    }
}

/// How much of a frame body's buffer is allocated before its bytes arrive: enough for a
/// slice of the default size with its tag, header, longest proof and signature, so
/// that such a slice lands in one buffer, allocated once and never copied. A larger
/// frame's buffer grows beyond this only as its bytes arrive.
pub const UP_FRONT_LEN: usize = SLICE_HEAD_LEN
    + MerkleProof::MAX_ENCODED_LEN
    + SIGNATURE_LEN
    + DEFAULT_SLICE_SIZE as usize
    + TAG_LEN;
/// The fixed part of a slice response body: tag, index, proof length.
const SLICE_HEAD_LEN: usize = 1 + 8 + 2;
/// How much of a buffer is zeroed ahead of the bytes read into it.
const READ_STEP: usize = 64 * 1024;

/// Reads a frame's length prefix, refusing one over `max` before reading further.
async fn read_len<T: AsyncRead + Unpin>(io: &mut T, max: usize) -> io::Result<usize> {
    let mut len = [0u8; 4];
    io.read_exact(&mut len).await?;
    let len = u32::from_be_bytes(len) as usize;
    if len > max {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            wire(format!("frame of {len} bytes, at most {max} allowed")),
        ));
    }
    Ok(len)
}

/// Appends exactly `len` bytes read from `io` to `buf`. At most [`UP_FRONT_LEN`] bytes
/// are allocated ahead of the data; beyond that the buffer grows (doubling) as bytes
/// arrive. Every byte is zeroed once, just before it is read into, in steps of
/// [`READ_STEP`] (`futures`' `read_to_end` re-zeroes all spare capacity after every
/// partial read, which on a 1 MiB slice arriving in small pieces cost more than the
/// copy itself).
async fn read_body<T: AsyncRead + Unpin>(
    io: &mut T,
    buf: &mut Vec<u8>,
    len: usize,
) -> io::Result<()> {
    let start = buf.len();
    let end = start + len;
    buf.reserve(len.min(UP_FRONT_LEN));
    let mut filled = start;
    while filled < end {
        if filled == buf.len() {
            if buf.len() == buf.capacity() {
                // Full: double, as bytes keep arriving.
                buf.reserve(buf.len().max(READ_STEP).min(end - buf.len()));
            }
            let next = (buf.len() + READ_STEP).min(buf.capacity()).min(end);
            buf.resize(next, 0);
        }
        let n = io.read(&mut buf[filled..]).await?;
        if n == 0 {
            buf.truncate(filled);
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                wire(format!(
                    "frame cut short: {} of {len} bytes",
                    filled - start
                )),
            ));
        }
        filled += n;
    }
    Ok(())
}

/// Reads one frame of at most `max` body bytes. The length is checked before any
/// allocation, and at most [`UP_FRONT_LEN`] bytes are allocated before the body's
/// bytes arrive.
pub async fn read_frame<T: AsyncRead + Unpin>(io: &mut T, max: usize) -> io::Result<Vec<u8>> {
    let len = read_len(io, max).await?;
    let mut body = Vec::new();
    read_body(io, &mut body, len).await?;
    Ok(body)
}

/// Reads one response frame and decodes it, exactly as [`read_frame`] then
/// [`decode_response`] would, except that a slice's ciphertext is read straight into
/// its own buffer rather than copied out of the frame's.
pub async fn read_response_frame<T: AsyncRead + Unpin>(io: &mut T) -> io::Result<Response> {
    let len = read_len(io, MAX_RESPONSE_LEN).await?;
    let mut body = Vec::new();
    read_body(io, &mut body, len.min(SLICE_HEAD_LEN)).await?;
    if body.len() < SLICE_HEAD_LEN || body[0] != TAG_SLICE {
        // Not a slice (or too short to be one): decode the whole frame.
        let rest = len - body.len();
        read_body(io, &mut body, rest).await?;
        return decode_response(&body).map_err(invalid);
    }
    let mut r = Reader(&body[1..]);
    let (index, plen) = (
        r.u64().map_err(invalid)?,
        usize::from(r.u16().map_err(invalid)?),
    );
    if plen > MerkleProof::MAX_ENCODED_LEN {
        return Err(invalid(wire(format!("proof of {plen} bytes"))));
    }
    if SLICE_HEAD_LEN + plen + SIGNATURE_LEN > len {
        return Err(invalid(wire(format!(
            "truncated: needed {} bytes, {} left",
            plen + SIGNATURE_LEN,
            len - SLICE_HEAD_LEN
        ))));
    }
    let ct_len = len - SLICE_HEAD_LEN - plen - SIGNATURE_LEN;
    if ct_len > MAX_SLICE_SIZE as usize + TAG_LEN {
        return Err(invalid(wire(format!("slice of {ct_len} bytes"))));
    }
    body.clear();
    read_body(io, &mut body, plen).await?;
    let proof = MerkleProof::from_bytes(&body).map_err(|e| invalid(wire(e.to_string())))?;
    body.clear();
    read_body(io, &mut body, SIGNATURE_LEN).await?;
    let mut signature = [0u8; SIGNATURE_LEN];
    signature.copy_from_slice(&body);
    let mut ciphertext = Vec::new();
    read_body(io, &mut ciphertext, ct_len).await?;
    Ok(Response::Slice {
        index,
        ciphertext,
        proof,
        signature,
    })
}

/// Writes one frame: the length of `head` and `payload` together, then both (the
/// length and `head` in one write).
pub async fn write_frame<T: AsyncWrite + Unpin>(
    io: &mut T,
    head: &[u8],
    payload: &[u8],
) -> io::Result<()> {
    let len = u32::try_from(head.len() + payload.len())
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "frame too long"))?;
    let mut first = Vec::with_capacity(4 + head.len());
    first.extend_from_slice(&len.to_be_bytes());
    first.extend_from_slice(head);
    io.write_all(&first).await?;
    io.write_all(payload).await?;
    io.flush().await
}

fn invalid(e: WireError) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, e)
}

/// The request-response codec for [`PROTOCOL`].
#[cfg(feature = "node")]
#[derive(Debug, Clone, Copy, Default)]
pub struct SliceCodec;

#[cfg(feature = "node")]
impl libp2p::request_response::Codec for SliceCodec {
    type Protocol = StreamProtocol;
    type Request = Request;
    type Response = Response;

    async fn read_request<T>(&mut self, _: &StreamProtocol, io: &mut T) -> io::Result<Request>
    where
        T: AsyncRead + Unpin + Send,
    {
        let body = read_frame(io, MAX_REQUEST_LEN).await?;
        decode_request(&body).map_err(invalid)
    }

    async fn read_response<T>(&mut self, _: &StreamProtocol, io: &mut T) -> io::Result<Response>
    where
        T: AsyncRead + Unpin + Send,
    {
        read_response_frame(io).await
    }

    async fn write_request<T>(
        &mut self,
        _: &StreamProtocol,
        io: &mut T,
        req: Request,
    ) -> io::Result<()>
    where
        T: AsyncWrite + Unpin + Send,
    {
        write_frame(io, &encode_request(&req), &[]).await?;
        io.close().await
    }

    async fn write_response<T>(
        &mut self,
        _: &StreamProtocol,
        io: &mut T,
        res: Response,
    ) -> io::Result<()>
    where
        T: AsyncWrite + Unpin + Send,
    {
        let (head, payload) = encode_response(&res);
        write_frame(io, &head, payload).await?;
        io.close().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn proof() -> MerkleProof {
        let leaves: Vec<[u8; 32]> = (0..3u8).map(|i| [i; 32]).collect();
        weave_slices::MerkleTree::new(leaves).proof(1).unwrap()
    }

    fn round_trip(res: Response) {
        let (head, payload) = encode_response(&res);
        let body = [head.as_slice(), payload].concat();
        assert_eq!(decode_response(&body).unwrap(), res);
        // Every truncation fails (except where the cut lands at the end of a variable
        // slice payload, which changes the meaning and is caught by verification).
        if !matches!(res, Response::Slice { .. }) {
            for cut in 0..body.len() {
                assert!(decode_response(&body[..cut]).is_err(), "cut at {cut}");
            }
        }
        let mut longer = body.clone();
        longer.push(0);
        if !matches!(res, Response::Slice { .. }) {
            assert!(decode_response(&longer).is_err());
        }
    }

    #[test]
    fn requests_round_trip_and_are_strict() {
        for req in [
            Request::Have { root: [7; 32] },
            Request::Get {
                root: [8; 32],
                index: u64::MAX,
            },
            Request::Probe {
                root: [4; 32],
                index: 77,
            },
            Request::Pay {
                voucher: vec![3; MAX_VOUCHER_LEN],
                signature: [4; SIGNATURE_LEN],
            },
            Request::Pay {
                voucher: Vec::new(),
                signature: [0; SIGNATURE_LEN],
            },
        ] {
            let b = encode_request(&req);
            assert!(b.len() <= MAX_REQUEST_LEN);
            assert_eq!(decode_request(&b).unwrap(), req);
            for cut in 0..b.len() {
                assert!(decode_request(&b[..cut]).is_err());
            }
            assert!(decode_request(&[b.as_slice(), &[0]].concat()).is_err());
        }
        assert!(decode_request(&[0x09; 33]).is_err());
        // A voucher over the limit.
        let mut long = vec![TAG_PAY];
        long.extend_from_slice(&((MAX_VOUCHER_LEN + 1) as u16).to_be_bytes());
        long.extend(vec![0; MAX_VOUCHER_LEN + 1 + SIGNATURE_LEN]);
        assert!(decode_request(&long).is_err());
    }

    #[test]
    fn responses_round_trip_and_are_strict() {
        let mut bits = Bitfield::new(11);
        bits.set(3);
        bits.set(10);
        round_trip(Response::Bitfield {
            root: [1; 32],
            payee: None,
            bits: bits.clone(),
        });
        round_trip(Response::Bitfield {
            root: [1; 32],
            payee: Some(Payee {
                address: [9; 20],
                credit_window: 64 << 20,
            }),
            bits,
        });
        round_trip(Response::Paid { paid_bytes: 7 });
        round_trip(Response::error(ErrorCode::PaymentRequired, "pay"));
        round_trip(Response::error(ErrorCode::BadVoucher, "stale"));
        round_trip(Response::Slice {
            index: 1,
            ciphertext: vec![5; 100],
            proof: proof(),
            signature: [3; SIGNATURE_LEN],
        });

        round_trip(Response::error(ErrorCode::Busy, "slow down"));
        round_trip(Response::error(ErrorCode::Other(999), ""));
        // A bitfield with a stray bit past its end.
        let mut b = vec![TAG_BITFIELD];
        b.extend_from_slice(&[0; 32]);
        b.extend_from_slice(&3u64.to_be_bytes());
        b.push(0);
        b.push(0xf0);
        assert!(decode_response(&b).is_err());
        // An error message longer than allowed is cut on construction.
        let Response::Error { message, .. } = Response::error(ErrorCode::Internal, "é".repeat(600))
        else {
            unreachable!()
        };
        assert!(message.len() <= MAX_ERROR_MESSAGE_LEN);
    }

    /// `read_response_frame` on `body` framed, against `decode_response` on `body`.
    fn read_framed(body: &[u8]) -> io::Result<Response> {
        let mut framed = (body.len() as u32).to_be_bytes().to_vec();
        framed.extend_from_slice(body);
        futures::executor::block_on(read_response_frame(&mut futures::io::Cursor::new(framed)))
    }

    #[test]
    fn the_streaming_response_reader_agrees_with_the_decoder() {
        let mut bits = Bitfield::new(11);
        bits.set(3);
        let responses = [
            Response::Slice {
                index: 9,
                ciphertext: (0..200_000u32).map(|i| i as u8).collect(),
                proof: proof(),
                signature: [8; SIGNATURE_LEN],
            },
            Response::Slice {
                index: 0,
                ciphertext: Vec::new(),
                proof: proof(),
                signature: [0; SIGNATURE_LEN],
            },
            Response::Bitfield {
                root: [1; 32],
                payee: None,
                bits,
            },
            Response::Paid { paid_bytes: 1 },
            Response::error(ErrorCode::Busy, "slow down"),
        ];
        for res in responses {
            let (head, payload) = encode_response(&res);
            let body = [head.as_slice(), payload].concat();
            assert_eq!(read_framed(&body).unwrap(), res);
            // Every cut of the body, framed as if complete, reads as it decodes.
            let cuts = (0..body.len().min(64)).chain((64..body.len()).step_by(4099));
            for cut in cuts {
                let (a, b) = (read_framed(&body[..cut]), decode_response(&body[..cut]));
                assert_eq!(a.as_ref().ok(), b.as_ref().ok(), "cut at {cut}");
                if let Err(e) = a {
                    assert_eq!(e.kind(), io::ErrorKind::InvalidData, "cut at {cut}");
                }
            }
            // A frame whose body stops short of its length is cut short.
            let mut short = (body.len() as u32 + 1).to_be_bytes().to_vec();
            short.extend_from_slice(&body);
            let err = futures::executor::block_on(read_response_frame(
                &mut futures::io::Cursor::new(short),
            ))
            .unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof);
        }
        // A slice header announcing a proof longer than the frame, or too long a proof.
        let mut b = vec![TAG_SLICE];
        b.extend_from_slice(&1u64.to_be_bytes());
        b.extend_from_slice(&100u16.to_be_bytes());
        assert_eq!(
            read_framed(&b).unwrap_err().kind(),
            io::ErrorKind::InvalidData
        );
        b[9..11].copy_from_slice(&u16::MAX.to_be_bytes());
        b.extend(vec![0; usize::from(u16::MAX)]);
        assert_eq!(
            read_framed(&b).unwrap_err().kind(),
            io::ErrorKind::InvalidData
        );
    }

    #[test]
    fn a_frame_larger_than_the_up_front_buffer_grows_as_it_arrives() {
        let body: Vec<u8> = (0..3 * UP_FRONT_LEN + 17)
            .map(|i| (i % 251) as u8)
            .collect();
        let mut framed = (body.len() as u32).to_be_bytes().to_vec();
        framed.extend_from_slice(&body);
        let got = futures::executor::block_on(read_frame(
            &mut futures::io::Cursor::new(framed),
            usize::MAX,
        ))
        .unwrap();
        assert_eq!(got, body);
    }

    #[test]
    fn an_oversized_frame_is_refused_before_reading_it() {
        futures::executor::block_on(async {
            // Claims 4 GiB and sends nothing more.
            let mut io = futures::io::Cursor::new(vec![0xff, 0xff, 0xff, 0xff]);
            let err = read_frame(&mut io, MAX_RESPONSE_LEN).await.unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::InvalidData);
            // A request frame one byte over the limit.
            let mut big = ((MAX_REQUEST_LEN + 1) as u32).to_be_bytes().to_vec();
            big.extend(vec![0; MAX_REQUEST_LEN + 1]);
            let mut io = futures::io::Cursor::new(big);
            assert!(read_frame(&mut io, MAX_REQUEST_LEN).await.is_err());
            // A frame cut short.
            let mut io = futures::io::Cursor::new(vec![0, 0, 0, 10, 1, 2]);
            let err = read_frame(&mut io, 100).await.unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof);
        });
    }

    #[test]
    fn the_largest_slice_fits_the_bound() {
        assert!(
            MAX_RESPONSE_LEN >= MAX_SLICE_SIZE as usize + TAG_LEN + MerkleProof::MAX_ENCODED_LEN
        );
        assert!(MAX_RESPONSE_LEN < u32::MAX as usize);
    }
}
