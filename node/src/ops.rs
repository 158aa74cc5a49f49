//! The operators' HTTP endpoint (`[telemetry] laddr` in `weaved.toml`):
//!
//! - `GET /metrics`: [`Metrics`] in the Prometheus text format;
//! - `GET /health`: `200` while the node makes blocks, `503` once its last committed
//!   block is older than `[telemetry] max_block_age_secs` (or before the first), with a
//!   small JSON body saying why.

use std::{
    future::{Future, IntoFuture},
    net::SocketAddr,
    time::Duration,
};

use anyhow::Context as _;
use axum::{
    extract::State,
    http::{header, StatusCode},
    response::IntoResponse,
    routing::get,
    Router,
};

use weave_sidecar::SidecarHandle;

use crate::{
    abci_metrics::Metered,
    config::TelemetrySettings,
    health::{BlockHealth, Liveness},
    metrics::Metrics,
};

/// How often the sidecar's connected peers are counted.
const PEERS_POLL: Duration = Duration::from_secs(5);

/// Everything `weaved start` measures, and the endpoint that shows it.
#[derive(Debug, Clone)]
pub(crate) struct Telemetry {
    /// The metrics.
    pub(crate) metrics: Metrics,
    /// The health check.
    pub(crate) liveness: Liveness,
    settings: TelemetrySettings,
}

impl Telemetry {
    /// Fresh metrics, and a health check by `settings`.
    pub(crate) fn new(settings: &TelemetrySettings) -> Self {
        let blocks = BlockHealth::default();
        Self {
            metrics: Metrics::new(blocks.clone()),
            liveness: Liveness {
                blocks,
                max_block_age: Duration::from_secs(settings.max_block_age_secs),
            },
            settings: settings.clone(),
        }
    }

    /// The ABCI application `app`, measured.
    pub(crate) fn abci<A>(&self, app: A) -> Metered<A> {
        Metered::new(app, self.metrics.clone(), self.liveness.blocks.clone())
    }

    /// Starts the endpoint (unless `[telemetry] enabled = false`) and the sidecar's
    /// peer count, both until `shutdown`. A taken address is logged, not fatal: the
    /// node keeps making blocks without its metrics.
    pub(crate) async fn spawn(
        &self,
        sidecar: Option<SidecarHandle>,
        shutdown: tokio::sync::watch::Receiver<bool>,
    ) {
        if let Some(sidecar) = sidecar {
            self.metrics.watch_sidecar(sidecar.clone());
            let metrics = self.metrics.clone();
            let mut stop = shutdown.clone();
            tokio::spawn(async move {
                loop {
                    if let Ok(peers) = sidecar.connected_peers().await {
                        metrics.set_sidecar_peers(peers.len());
                    }
                    tokio::select! {
                        _ = tokio::time::sleep(PEERS_POLL) => {}
                        _ = stop.changed() => return,
                    }
                }
            });
        }
        if !self.settings.enabled {
            tracing::info!("telemetry endpoint disabled ([telemetry] enabled = false)");
            return;
        }
        let addr = self.settings.laddr;
        let mut stop = shutdown;
        let served = bind(
            addr,
            self.metrics.clone(),
            self.liveness.clone(),
            async move {
                let _ = stop.changed().await;
            },
        )
        .await;
        match served {
            Ok(server) => {
                tracing::info!(%addr, "telemetry listening (/metrics, /health)");
                tokio::spawn(async move {
                    if let Err(e) = server.await {
                        tracing::error!(%addr, error = %e, "telemetry endpoint failed");
                    }
                });
            }
            Err(e) => tracing::error!(error = %format!("{e:#}"), "telemetry endpoint not started"),
        }
    }
}

/// The content type of the Prometheus text format.
const METRICS_CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

#[derive(Clone)]
struct Ops {
    metrics: Metrics,
    liveness: Liveness,
}

async fn metrics(State(ops): State<Ops>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, METRICS_CONTENT_TYPE)],
        ops.metrics.encode(),
    )
}

async fn health(State(ops): State<Ops>) -> impl IntoResponse {
    let report = ops.liveness.check();
    let status = if report.healthy {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let body = serde_json::json!({
        "status": if report.healthy { "ok" } else { "unhealthy" },
        "height": report.height,
        "last_block_age_ms": report.last_block_age_ms.map(|ms| u64::try_from(ms).unwrap_or(u64::MAX)),
        "max_block_age_secs": ops.liveness.max_block_age.as_secs(),
        "reason": report.reason,
    });
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
}

/// The endpoint's routes.
fn router(metrics: Metrics, liveness: Liveness) -> Router {
    Router::new()
        .route("/metrics", get(self::metrics))
        .route("/health", get(self::health))
        .with_state(Ops { metrics, liveness })
}

/// Binds `addr`; the returned future serves `/metrics` and `/health` until `shutdown`.
pub(crate) async fn bind(
    addr: SocketAddr,
    metrics: Metrics,
    liveness: Liveness,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<impl Future<Output = std::io::Result<()>>> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("binding the telemetry address {addr}"))?;
    Ok(axum::serve(listener, router(metrics, liveness))
        .with_graceful_shutdown(shutdown)
        .into_future())
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use super::*;
    use crate::health::BlockHealth;

    /// A plain HTTP/1.0 GET: the status code and the body.
    async fn get(addr: SocketAddr, path: &str) -> (u16, String) {
        let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
        stream
            .write_all(format!("GET {path} HTTP/1.0\r\nHost: x\r\n\r\n").as_bytes())
            .await
            .expect("write");
        let mut text = String::new();
        stream.read_to_string(&mut text).await.expect("read");
        let code = text
            .split(' ')
            .nth(1)
            .and_then(|c| c.parse().ok())
            .expect("status line");
        let body = text
            .split("\r\n\r\n")
            .nth(1)
            .unwrap_or_default()
            .to_string();
        (code, body)
    }

    #[tokio::test]
    async fn serves_metrics_and_health() {
        let blocks = BlockHealth::default();
        let metrics = Metrics::new(blocks.clone());
        let liveness = Liveness {
            blocks: blocks.clone(),
            max_block_age: Duration::from_secs(60),
        };
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let addr = {
            let probe = std::net::TcpListener::bind("127.0.0.1:0").expect("port");
            probe.local_addr().expect("addr")
        };
        let server = bind(addr, metrics.clone(), liveness, async {
            let _ = stopped.await;
        })
        .await
        .expect("bind");
        let server = tokio::spawn(server);

        let (code, body) = get(addr, "/health").await;
        assert_eq!(code, 503, "{body}");
        assert!(body.contains("no block committed"), "{body}");

        metrics.block_committed(3, 0.01);
        blocks.committed(3);
        let (code, body) = get(addr, "/health").await;
        assert_eq!(code, 200, "{body}");
        let json: serde_json::Value = serde_json::from_str(&body).expect("json");
        assert_eq!(json["height"], 3);
        assert_eq!(json["status"], "ok");

        let (code, body) = get(addr, "/metrics").await;
        assert_eq!(code, 200);
        assert!(body.contains("weave_block_height 3"), "{body}");

        let (code, _) = get(addr, "/nothing").await;
        assert_eq!(code, 404);

        stop.send(()).expect("running");
        server.await.expect("join").expect("clean stop");
    }
}
