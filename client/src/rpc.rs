//! CometBFT's RPC (`--node`), read with plain HTTP GETs: `status`, `block`, and the
//! check that `--node` and `--grpc` each point at the protocol they name.

use std::{
    io::{Read, Write},
    net::{TcpStream, ToSocketAddrs},
    time::Duration,
};

use anyhow::{anyhow, bail, Context};
use serde_json::Value;

/// The gRPC endpoint used when neither `--grpc`, `WEAVE_GRPC` nor the home's
/// `weaved.toml` names one.
pub const DEFAULT_GRPC: &str = "http://127.0.0.1:9090";
/// CometBFT's RPC endpoint used when neither `--node`, `WEAVE_NODE` nor the home's
/// CometBFT `config.toml` names one: the default of every Cosmos CLI.
pub const DEFAULT_NODE: &str = "http://127.0.0.1:26657";

/// How long connecting to, and then reading from, CometBFT's RPC may take.
const RPC_TIMEOUT: Duration = Duration::from_secs(10);

/// How long the flag check waits for an answer: a gRPC server answers an HTTP/1
/// request at once or not at all.
const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

/// The largest RPC answer read (a block with many transactions).
const MAX_ANSWER: u64 = 64 << 20;

/// `host:port` of an `http://host:port[/...]` URL.
fn authority(url: &str) -> anyhow::Result<String> {
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| anyhow!("CometBFT's RPC is dialled over plain HTTP, not {url:?}"))?;
    let authority = rest.split('/').next().unwrap_or(rest);
    anyhow::ensure!(!authority.is_empty(), "no host in {url:?}");
    Ok(if authority.contains(':') && !authority.ends_with(']') {
        authority.to_string()
    } else {
        format!("{authority}:80")
    })
}

/// Sends `GET path` (HTTP/1.0, so the answer is neither chunked nor kept alive) and
/// returns what came back: the raw bytes, possibly empty.
fn http_get(url: &str, path: &str, timeout: Duration) -> std::io::Result<Vec<u8>> {
    let authority = authority(url).map_err(std::io::Error::other)?;
    let addr = authority
        .to_socket_addrs()?
        .next()
        .ok_or_else(|| std::io::Error::other(format!("{authority} resolves to nothing")))?;
    let mut stream = TcpStream::connect_timeout(&addr, timeout)?;
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(timeout))?;
    // Once connected, whatever came back is the answer: a server that speaks only
    // HTTP/2 (gRPC) answers with its own frames, or resets the connection, or times
    // out; each is "not CometBFT's RPC". That holds for the write too: an HTTP/2
    // server reads the first 24 bytes, finds no HTTP/2 preface and resets the
    // connection, which can fail a write still under way. The request goes out in
    // one write, and a failed write is not "nothing listens there".
    let request = format!("GET {path} HTTP/1.0\r\nHost: {authority}\r\n\r\n");
    let _ = stream.write_all(request.as_bytes());
    let mut answer = Vec::new();
    let _ = stream.take(MAX_ANSWER).read_to_end(&mut answer);
    Ok(answer)
}

/// The JSON body of an HTTP/1 answer, if it is one.
fn http_json(answer: &[u8]) -> Option<Value> {
    if !answer.starts_with(b"HTTP/1.") {
        return None;
    }
    let split = answer.windows(4).position(|w| w == b"\r\n\r\n")?;
    serde_json::from_slice(&answer[split + 4..]).ok()
}

/// `GET path` on CometBFT's RPC at `url`: the `result` of the JSON-RPC answer, or its
/// `error` as an error.
pub fn get(url: &str, path: &str) -> anyhow::Result<Value> {
    let answer = http_get(url, path, RPC_TIMEOUT).with_context(|| {
        format!("cannot reach CometBFT's RPC at {url} (--node; default {DEFAULT_NODE})")
    })?;
    let Some(json) = http_json(&answer) else {
        bail!(
            "{url} does not answer as CometBFT's RPC{}",
            grpc_hint(&answer)
        );
    };
    if let Some(error) = json.get("error") {
        let data = error.get("data").and_then(Value::as_str).unwrap_or("");
        let message = error.get("message").and_then(Value::as_str).unwrap_or("");
        bail!("CometBFT's RPC {path}: {message} {data}");
    }
    json.get("result")
        .cloned()
        .ok_or_else(|| anyhow!("CometBFT's RPC {path} answered no result"))
}

/// What an answer that is not CometBFT's says about the server.
fn grpc_hint(answer: &[u8]) -> String {
    if answer.starts_with(b"HTTP/1.") {
        String::new()
    } else {
        // An HTTP/2-only server (tonic, the gRPC API) answers an HTTP/1 request with
        // HTTP/2 frames or by closing the connection.
        format!(
            ": it looks like a gRPC endpoint. --node is CometBFT's RPC (default \
             {DEFAULT_NODE}), as in every Cosmos CLI; give the gRPC endpoint with --grpc"
        )
    }
}

