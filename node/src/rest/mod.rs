//! The Cosmos REST API (`[rest]`, `127.0.0.1:1317` by default): a gateway in front of
//! the gRPC API, as the Cosmos SDK's grpc-gateway is.
//!
//! Each route ([`routes`]) names one gRPC method. A request's path fields, query
//! string and JSON body become the method's request message through the protobuf JSON
//! mapping (`prost-reflect` over the served descriptors, [`crate::descriptors`]); the
//! message goes to the node's own gRPC server, so REST answers exactly what gRPC
//! answers; the response is rendered in the same mapping (proto field names, every
//! field, 64-bit integers as strings, `Any`s expanded with their `@type`).
//!
//! `?height=N` (or the `x-cosmos-block-height` header) asks for the state at a height,
//! and the height that answered comes back in `x-cosmos-block-height`. A failure is
//! `{"code": <gRPC code>, "message": ..., "details": []}` with the HTTP status
//! grpc-gateway gives that code.

mod routes;

use std::{net::SocketAddr, str::FromStr as _, sync::Arc, time::Duration};

use anyhow::Context as _;
use axum::{
    body::Bytes,
    extract::{DefaultBodyLimit, State},
    http::{HeaderMap, HeaderValue, Method, StatusCode, Uri},
    response::{IntoResponse, Response},
    Router,
};
use prost::Message as _;
use prost_reflect::ReflectMessage as _;
use prost_reflect::{
    DeserializeOptions, DynamicMessage, Kind, MessageDescriptor, SerializeOptions,
};
use serde_json::{Map, Value as Json};
use tonic::{codegen::http::uri::PathAndQuery, transport::Channel};

use crate::grpc::{RawCodec, BLOCK_HEIGHT_HEADER, MAX_DECODE_BYTES, MAX_ENCODE_BYTES};
use routes::{BodyRule, Matched, NoRoute, Route};

/// `[rest]` in `weaved.toml`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct RestSettings {
    /// Serve the REST API at all.
    pub(crate) enabled: bool,
    /// Where it listens.
    pub(crate) address: SocketAddr,
}

/// The Cosmos SDK's REST port, on loopback.
pub(crate) const DEFAULT_ADDRESS: SocketAddr =
    SocketAddr::new(std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST), 1317);

impl Default for RestSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            address: DEFAULT_ADDRESS,
        }
    }
}

/// How long one REST request may take.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// The routes and the gRPC client they call.
#[derive(Clone)]
struct Gateway {
    routes: Arc<Vec<Route>>,
    grpc: tonic::client::Grpc<Channel>,
}

impl Gateway {
    /// Routes for the Cosmos services and `weave_services`, calling the gRPC API at
    /// `grpc_addr` (an unspecified address is reached on loopback).
    fn new(mut grpc_addr: SocketAddr, weave_services: &[String]) -> anyhow::Result<Self> {
        let pool = crate::descriptors::pool().map_err(anyhow::Error::msg)?;
        let routes = routes::build(pool, &crate::descriptors::COSMOS_SERVICES, weave_services)
            .map_err(anyhow::Error::msg)
            .context("building the REST routes")?;
        if grpc_addr.ip().is_unspecified() {
            grpc_addr.set_ip(std::net::Ipv4Addr::LOCALHOST.into());
        }
        let channel = tonic::transport::Endpoint::from_shared(format!("http://{grpc_addr}"))
            .context("the gRPC address")?
            .connect_lazy();
        let grpc = tonic::client::Grpc::new(channel)
            .max_decoding_message_size(MAX_ENCODE_BYTES)
            .max_encoding_message_size(MAX_DECODE_BYTES);
        Ok(Self {
            routes: Arc::new(routes),
            grpc,
        })
    }

    async fn answer(&self, method: Method, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
        let matched = match routes::find(&self.routes, &method, uri.path()) {
            Ok(m) => m,
            Err(NoRoute::NotFound) => {
                return error(StatusCode::NOT_FOUND, tonic::Code::NotFound, "Not Found")
            }
            Err(NoRoute::MethodNotAllowed) => {
                return error(
                    StatusCode::METHOD_NOT_ALLOWED,
                    tonic::Code::Unimplemented,
                    "Method Not Allowed",
                )
            }
        };
        let request = match build_request(&matched, uri.query(), &headers, &body) {
            Ok(r) => r,
            Err(message) => {
                return error(
                    StatusCode::BAD_REQUEST,
                    tonic::Code::InvalidArgument,
                    &message,
                )
            }
        };
        let route = matched.route;
        match tokio::time::timeout(REQUEST_TIMEOUT, self.call(route, request)).await {
            Ok(Ok(response)) => self.render(route, response),
            Ok(Err(status)) => status_response(&status),
            Err(_) => error(
                StatusCode::GATEWAY_TIMEOUT,
                tonic::Code::DeadlineExceeded,
                "the request took too long",
            ),
        }
    }

