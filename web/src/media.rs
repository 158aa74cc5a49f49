//! The streaming gateway's routes: `GET /media/{content_id}` with HTTP `Range`, and
//! `GET /media/{content_id}/status`, over the [`Gateway`](crate::gateway::Gateway).

use axum::{
    body::Body,
    extract::{Path, RawQuery, State},
    http::{header, HeaderMap, StatusCode},
    response::{IntoResponse, Response},
};

use crate::{
    forms::selected_key,
    gateway::{body, parse_range, text},
    security::query_param,
    state::AppState,
};

/// The payment channel a media request names (`?channel=N`), 0 for none. Paying is
/// spending, so a channel needs the token in the address too (the page puts it there).
fn channel_of(state: &AppState, query: Option<&str>) -> Result<u64, (StatusCode, String)> {
    let Some(channel) = query_param(query, "channel").filter(|c| !c.is_empty() && c != "0") else {
        return Ok(0);
    };
    let token_ok = query_param(query, "token").is_some_and(|t| state.guard.form_token_ok(&t));
    if !token_ok {
        return Err((
            StatusCode::FORBIDDEN,
            "paying through a channel needs the token".into(),
        ));
    }
    channel.parse().map_err(|_| {
        (
            StatusCode::BAD_REQUEST,
            format!("channel {channel:?} is not a number"),
        )
    })
}

/// `GET /media/{id}[?channel=N&token=T]`.
pub(crate) async fn serve(
    State(state): State<AppState>,
    Path(id): Path<u64>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let channel = match channel_of(&state, query.as_deref()) {
        Ok(c) => c,
        Err((status, why)) => return text(status, why),
    };
    let key = match selected_key(&state, &headers) {
        Ok((_, key)) => key,
        Err(e) => return text(StatusCode::FORBIDDEN, format!("{e:#}")),
    };
    let range = headers.get(header::RANGE).and_then(|v| v.to_str().ok());
    // Where the first range starts: a new fetch brings that slice first.
    let from = range
        .and_then(|r| r.trim().strip_prefix("bytes="))
        .and_then(|r| r.split('-').next())
        .and_then(|a| a.trim().parse::<u64>().ok())
        .unwrap_or(0);
    let stream = match state.media.open(&state.node, id, channel, &key, from).await {
        Ok(s) => s,
        Err((status, why)) => return text(status, why),
    };
    let len = stream.len;
    let (status, first, last) = match parse_range(range, len) {
        Ok(Some((a, b))) => (StatusCode::PARTIAL_CONTENT, a, b),
        Ok(None) => (StatusCode::OK, 0, len.saturating_sub(1)),
        Err(()) => {
            return (
                StatusCode::RANGE_NOT_SATISFIABLE,
                [
                    (header::CONTENT_RANGE, format!("bytes */{len}")),
                    (header::ACCEPT_RANGES, "bytes".to_string()),
                ],
            )
                .into_response()
        }
    };
    let length = if len == 0 { 0 } else { last - first + 1 };
    let mut response = Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, stream.mime.as_str())
        .header(header::ACCEPT_RANGES, "bytes")
        .header(header::CONTENT_LENGTH, length)
        .header(header::CACHE_CONTROL, "no-store");
    if status == StatusCode::PARTIAL_CONTENT {
        response = response.header(header::CONTENT_RANGE, format!("bytes {first}-{last}/{len}"));
    }
    let b = if length == 0 {
        Body::empty()
    } else {
        body(stream, first, last)
    };
    response
        .body(b)
        .unwrap_or_else(|e| text(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))
}

/// `GET /media/{id}/status`: the fetch behind the player, for its live panel.
pub(crate) async fn status(
    State(state): State<AppState>,
    Path(id): Path<u64>,
    RawQuery(query): RawQuery,
) -> Response {
    let channel = query_param(query.as_deref(), "channel")
        .and_then(|c| c.parse().ok())
        .unwrap_or(0u64);
    let streams = state.media.streams.lock().await;
    let Some(s) = streams.get(&(id, channel)) else {
        return json(serde_json::json!({ "started": false }));
    };
    let p = s.progress.borrow().clone();
    json(serde_json::json!({
        "started": true,
        "length": s.len,
        "written": p.written,
        "slices_ready": p.slices_ready,
        "slices_done": p.slices_done,
        "slices_total": p.slices_total,
        "peers": p.peers,
        "bytes_per_sec": p.bytes_per_sec,
        "bytes_paid": p.bytes_paid,
        "amount_promised": p.amount_promised,
        "done": p.done,
        "failed": p.failed,
    }))
}

fn json(v: serde_json::Value) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], v.to_string()).into_response()
}
