//! The Weave web application that every `weaved start` serves (issue 16).
//!
//! It is the user's own node seen in a browser, like a desktop wallet: pages rendered
//! here as plain HTML with a little inline JavaScript (nothing is loaded from the
//! internet and there is no front-end build), signed with the node's key ring through
//! the client library, and a streaming gateway, `GET /media/{content_id}`, that serves
//! the plaintext of a content with HTTP `Range` so that a `<video>` element plays and
//! seeks.
//!
//! - [`WebSettings`] is the `[web]` section of `weaved.toml` (`enabled`, `address`,
//!   `keyring_backend`); [`start`] binds, writes the token and serves.
//! - Security: a random token in `<home>/web-token` (mode 0600) is printed as a
//!   ready-to-open URL; opening it sets a `SameSite=Strict`, `HttpOnly` cookie that
//!   every request needs, and every state-changing form carries the token too. Requests
//!   whose `Host` is not the app's own address, or whose `Origin` is another site's,
//!   are refused (see `security.rs`).
//! - Pages: Discover, a content's page (*Buy*, *Tip*, *Subscribe*, the player),
//!   Library (the access tokens and subscriptions of the selected account, *Transfer*),
//!   Publish (upload, split, progress; the node then seeds and delivers keys),
//!   Earnings (a creator's revenue by content and over time as an SVG chart; a
//!   seeder's bond, reputation, vouchers; *Claim now*, *Bond*, *Unbond*), Wallet
//!   (balances, send, history with a page per transaction, payment channels with
//!   their lanes), Governance (proposals, *Vote*, *Deposit*, *Submit a proposal*,
//!   every module's parameters) and Unlock (the `file` key ring's passphrase, asked
//!   once and kept in memory; every signing action goes there while it is missing).
//! - Social (issue 18, `social.rs`): profiles at `/u/HANDLE` or `/u/ADDRESS` with
//!   *Follow*/*Unfollow* and, on one's own, the form that sets it; on a content's page
//!   its creator with *Follow*, verified views and paying viewers, reactions, and
//!   comments (newest first, paged, replies one level, *Hide* for the creator); the
//!   following feed at `/following`. Discover's words and price filters go to the
//!   node's search index (`weave.search.v1.Search`), which also gives the trending list.
//! - `rpc.rs` reads CometBFT's RPC (`tx_search`, `tx`) for what state does not keep.
//! - `chain.rs` holds every call to the chain in a few small functions, so that the
//!   pages can be re-pointed when the client library's API moves.

#![allow(clippy::disallowed_methods)] // wall-clock time is fine outside the state machine

mod chain;
mod earnings;
mod flash;
mod forms;
mod gateway;
mod governance;
mod html;
mod jobs;
mod library;
mod media;
mod pages;
mod publish;
mod rpc;
mod security;
mod server;
mod settings;
mod social;
mod state;
mod support;
mod unlock;
mod wallet;
mod words;

pub use server::{start, Web};
pub use settings::{
    load_or_create_token, WebContext, WebError, WebSettings, DEFAULT_ADDRESS, TOKEN_FILE,
};