    async fn call(
        &self,
        route: &Route,
        request: tonic::Request<Vec<u8>>,
    ) -> Result<tonic::Response<Vec<u8>>, tonic::Status> {
        let path = PathAndQuery::from_str(&route.grpc_path)
            .map_err(|e| tonic::Status::internal(format!("bad gRPC path: {e}")))?;
        let mut grpc = self.grpc.clone();
        grpc.ready()
            .await
            .map_err(|e| tonic::Status::unavailable(format!("the gRPC API is not ready: {e}")))?;
        grpc.unary(request, path, RawCodec).await
    }

    /// The response message as JSON, with the answering height in its header.
    fn render(&self, route: &Route, response: tonic::Response<Vec<u8>>) -> Response {
        let height = response.metadata().get(BLOCK_HEIGHT_HEADER).cloned();
        let json = DynamicMessage::decode(route.output.clone(), response.into_inner().as_slice())
            .map_err(|e| e.to_string())
            .and_then(|message| to_json(&message));
        match json {
            Ok(bytes) => {
                let mut res = (
                    [(
                        axum::http::header::CONTENT_TYPE,
                        HeaderValue::from_static("application/json"),
                    )],
                    bytes,
                )
                    .into_response();
                if let Some(h) = height.and_then(|h| HeaderValue::from_bytes(h.as_bytes()).ok()) {
                    res.headers_mut().insert(BLOCK_HEIGHT_HEADER, h);
                }
                res
            }
            Err(e) => {
                tracing::error!(route = %route.grpc_path, error = %e, "a gRPC answer could not be rendered as JSON");
                error(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    tonic::Code::Internal,
                    &format!("rendering the answer: {e}"),
                )
            }
        }
    }
}

/// A message in the protobuf JSON mapping, as the Cosmos SDK's gateway renders it:
/// proto field names and every field, defaults included, and each `Any` expanded with
/// its Cosmos type URL (`"@type": "/cosmos.auth.v1beta1.BaseAccount"`).
pub(crate) fn to_json(message: &DynamicMessage) -> Result<Vec<u8>, String> {
    let options = SerializeOptions::new()
        .use_proto_field_name(true)
        .skip_default_fields(false);
    // prost-reflect expands only `type.googleapis.com/` type URLs; Cosmos writes
    // `/<full name>`. The URLs are lengthened for the serializer and shortened back
    // in its output.
    let mut message = message.clone();
    any_type_urls(&mut message, &|url: &str| {
        url.strip_prefix('/')
            .map(|name| format!("{GOOGLE_TYPE_PREFIX}{name}"))
    })?;
    let mut json = message
        .serialize_with_options(serde_json::value::Serializer, &options)
        .map_err(|e| e.to_string())?;
    json_type_urls(&mut json, &|url: &str| {
        url.strip_prefix(GOOGLE_TYPE_PREFIX)
            .map(|name| format!("/{name}"))
    });
    serde_json::to_vec(&json).map_err(|e| e.to_string())
}

/// The type URL prefix prost-reflect's JSON mapping knows.
const GOOGLE_TYPE_PREFIX: &str = "type.googleapis.com/";

/// Rewrites the type URL of every `Any` in `message`, however deep (an `Any`'s payload
/// is decoded, rewritten and encoded again), by `rewrite` (which leaves a URL it
/// returns nothing for as it is). A payload of an unknown type is left as it is.
pub(crate) fn any_type_urls(
    message: &mut DynamicMessage,
    rewrite: &dyn Fn(&str) -> Option<String>,
) -> Result<(), String> {
    use prost_reflect::Value;
    fn value(v: &mut Value, rewrite: &dyn Fn(&str) -> Option<String>) -> Result<(), String> {
        match v {
            Value::Message(m) => any_type_urls(m, rewrite),
            Value::List(list) => list.iter_mut().try_for_each(|v| value(v, rewrite)),
            Value::Map(map) => map.values_mut().try_for_each(|v| value(v, rewrite)),
            _ => Ok(()),
        }
    }
    if message.descriptor().full_name() == "google.protobuf.Any" {
        let any: prost_types::Any = message.transcode_to().map_err(|e| e.to_string())?;
        let pool = message.descriptor().parent_pool().clone();
        let name = any.type_url.rsplit_once('/').map_or("", |(_, n)| n);
        let mut value = any.value;
        if let Some(desc) = pool.get_message_by_name(name) {
            let mut payload =
                DynamicMessage::decode(desc, value.as_slice()).map_err(|e| e.to_string())?;
            any_type_urls(&mut payload, rewrite)?;
            value = payload.encode_to_vec();
        }
        let rewritten = prost_types::Any {
            type_url: rewrite(&any.type_url).unwrap_or(any.type_url),
            value,
        };
        message.clear();
        message
            .transcode_from(&rewritten)
            .map_err(|e| e.to_string())?;
        return Ok(());
    }
    for (_, v) in message.fields_mut() {
        value(v, rewrite)?;
    }
    Ok(())
}

