//! Graph v1.0 subset.
