//! `weaved start`: the ABCI server, the gRPC API and, unless told otherwise, CometBFT
//! as a supervised child process.
//!
//! Supervision: SIGINT and SIGTERM are forwarded to CometBFT, which gets a grace
//! period to stop before it is killed; if CometBFT dies on its own, weaved stops with
//! a message saying so. CometBFT is also asked (PR_SET_PDEATHSIG) to stop if weaved
//! itself is killed.

use std::{path::PathBuf, process::Stdio, sync::Arc, time::Duration};

use anyhow::Context;
use tokio::{
    process::Command,
    signal::unix::{signal, SignalKind},
    sync::oneshot,
};
use weave_app::{abci::AbciApp, store::StorageConfig, App};

use weave_client::{cometbft, home::HomeLayout, opts::GlobalOpts};

use crate::{config::NodeConfig, grpc};

/// How long CometBFT gets to stop after a signal before it is killed.
const STOP_GRACE: Duration = Duration::from_secs(15);

/// `weaved start` arguments.
#[derive(Debug, clap::Args)]
#[command(after_help = "Example:\n  weaved start --home ~/.weave")]
pub(crate) struct StartArgs {
    /// Do not run CometBFT: serve ABCI and gRPC only, for an operator who runs
    /// `cometbft node` against the ABCI address themselves.
    #[arg(long)]
    no_cometbft: bool,
    /// The cometbft binary (default: found on PATH or in ~/go/bin).
    #[arg(long)]
    cometbft_bin: Option<PathBuf>,
    /// Write CometBFT's output to this file instead of this terminal.
    #[arg(long)]
    cometbft_log: Option<PathBuf>,
    /// Log filter, e.g. `info` or `weave_app=debug,info`.
    #[arg(long, env = "WEAVE_LOG", default_value = "info")]
    log_level: String,
    /// Log lines as text, or as one JSON object per line (for log collectors).
    #[arg(long, env = "WEAVE_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,
}

/// `--log-format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

pub(crate) fn run(args: StartArgs, g: &GlobalOpts) -> anyhow::Result<()> {
    // The search library logs every commit at info; it speaks up only at warn unless
    // the filter names it.
    let level = if args.log_level.contains("tantivy") {
        args.log_level.clone()
    } else {
        format!("{},tantivy=warn", args.log_level)
    };
    let filter = tracing_subscriber::EnvFilter::try_new(&level).context("--log-level")?;
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match args.log_format {
        LogFormat::Text => logs.init(),
        LogFormat::Json => logs.json().init(),
    }

    let layout = HomeLayout::new(&g.home);
    let config = NodeConfig::load(&layout)?;
    let bin = if args.no_cometbft {
        None
    } else {
        Some(cometbft::find_binary(args.cometbft_bin.as_deref())?)
    };

    let storage = StorageConfig {
        keep_recent: config.keep_recent,
    };
    let app = Arc::new(
        App::open(&layout.app_data(), storage)
            .with_context(|| format!("opening state at {}", layout.app_data().display()))?,
    );
    tracing::info!(version = ?app.storage().latest_version(), "state opened");
    if let Some(fault) = std::env::var(weave_app::fault::FAULT_ENV)
        .ok()
        .filter(|v| !v.is_empty())
    {
        let fault = fault
            .parse()
            .map_err(|e| anyhow::anyhow!("{}: {e}", weave_app::fault::FAULT_ENV))?;
        app.set_fault(fault);
    }
    app.set_snapshots(weave_app::snapshot::SnapshotConfig {
        dir: layout.root().join("data").join("snapshots"),
        interval: config.snapshot_interval,
        keep_recent: usize::try_from(config.snapshot_keep_recent.max(1)).unwrap_or(1),
        chunk_bytes: weave_app::snapshot::DEFAULT_CHUNK_BYTES,
    });

    // Before CometBFT starts: a crash may have left its newest blocks unindexed (in
    // their block but not found by hash).
    if let Some(bin) = &bin {
        let app_height = app.storage().latest_version().unwrap_or(0);
        match cometbft::reindex_recent(bin, &layout.cometbft_home(), app_height) {
            Ok(Some((from, to))) => tracing::info!(from, to, "indexed the newest blocks again"),
            Ok(None) => {}
            Err(e) => {
                tracing::warn!(error = %format!("{e:#}"), "could not index the newest blocks again; transactions committed just before a crash may not be found by hash")
            }
        }
    }
    // ABCI: bound before CometBFT starts so its first connection succeeds.
    let listener = std::net::TcpListener::bind(config.abci_laddr)
        .with_context(|| format!("binding the ABCI server to {}", config.abci_laddr))?;
    let telemetry = crate::ops::Telemetry::new(&config.telemetry);
    telemetry.metrics.watch_store(Arc::clone(app.storage()));
    let abci_app = telemetry.abci(AbciApp::new(app.clone()));
    let (abci_tx, abci_rx) = oneshot::channel::<String>();
    std::thread::Builder::new()
        .name("abci".into())
        .spawn(move || {
            let reason = match weave_app::abci::serve(listener, abci_app) {
                Ok(()) => "ABCI server stopped".to_string(),
                Err(e) => format!("ABCI server failed: {e}"),
            };
            let _ = abci_tx.send(reason);
        })?;
    tracing::info!(addr = %config.abci_laddr, "ABCI server listening");

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let code = runtime.block_on(supervise(
        g.home.clone(),
        args,
        config,
        app,
        bin,
        layout.cometbft_home(),
        abci_rx,
        telemetry,
    ))?;
    // The ABCI thread blocks in accept(); leave without waiting for it.
    std::process::exit(code);
}

