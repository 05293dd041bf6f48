//! A Yew single-page app that keeps its session alive by renewing tokens silently, before they
//! expire, through a hidden iframe — Auth0's "jQuery Token Renewal" tutorial, done properly.

pub mod api;
pub mod app;
pub mod auth;
pub mod components;
pub mod hooks;
