//! Placeholder: this binding arrives with its own issue.
