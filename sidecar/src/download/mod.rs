//! The downloader: find peers, learn what each holds, fetch the missing slices across
//! them, verify and store each one, and optionally stream plaintext out in order.
//!
//! A download ([`SidecarHandle::download`](crate::SidecarHandle::download), defined in
//! `run.rs`) runs the event loop in `run.rs` over a `state::Download`; each job is its
//! own file, which adds its methods to `Download`:
//!
//! | file            | job                                                            |
//! |-----------------|----------------------------------------------------------------|
//! | `schedule.rs`   | peer choice and order, windows, which slice next, back-offs     |
//! | `verify.rs`     | header signatures, slices against the root, strikes and bans, bad-slice evidence |
//! | `pay.rs`        | a voucher per verified slice, resends, the final drain          |
//! | `stream.rs`     | in-order plaintext out of the store                             |
//! | `state.rs`      | what a download knows (peers, slices, work in flight), progress and report |
//! | `run.rs`        | set-up and the event loop                                       |
//! | `options.rs`, `report.rs` | the public knobs and results                          |
//!
//! The files depend on each other one way only: `options`, `report` and `stream`
//! use no sibling but each other (`options` uses `report` and `stream`); `state` uses
//! those; `schedule`, `verify`, `pay` and `run` use `state` (and `stream`) and are
//! used by no sibling. They call each other's methods on `state::Download`.

mod options;
mod pay;
mod report;
mod run;
mod schedule;
mod state;
mod stream;
mod verify;

pub use options::DownloadOptions;
pub use report::{DownloadReport, PeerReport, Progress};
pub use stream::{decrypt_to, PlaintextStream};
