//! Exchange InvokeCommand subset.