// Each argument is one part of the node that `run` set up before the runtime started.
#[allow(clippy::too_many_arguments)]
async fn supervise(
    home: PathBuf,
    args: StartArgs,
    config: NodeConfig,
    app: Arc<App>,
    bin: Option<PathBuf>,
    cometbft_home: PathBuf,
    abci_rx: oneshot::Receiver<String>,
    telemetry: crate::ops::Telemetry,
) -> anyhow::Result<i32> {
    let sidecar = if config.sidecar.enabled {
        Some(crate::sidecar::start(&HomeLayout::new(&home), &config.sidecar, app.clone()).await?)
    } else {
        tracing::info!("slice sidecar disabled ([sidecar] enabled = false)");
        None
    };
    let (vouchers_stop, vouchers_stop_rx) = tokio::sync::watch::channel(false);
    telemetry
        .spawn(sidecar.clone(), vouchers_stop_rx.clone())
        .await;
    let probes_task = match (&sidecar, cometbft::consensus_public_key(&cometbft_home)) {
        (Some(s), Ok(key)) => {
            // A validator's node: its sidecar probes seeders for its vote extensions.
            let reports = crate::probes::Reports::default();
            app.set_vote_extender(reports.extender());
            app.set_consensus_address(weave_kernel::consensus_address(&key));
            Some(tokio::spawn(crate::probes::run(
                app.clone(),
                s.clone(),
                weave_kernel::consensus_address(&key),
                reports,
                vouchers_stop_rx.clone(),
                telemetry.metrics.clone(),
            )))
        }
        _ => None,
    };
    let vouchers_task = sidecar.clone().map(|s| {
        tokio::spawn(crate::sidecar::keep_vouchers(
            HomeLayout::new(&home),
            s,
            vouchers_stop_rx,
        ))
    });
    let token = weave_client::sidecar_auth::load_or_create_token(&home)?;
    let guard = grpc::SidecarGuard::new(&home, &token)?;
    let (grpc_stop_tx, grpc_stop_rx) = oneshot::channel::<()>();
    let grpc_addr = config.grpc_laddr;
    let weave_services = grpc::module_services(&app);
    let search = crate::search::start(
        &home,
        app.clone(),
        grpc::cometbft_client(&config.cometbft_rpc)?,
    );
    let incoming = grpc::bind(grpc_addr)?;
    let mut grpc_task = tokio::spawn(grpc::serve(
        incoming,
        app,
        config.cometbft_rpc.clone(),
        sidecar.clone(),
        guard,
        telemetry.liveness.clone(),
        search,
        async move {
            let _ = grpc_stop_rx.await;
        },
    ));
    tracing::info!(addr = %grpc_addr, "gRPC server listening");
    let web = crate::web::start(&home, &config).await;
    let rest = start_rest(&config, &weave_services).await;

    let mut child = match &bin {
        Some(bin) => {
            let mut cmd = Command::new(bin);
            cmd.arg("node")
                .arg("--home")
                .arg(&cometbft_home)
                .stdin(Stdio::null());
            if let Some(log) = &args.cometbft_log {
                let f = std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(log)
                    .with_context(|| format!("opening {}", log.display()))?;
                cmd.stdout(f.try_clone()?).stderr(f);
            }
            // SAFETY: prctl is async-signal-safe and touches no memory of the parent.
            unsafe {
                cmd.pre_exec(|| {
                    nix::sys::prctl::set_pdeathsig(nix::sys::signal::Signal::SIGTERM)
                        .map_err(std::io::Error::from)
                });
            }
            let child = cmd
                .spawn()
                .with_context(|| format!("starting {}", bin.display()))?;
            tracing::info!(pid = child.id(), "cometbft started");
            Some(child)
        }
        None => {
            tracing::info!(
                "not starting CometBFT (--no-cometbft); waiting for it on the ABCI address"
            );
            None
        }
    };

    let mut sigint = signal(SignalKind::interrupt())?;
    let mut sigterm = signal(SignalKind::terminate())?;
    let child_exit = async {
        match child.as_mut() {
            Some(c) => c.wait().await.map(Some),
            None => std::future::pending().await,
        }
    };

    let code = tokio::select! {
        _ = sigint.recv() => {
            tracing::info!("SIGINT: stopping");
            0
        }
        _ = sigterm.recv() => {
            tracing::info!("SIGTERM: stopping");
            0
        }
        status = child_exit => {
            let status = status.context("waiting for cometbft")?;
            eprintln!(
                "weaved: cometbft exited ({}); stopping. Its output above (or in --cometbft-log) says why.",
                status.map_or_else(|| "unknown status".to_string(), |s| s.to_string())
            );
            return Ok(1);
        }
        reason = abci_rx => {
            eprintln!("weaved: {}; stopping", reason.unwrap_or_else(|_| "ABCI server thread ended".into()));
            stop_child(child.as_mut()).await;
            return Ok(1);
        }
        res = &mut grpc_task => {
            let why = match res {
                Ok(Ok(())) => "gRPC server stopped".to_string(),
                Ok(Err(e)) => format!("gRPC server failed: {e:#}"),
                Err(e) => format!("gRPC server task failed: {e}"),
            };
            eprintln!("weaved: {why}; stopping");
            stop_child(child.as_mut()).await;
            return Ok(1);
        }
    };
    stop_child(child.as_mut()).await;
    if let Some(web) = &web {
        web.stop();
    }
    let _ = vouchers_stop.send(true);
    if let Some(task) = vouchers_task {
        let _ = tokio::time::timeout(Duration::from_secs(5), task).await;
    }
    if let Some(task) = probes_task {
        let _ = tokio::time::timeout(Duration::from_secs(5), task).await;
    }
    if let Some(s) = &sidecar {
        let _ = tokio::time::timeout(Duration::from_secs(5), s.shutdown()).await;
    }
    if let Some(rest) = rest {
        rest.stop().await;
    }
    let _ = grpc_stop_tx.send(());
    let _ = tokio::time::timeout(Duration::from_secs(5), grpc_task).await;
    Ok(code)
}