/// Rewrites every `"@type"` string of a JSON value by `rewrite`.
pub(crate) fn json_type_urls(json: &mut Json, rewrite: &dyn Fn(&str) -> Option<String>) {
    match json {
        Json::Object(map) => {
            for (key, v) in map.iter_mut() {
                match v {
                    Json::String(url) if key == "@type" => {
                        if let Some(new) = rewrite(url) {
                            *url = new;
                        }
                    }
                    _ => json_type_urls(v, rewrite),
                }
            }
        }
        Json::Array(list) => list.iter_mut().for_each(|v| json_type_urls(v, rewrite)),
        _ => {}
    }
}

/// The gRPC request of a matched route: its message from the body, the path fields
/// and the query string, and the height asked for.
fn build_request(
    matched: &Matched<'_>,
    query: Option<&str>,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<tonic::Request<Vec<u8>>, String> {
    let route = matched.route;
    let input = &route.input;
    let mut json = Map::new();
    let body_json = || -> Result<Json, String> {
        if body.iter().all(u8::is_ascii_whitespace) {
            Ok(Json::Object(Map::new()))
        } else {
            serde_json::from_slice(body).map_err(|e| format!("the body is not JSON: {e}"))
        }
    };
    match &route.body {
        BodyRule::None => {}
        BodyRule::All => match body_json()? {
            Json::Object(map) => json = map,
            _ => return Err("the body must be a JSON object".into()),
        },
        BodyRule::Field(field) => {
            json.insert(field.clone(), body_json()?);
        }
    }
    for (field, value) in &matched.fields {
        set_field(&mut json, input, field, value)?;
    }
    let mut height = headers
        .get(BLOCK_HEIGHT_HEADER)
        .map(|h| h.to_str().map(str::to_string))
        .transpose()
        .map_err(|_| format!("{BLOCK_HEIGHT_HEADER} is not text"))?;
    if route.body != BodyRule::All {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query.unwrap_or(""))
            .map_err(|e| format!("the query string: {e}"))?;
        for (key, value) in pairs {
            // `height` is the block height, unless the request message has a field
            // of that name.
            if key == "height" && input.get_field_by_name("height").is_none() {
                height = Some(value);
                continue;
            }
            set_field(&mut json, input, &key, &value)?;
        }
    }
    // `Any`s in the request: their Cosmos type URLs lengthened for prost-reflect, and
    // shortened back in the message (see `to_json`).
    let mut json = Json::Object(json);
    json_type_urls(&mut json, &|url: &str| {
        url.strip_prefix('/')
            .map(|name| format!("{GOOGLE_TYPE_PREFIX}{name}"))
    });
    let mut message = DynamicMessage::deserialize_with_options(
        input.clone(),
        json,
        &DeserializeOptions::new().deny_unknown_fields(true),
    )
    .map_err(|e| format!("the request does not fit {}: {e}", input.full_name()))?;
    any_type_urls(&mut message, &|url: &str| {
        url.strip_prefix(GOOGLE_TYPE_PREFIX)
            .map(|name| format!("/{name}"))
    })?;
    let mut request = tonic::Request::new(message.encode_to_vec());
    if let Some(h) = height {
        let h: i64 = h
            .trim()
            .parse()
            .ok()
            .filter(|h| *h >= 0)
            .ok_or_else(|| format!("height must be a non-negative integer, got {h:?}"))?;
        request
            .metadata_mut()
            .insert(BLOCK_HEIGHT_HEADER, tonic::metadata::MetadataValue::from(h));
    }
    Ok(request)
}

