//! The gRPC API (placeholder until the services land).

use std::{future::Future, net::SocketAddr, sync::Arc};

/// Serves the gRPC API until `shutdown` resolves.
pub(crate) async fn serve(
    addr: SocketAddr,
    app: Arc<weave_app::App>,
    cometbft_rpc: String,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let _ = (addr, app, cometbft_rpc);
    shutdown.await;
    Ok(())
}
