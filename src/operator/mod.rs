//! The operator's side: safe edits of `.env` (init, save, revoke, rotate) and the health check.

pub(crate) mod check;
pub(crate) mod config_file;
pub(crate) mod env_file;
