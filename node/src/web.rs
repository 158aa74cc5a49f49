//! The web application's hook in `weaved start` (the application itself is the
//! `weave-web` crate): started after the gRPC API it calls, it prints its
//! ready-to-open URL. A web application that cannot start (its address taken, say)
//! is reported and the node runs on without it.

use std::{net::SocketAddr, path::Path};

use weave_web::{Web, WebContext};

use crate::config::NodeConfig;

/// Starts the web application unless `[web] enabled = false`.
pub(crate) async fn start(home: &Path, config: &NodeConfig) -> Option<Web> {
    if !config.web.enabled {
        tracing::info!("web application disabled ([web] enabled = false)");
        return None;
    }
    let mut grpc: SocketAddr = config.grpc_laddr;
    if grpc.ip().is_unspecified() {
        grpc.set_ip(std::net::Ipv4Addr::LOCALHOST.into());
    }
    let ctx = WebContext {
        home: home.to_path_buf(),
        grpc_url: format!("http://{grpc}"),
        rpc_url: config.cometbft_rpc.clone(),
        chain_id: config.chain_id.clone(),
        settings: config.web.clone(),
    };
    match weave_web::start(ctx).await {
        Ok(web) => {
            tracing::info!(addr = %web.address, "web application listening");
            eprintln!("weaved: open the web application at {}", web.url);
            Some(web)
        }
        Err(e) => {
            tracing::warn!(error = %e, "the web application is off");
            eprintln!("weaved: the web application is off: {e}");
            None
        }
    }
}
