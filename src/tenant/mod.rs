//! Graph and Exchange clients.
