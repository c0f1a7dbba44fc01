//! Checking a chat-completions request body against the wire formats (used by `secctx mock`).
//! Placeholder: written with the CLI issue.