/// Sets the dotted field `path` (proto or JSON names: `pagination.limit`) of the JSON
/// object from one text value: a repeated field collects every value, a bool and an
/// enum's number are converted, anything else stays text, which the JSON mapping
/// reads for numbers, bytes (base64) and strings alike.
fn set_field(
    json: &mut Map<String, Json>,
    message: &MessageDescriptor,
    path: &str,
    value: &str,
) -> Result<(), String> {
    let (name, rest) = match path.split_once('.') {
        Some((name, rest)) => (name, Some(rest)),
        None => (path, None),
    };
    let field = message
        .get_field_by_name(name)
        .or_else(|| message.get_field_by_json_name(name))
        .ok_or_else(|| format!("{} has no field {name:?}", message.full_name()))?;
    let key = field.name().to_string();
    match (rest, field.kind()) {
        (Some(rest), Kind::Message(inner)) if !field.is_list() && !field.is_map() => {
            let entry = json.entry(key).or_insert_with(|| Json::Object(Map::new()));
            let Json::Object(map) = entry else {
                return Err(format!("{name} is given twice"));
            };
            set_field(map, &inner, rest, value)
        }
        (Some(_), _) => Err(format!(
            "{}.{name} has no fields to set",
            message.full_name()
        )),
        (None, kind) => {
            let v = match kind {
                Kind::Bool => Json::Bool(
                    value
                        .parse()
                        .map_err(|_| format!("{name}: {value:?} is not true or false"))?,
                ),
                Kind::Enum(_) => match value.parse::<i32>() {
                    Ok(n) => Json::from(n),
                    Err(_) => Json::String(value.to_string()),
                },
                Kind::Message(_) if !field.is_list() => {
                    // A well-known type written as text (a timestamp, a duration).
                    Json::String(value.to_string())
                }
                _ => Json::String(value.to_string()),
            };
            if field.is_list() {
                match json.entry(key).or_insert_with(|| Json::Array(Vec::new())) {
                    Json::Array(list) => list.push(v),
                    _ => return Err(format!("{name} is given twice")),
                }
            } else {
                json.insert(key, v);
            }
            Ok(())
        }
    }
}