/// Starts the REST API unless `[rest] enabled = false`. One that cannot start (its
/// address taken, say) is reported and the node runs on without it.
async fn start_rest(config: &NodeConfig, weave_services: &[String]) -> Option<crate::rest::Rest> {
    if !config.rest.enabled {
        tracing::info!("REST API disabled ([rest] enabled = false)");
        return None;
    }
    match crate::rest::start(&config.rest, config.grpc_laddr, weave_services).await {
        Ok(rest) => {
            tracing::info!(addr = %config.rest.address, "REST API listening");
            Some(rest)
        }
        Err(e) => {
            tracing::warn!(error = format!("{e:#}"), "the REST API is off");
            eprintln!("weaved: the REST API is off: {e:#}");
            None
        }
    }
}

/// Asks CometBFT to stop (SIGTERM), then kills it after the grace period.
async fn stop_child(child: Option<&mut tokio::process::Child>) {
    let Some(child) = child else { return };
    if let Some(pid) = child.id() {
        let pid = nix::unistd::Pid::from_raw(pid as i32);
        let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM);
        match tokio::time::timeout(STOP_GRACE, child.wait()).await {
            Ok(_) => tracing::info!("cometbft stopped"),
            Err(_) => {
                tracing::warn!("cometbft did not stop within {STOP_GRACE:?}; killing it");
                let _ = child.kill().await;
            }
        }
    }
}