/// Whether an answer to `GET /status` is CometBFT's.
fn is_cometbft_status(answer: &[u8]) -> bool {
    http_json(answer).is_some_and(|json| json.pointer("/result/node_info").is_some())
}

/// Checks that `--node URL` is CometBFT's RPC. A URL that answers something else (the
/// gRPC API, which `--node` meant in earlier versions of weaved) is an error that names
/// `--grpc`; a URL that does not answer at all is left to the command that uses it.
pub fn check_rpc_flag(url: &str) -> anyhow::Result<()> {
    let Ok(answer) = http_get(url, "/status", PROBE_TIMEOUT) else {
        return Ok(());
    };
    if is_cometbft_status(&answer) {
        return Ok(());
    }
    let hint = grpc_hint(&answer);
    if hint.is_empty() {
        bail!(
            "--node {url} does not answer CometBFT's RPC (/status). --node is CometBFT's RPC \
             (default {DEFAULT_NODE}), as in every Cosmos CLI; the gRPC endpoint is --grpc \
             (default {DEFAULT_GRPC})"
        )
    }
    bail!("--node {url} does not answer CometBFT's RPC{hint} {url}")
}

/// Checks that `--grpc URL` is not CometBFT's RPC.
pub fn check_grpc_flag(url: &str) -> anyhow::Result<()> {
    if !url.starts_with("http://") {
        return Ok(());
    }
    match http_get(url, "/status", PROBE_TIMEOUT) {
        Ok(answer) if is_cometbft_status(&answer) => bail!(
            "--grpc {url} is CometBFT's RPC, not the node's gRPC API: give it with --node, \
             and the gRPC endpoint (default {DEFAULT_GRPC}) with --grpc"
        ),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authorities_get_a_port() {
        assert_eq!(authority("http://h:1/x").unwrap(), "h:1");
        assert_eq!(authority("http://h").unwrap(), "h:80");
        assert!(authority("https://h:1").is_err());
    }

    #[test]
    fn answers_are_told_apart() {
        let status = b"HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n{\"jsonrpc\":\"2.0\",\"id\":-1,\"result\":{\"node_info\":{}}}";
        assert!(is_cometbft_status(status));
        assert!(!is_cometbft_status(b"HTTP/1.0 404 Not Found\r\n\r\n{}"));
        // An HTTP/2 SETTINGS frame, as a gRPC server answers.
        let h2 = [0u8, 0, 6, 4, 0, 0, 0, 0, 0];
        assert!(!is_cometbft_status(&h2));
        assert!(grpc_hint(&h2).contains("--grpc"));
        assert!(grpc_hint(b"").contains("--grpc"));
        assert!(grpc_hint(b"HTTP/1.1 404").is_empty());
    }

    /// A one-shot server answering `answer` to the first connection.
    fn serve_once(answer: &'static [u8]) -> String {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        std::thread::spawn(move || {
            let (mut s, _) = listener.accept().unwrap();
            // Read the whole request: closing with unread bytes would reset the
            // connection before the client reads the answer.
            let mut request = Vec::new();
            let mut buf = [0u8; 1024];
            while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                match s.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => request.extend_from_slice(&buf[..n]),
                }
            }
            let _ = s.write_all(answer);
            let _ = s.shutdown(std::net::Shutdown::Write);
        });
        url
    }

    /// A one-shot server that accepts the first connection and resets it.
    fn reset_at_once() -> String {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        std::thread::spawn(move || {
            let (s, _) = listener.accept().unwrap();
            // Closing with the request unread sends a reset.
            std::thread::sleep(Duration::from_millis(20));
            drop(s);
        });
        url
    }

    #[test]
    fn each_flag_refuses_the_other_protocol() {
        let h2: &'static [u8] = &[0u8, 0, 6, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        let err = check_rpc_flag(&serve_once(h2)).unwrap_err().to_string();
        assert!(err.contains("--grpc") && err.contains("gRPC"), "{err}");
        const STATUS: &[u8] =
            b"HTTP/1.0 200 OK\r\n\r\n{\"result\":{\"node_info\":{\"network\":\"c\"}}}";
        check_rpc_flag(&serve_once(STATUS)).unwrap();
        let err = check_grpc_flag(&serve_once(STATUS))
            .unwrap_err()
            .to_string();
        assert!(err.contains("--node"), "{err}");
        check_grpc_flag(&serve_once(h2)).unwrap();
        // A server that resets the connection at once (an HTTP/2 server given an
        // HTTP/1 request) is not CometBFT's RPC either, however the reset meets the
        // request.
        for _ in 0..20 {
            let err = check_rpc_flag(&reset_at_once()).unwrap_err().to_string();
            assert!(err.contains("--grpc"), "{err}");
        }
        assert_eq!(
            get(&serve_once(STATUS), "/status").unwrap()["node_info"]["network"],
            "c"
        );
    }
}