/// The HTTP status grpc-gateway answers a gRPC code with.
fn http_status(code: tonic::Code) -> StatusCode {
    use tonic::Code;
    match code {
        Code::Ok => StatusCode::OK,
        Code::Cancelled => StatusCode::from_u16(499).unwrap_or(StatusCode::BAD_REQUEST),
        Code::InvalidArgument | Code::FailedPrecondition | Code::OutOfRange => {
            StatusCode::BAD_REQUEST
        }
        Code::DeadlineExceeded => StatusCode::GATEWAY_TIMEOUT,
        Code::NotFound => StatusCode::NOT_FOUND,
        Code::AlreadyExists | Code::Aborted => StatusCode::CONFLICT,
        Code::PermissionDenied => StatusCode::FORBIDDEN,
        Code::Unauthenticated => StatusCode::UNAUTHORIZED,
        Code::ResourceExhausted => StatusCode::TOO_MANY_REQUESTS,
        Code::Unimplemented => StatusCode::NOT_IMPLEMENTED,
        Code::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        Code::Unknown | Code::Internal | Code::DataLoss => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// A failed gRPC call as the Cosmos SDK's gateway reports it.
fn status_response(status: &tonic::Status) -> Response {
    error(http_status(status.code()), status.code(), status.message())
}

/// `{"code": <gRPC code>, "message": ..., "details": []}` with `status`.
fn error(status: StatusCode, code: tonic::Code, message: &str) -> Response {
    let body = serde_json::json!({
        "code": code as i32,
        "message": message,
        "details": [],
    });
    let mut res = (
        status,
        [(
            axum::http::header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        body.to_string(),
    )
        .into_response();
    *res.status_mut() = status;
    res
}

async fn handle(
    State(gateway): State<Gateway>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    gateway.answer(method, uri, headers, body).await
}

/// The largest request body: a broadcast carries a whole transaction in base64.
const MAX_BODY_BYTES: usize = 2 * MAX_DECODE_BYTES;

fn router(gateway: Gateway) -> Router {
    Router::new()
        .fallback(handle)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(gateway)
}

/// A running REST server.
pub(crate) struct Rest {
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

impl Rest {
    /// Stops serving and waits (briefly) for the server to end.
    pub(crate) async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let _ = tokio::time::timeout(Duration::from_secs(5), &mut self.task).await;
    }
}

/// Binds `settings.address` and serves the REST API in front of the gRPC API at
/// `grpc_addr`, for the Cosmos services and the Weave module services
/// `weave_services`.
pub(crate) async fn start(
    settings: &RestSettings,
    grpc_addr: SocketAddr,
    weave_services: &[String],
) -> anyhow::Result<Rest> {
    let gateway = Gateway::new(grpc_addr, weave_services)?;
    let listener = tokio::net::TcpListener::bind(settings.address)
        .await
        .with_context(|| format!("binding the REST address {}", settings.address))?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let addr = settings.address;
    let task = tokio::spawn(async move {
        let served = axum::serve(listener, router(gateway))
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await;
        if let Err(e) = served {
            tracing::error!(%addr, error = %e, "REST server failed");
        }
    });
    Ok(Rest {
        stop: Some(stop),
        task,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::descriptors::pool;

    fn message(name: &str) -> MessageDescriptor {
        pool().expect("pool").get_message_by_name(name).expect(name)
    }

    #[test]
    fn query_strings_fill_nested_repeated_and_typed_fields() {
        let desc = message("cosmos.tx.v1beta1.GetTxsEventRequest");
        let mut json = Map::new();
        for (k, v) in [
            ("events", "message.sender='a'"),
            ("events", "transfer.recipient='b'"),
            ("pagination.limit", "5"),
            ("pagination.countTotal", "true"),
            ("order_by", "ORDER_BY_DESC"),
            ("page", "2"),
        ] {
            set_field(&mut json, &desc, k, v).expect(k);
        }
        let msg = DynamicMessage::deserialize(desc.clone(), Json::Object(json)).expect("fits");
        let req: cosmos_sdk_proto::cosmos::tx::v1beta1::GetTxsEventRequest =
            msg.transcode_to().expect("typed");
        #[allow(deprecated)]
        {
            assert_eq!(
                req.events,
                vec!["message.sender='a'", "transfer.recipient='b'"]
            );
            let page = req.pagination.expect("pagination");
            assert_eq!(page.limit, 5);
            assert!(page.count_total);
        }
        assert_eq!(req.order_by, 2);
        assert_eq!(req.page, 2);

        let mut json = Map::new();
        assert!(set_field(&mut json, &desc, "nothing", "1").is_err());
        assert!(set_field(&mut json, &desc, "page.x", "1").is_err());
        assert!(set_field(&mut json, &desc, "pagination.count_total", "yes").is_err());
    }

    #[test]
    fn failures_look_like_the_cosmos_gateway_s() {
        assert_eq!(http_status(tonic::Code::NotFound), StatusCode::NOT_FOUND);
        assert_eq!(
            http_status(tonic::Code::InvalidArgument),
            StatusCode::BAD_REQUEST
        );
        assert_eq!(
            http_status(tonic::Code::Unimplemented),
            StatusCode::NOT_IMPLEMENTED
        );
        assert_eq!(
            http_status(tonic::Code::Unknown),
            StatusCode::INTERNAL_SERVER_ERROR
        );
        let res = status_response(&tonic::Status::not_found("sdk:22: no account"));
        assert_eq!(res.status(), StatusCode::NOT_FOUND);
    }

    #[test]
    fn responses_render_in_the_json_mapping() {
        use cosmos_sdk_proto::cosmos::{
            auth::v1beta1::{BaseAccount, QueryAccountResponse},
            bank::v1beta1::QueryBalanceResponse,
            base::v1beta1::Coin,
        };
        let balance = QueryBalanceResponse {
            balance: Some(Coin {
                denom: "uweave".into(),
                amount: "5".into(),
            }),
        };
        let msg = DynamicMessage::decode(
            message("cosmos.bank.v1beta1.QueryBalanceResponse"),
            balance.encode_to_vec().as_slice(),
        )
        .expect("decode");
        let json: Json = serde_json::from_slice(&to_json(&msg).expect("json")).expect("parse");
        assert_eq!(
            json,
            serde_json::json!({"balance": {"denom": "uweave", "amount": "5"}})
        );

        let account = QueryAccountResponse {
            account: Some(prost_types_any(
                "/cosmos.auth.v1beta1.BaseAccount",
                BaseAccount {
                    address: "weave1x".into(),
                    pub_key: None,
                    account_number: 7,
                    sequence: 0,
                }
                .encode_to_vec(),
            )),
        };
        let msg = DynamicMessage::decode(
            message("cosmos.auth.v1beta1.QueryAccountResponse"),
            account.encode_to_vec().as_slice(),
        )
        .expect("decode");
        let json: Json = serde_json::from_slice(&to_json(&msg).expect("json")).expect("parse");
        // The `Any` is expanded with its Cosmos type URL, 64-bit numbers are text and
        // scalar defaults are present.
        assert_eq!(
            json,
            serde_json::json!({"account": {
                "@type": "/cosmos.auth.v1beta1.BaseAccount",
                "address": "weave1x",
                "account_number": "7",
                "sequence": "0",
            }})
        );
    }

    fn prost_types_any(type_url: &str, value: Vec<u8>) -> tendermint_proto::google::protobuf::Any {
        tendermint_proto::google::protobuf::Any {
            type_url: type_url.into(),
            value,
        }
    }
}
