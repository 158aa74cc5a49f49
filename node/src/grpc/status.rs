//! How failures become gRPC statuses: application (ABCI) error codes and CometBFT
//! RPC failures.

use tonic::{Code, Status};
use weave_kernel::CODESPACE_SDK;

/// The gRPC code for an application error. Only the kernel's `sdk` codes have a
/// known meaning here; a module's own codes become `Unknown`, as in the Cosmos SDK,
/// and the message keeps the codespace and code for clients that know them.
fn grpc_code(codespace: &str, code: u32) -> Code {
    if codespace != CODESPACE_SDK {
        return Code::Unknown;
    }
    match code {
        0 => Code::Ok,
        // storage failure underneath
        1 => Code::Internal,
        // tx decode, invalid address, invalid public key, invalid coins, memo too
        // large, wrong signature count, no signatures, invalid request, tx too large,
        // invalid gas limit
        2 | 7 | 8 | 10 | 12 | 14 | 15 | 18 | 21 | 36 => Code::InvalidArgument,
        // unauthorized, wrong chain id
        4 => Code::PermissionDenied,
        // insufficient funds, unknown address, insufficient fee, timeout height passed,
        // sequence mismatch
        5 | 9 | 13 | 30 | 32 => Code::FailedPrecondition,
        // unknown message type or query path; unsupported feature
        6 | 37 => Code::Unimplemented,
        // out of gas
        11 => Code::ResourceExhausted,
        // not found
        22 => Code::NotFound,
        _ => Code::Unknown,
    }
}

/// A status for an application error, with `codespace:code: log` as its message.
pub(super) fn abci_status(codespace: &str, code: u32, log: &str) -> Status {
    Status::new(
        grpc_code(codespace, code),
        format!("{codespace}:{code}: {log}"),
    )
}

/// A status for a failed call to CometBFT's RPC. CometBFT's answers that say a thing
/// does not exist (a transaction, a pruned block) become `NotFound`, and a height
/// out of range `InvalidArgument`; anything else, including an unreachable node, is
/// `Unavailable`.
pub(super) fn rpc_status(method: &str, err: &tendermint_rpc::Error) -> Status {
    let text = rpc_error_text(err);
    let code = rpc_code(&text);
    if code == Code::Unavailable {
        tracing::warn!(method, error = %text, "CometBFT RPC call failed");
    } else {
        tracing::debug!(method, error = %text, "CometBFT RPC refused a request");
    }
    Status::new(code, format!("cometbft rpc: {method}: {text}"))
}

/// The readable part of an RPC error on one line: its message and causes, without the
/// location and backtrace that the error's tracer may append.
pub(super) fn rpc_error_text(err: &tendermint_rpc::Error) -> String {
    condense(&err.to_string())
}

fn condense(text: &str) -> String {
    text.lines()
        .map(str::trim)
        .take_while(|l| *l != "Location:" && *l != "Stack backtrace:")
        .filter(|l| !l.is_empty() && *l != "Caused by:")
        .collect::<Vec<_>>()
        .join(": ")
}

fn rpc_code(text: &str) -> Code {
    if text.contains("not found") || text.contains("is not available") {
        Code::NotFound
    } else if text.contains("must be less than or equal to")
        || text.contains("must be greater than")
    {
        Code::InvalidArgument
    } else {
        Code::Unavailable
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sdk_codes_map_to_grpc_codes() {
        assert_eq!(grpc_code("sdk", 22), Code::NotFound);
        for invalid in [2, 7, 10, 18] {
            assert_eq!(
                grpc_code("sdk", invalid),
                Code::InvalidArgument,
                "code {invalid}"
            );
        }
        assert_eq!(grpc_code("sdk", 6), Code::Unimplemented);
        assert_eq!(grpc_code("sdk", 5), Code::FailedPrecondition);
        assert_eq!(grpc_code("sdk", 11), Code::ResourceExhausted);
        assert_eq!(grpc_code("sdk", 1), Code::Internal);
        assert_eq!(grpc_code("sdk", 999), Code::Unknown);
    }

    #[test]
    fn module_codes_are_unknown_but_keep_their_numbers() {
        // A module's code 22 is not the kernel's "not found".
        assert_eq!(grpc_code("bank", 22), Code::Unknown);
        let s = abci_status("bank", 3, "send disabled");
        assert_eq!(s.code(), Code::Unknown);
        assert_eq!(s.message(), "bank:3: send disabled");
    }

    #[test]
    fn status_message_carries_codespace_code_and_log() {
        let s = abci_status("sdk", 22, "not found: account weave1xyz");
        assert_eq!(s.code(), Code::NotFound);
        assert_eq!(s.message(), "sdk:22: not found: account weave1xyz");
        let s = abci_status("sdk", 7, "invalid address: bad checksum");
        assert_eq!(s.code(), Code::InvalidArgument);
        assert_eq!(s.message(), "sdk:7: invalid address: bad checksum");
    }

    #[test]
    fn rpc_error_text_drops_the_trace() {
        let traced = "response error\n\nCaused by:\n    Internal error: height 9 must be less than or equal to the current blockchain height 5 (code: -32603)\n\nLocation:\n    /src/eyre.rs:10:9\n\nStack backtrace:\n   0: eyre::DefaultHandler::default_with\n";
        assert_eq!(
            condense(traced),
            "response error: Internal error: height 9 must be less than or equal to the current blockchain height 5 (code: -32603)"
        );
        assert_eq!(condense("plain message"), "plain message");
    }

    #[test]
    fn rpc_failures_are_classified() {
        assert_eq!(
            rpc_code("server returned error: tx (AB12) not found"),
            Code::NotFound
        );
        assert_eq!(
            rpc_code("height 3 is not available, lowest height is 10"),
            Code::NotFound
        );
        assert_eq!(
            rpc_code("height 90 must be less than or equal to the current blockchain height 12"),
            Code::InvalidArgument
        );
        assert_eq!(
            rpc_code("error sending request: connection refused"),
            Code::Unavailable
        );
    }
}
